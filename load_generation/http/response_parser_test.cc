#include "load_generation/http/response_parser.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

constexpr uint32_t kHeaderLimit = 64 << 10;
constexpr uint64_t kBodyLimit = 1 << 20;

using Headers = std::vector<std::pair<std::string, std::string>>;

Headers HeadersOf(const ResponseMessage& m) {
  Headers headers;
  m.ForEachHeader([&](absl::string_view name, absl::string_view value) {
    headers.emplace_back(std::string(name), std::string(value));
  });
  return headers;
}

struct Parsed {
  boost::system::error_code error;
  size_t used = 0;
  bool done = false;
  bool simple = false;
  bool like_last = false;
};

// Parses `input` in one Put, as a session does with a response that came in one read.
Parsed ParseWhole(absl::string_view input, ResponseMessage& message,
                  uint32_t header_limit = kHeaderLimit, uint64_t body_limit = kBodyLimit,
                  bool head = false) {
  ResponseParser parser(message, header_limit, body_limit, head);
  Parsed p;
  p.used = parser.Put(boost::asio::buffer(input.data(), input.size()), p.error);
  p.done = parser.done();
  p.simple = parser.simple();
  p.like_last = parser.like_last();
  return p;
}

// Parses `input` with Beast's parser alone.
Parsed ParseWithBeast(absl::string_view input, ResponseMessage& message) {
  ResponseParser parser = ResponseParser::BeastOnly(message, kHeaderLimit, kBodyLimit);
  Parsed p;
  p.used = parser.Put(boost::asio::buffer(input.data(), input.size()), p.error);
  p.done = parser.done();
  return p;
}

// Reads `input` both ways, expects the same result of each, and returns the quick path's. With
// `before`, the quick path's message has read that response first, as a session's has read the
// one before.
Parsed ReadBothWays(absl::string_view input, absl::string_view before = {}) {
  ResponseMessage quick_message, beast_message;
  if (!before.empty()) ParseWhole(before, quick_message);
  const Parsed quick = ParseWhole(input, quick_message);
  const Parsed beast = ParseWithBeast(input, beast_message);
  EXPECT_EQ(quick.error, beast.error) << quick.error.message();
  EXPECT_EQ(quick.done, beast.done);
  EXPECT_EQ(quick.used, beast.used);
  EXPECT_TRUE(quick_message == beast_message)
      << quick_message.status() << " " << quick_message.body() << " / " << beast_message.status()
      << " " << beast_message.body();
  return quick;
}

constexpr absl::string_view kNginx =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Content-Type: text/html\r\n"
    "Content-Length: 5\r\n"
    "Connection: keep-alive\r\n"
    "X-Spaced: \t padded value \t\r\n"
    "Set-Cookie: a=1; Path=/\r\n"
    "set-cookie: b=2\r\n"
    "\r\n"
    "hello";

TEST(ResponseParser, ReadsACommonResponseAtOnce) {
  ResponseMessage m;
  const std::string input = std::string(kNginx) + "HTTP/1.1";  // the start of something more
  const Parsed p = ParseWhole(input, m);
  EXPECT_FALSE(p.error);
  EXPECT_TRUE(p.done);
  EXPECT_TRUE(p.simple);
  EXPECT_EQ(p.used, kNginx.size());  // what follows is left alone
  EXPECT_EQ(m.status(), 200);
  EXPECT_EQ(m.body(), "hello");
  EXPECT_TRUE(m.keep_alive());
  EXPECT_FALSE(m.chunked());
  EXPECT_EQ(HeadersOf(m), (Headers{{"Server", "nginx/1.22.1"},
                                   {"Content-Type", "text/html"},
                                   {"Content-Length", "5"},
                                   {"Connection", "keep-alive"},
                                   {"X-Spaced", "padded value"},
                                   {"Set-Cookie", "a=1; Path=/"},
                                   {"set-cookie", "b=2"}}));
  EXPECT_EQ(m.header("content-type"), "text/html");
  std::vector<std::string> cookies;
  m.ForEachSetCookie([&](absl::string_view v) { cookies.emplace_back(v); });
  EXPECT_EQ(cookies, (std::vector<std::string>{"a=1; Path=/", "b=2"}));
  // Read in place, not copied: the body is where it came.
  EXPECT_EQ(m.body().data(), input.data() + kNginx.size() - 5);
}

// Each of these is read alike by both paths, or refused alike; `simple` says which path the
// parser took.
struct Case {
  const char* name;
  absl::string_view input;
  bool simple;
};

const Case kCases[] = {
    {"nginx", kNginx, true},
    {"http_1_0_closes", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", true},
    {"http_1_0_kept_alive",
     "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", true},
    {"http_1_1_closes", "HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
     true},
    {"empty_reason", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", true},
    {"no_headers_but_length", "HTTP/1.1 404 Not Found\r\ncontent-length: 1\r\n\r\nx", true},
    {"chunked",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
     false},
    {"connection_list",
     "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n", false},
    {"length_list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", false},
    {"two_lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", false},
    {"folded", "HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length: 0\r\n\r\n", false},
    {"interim", "HTTP/1.1 100 Continue\r\n\r\n", false},
    {"no_content", "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc", false},
    {"not_modified", "HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n", false},
    {"http_2", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", false},  // refused
    {"bare_line_feed", "HTTP/1.1 200 OK\r\nX-Bad: a\nb\r\nContent-Length: 0\r\n\r\n", false},
    {"upgrade", "HTTP/1.1 200 OK\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n", false},
};

TEST(ResponseParser, BothPathsReadAlike) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const Parsed quick = ReadBothWays(c.input);
    EXPECT_EQ(quick.simple, c.simple);
    EXPECT_EQ(quick.done, !quick.error);
  }
}

// The quick path looks at header values eight bytes at a time: a byte of each kind, at each
// place in a value and in the reason phrase, is read as Beast reads it.
TEST(ResponseParser, EveryKindOfByteAnywhereInAValueIsReadAsBeastReadsIt) {
  constexpr char kKinds[] = "\x00\x08\t\r\n\x1f\x7f\x80\xff a~";
  for (const char byte : absl::string_view(kKinds, sizeof kKinds - 1)) {
    for (size_t at = 0; at < 20; ++at) {
      std::string value(20, 'v'), reason(20, 'r');
      value[at] = byte;
      reason[at] = byte;
      for (const std::string& input :
           {"HTTP/1.1 200 OK\r\nX-Value: " + value + "\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 " + reason + "\r\nContent-Length: 2\r\n\r\nok"}) {
        SCOPED_TRACE(testing::Message() << "byte " << static_cast<int>(byte) << " at " << at
                                        << " of " << input.substr(0, 17));
        // Text is read at once; anything else is Beast's to refuse.
        const bool text = byte == '\t' || byte == ' ' || static_cast<unsigned char>(byte) > 0x7f ||
                          (byte > 0x20 && byte < 0x7f);
        EXPECT_EQ(ReadBothWays(input).simple, text);
      }
    }
  }
}

// The quick path compares the names and values it acts on eight bytes at a time, folding case
// by a bit: each of them with any one byte in the other case, or changed to another token
// character, is read as Beast reads it, and a change of case alone changes nothing.
TEST(ResponseParser, NamesAndValuesThatMatterAreReadAsBeastReadsThemInAnyCase) {
  const std::pair<std::string, std::string> kHeaders[] = {
      {"content-length", "2"},      {"connection", "close"},          {"connection", "keep-alive"},
      {"set-cookie", "a=b"},        {"transfer-encoding", "chunked"}, {"upgrade", "h2c"},
      {"proxy-connection", "close"}};
  auto read = [](const std::string& name, const std::string& value) {
    // The line stands in for the Content-Length when it is one.
    const std::string input = "HTTP/1.1 200 OK\r\n" + name + ": " + value + "\r\n" +
                              (name.size() == 14 ? "" : "Content-Length: 2\r\n") + "\r\nok";
    SCOPED_TRACE(input);
    return ReadBothWays(input).simple;
  };
  for (const auto& [name, value] : kHeaders) {
    const bool simple = read(name, value);
    for (const bool in_value : {false, true}) {
      const std::string& text = in_value ? value : name;
      for (size_t at = 0; at < text.size(); ++at) {
        for (const char other : {static_cast<char>(text[at] ^ 0x20), '_', 'q'}) {
          if (other == text[at] || (other == (text[at] ^ 0x20) && !absl::ascii_isalpha(other))) {
            continue;
          }
          std::string changed = text;
          changed[at] = other;
          const bool read_simple = in_value ? read(name, changed) : read(changed, value);
          if (absl::ascii_isalpha(other) && absl::ascii_tolower(other) == text[at]) {
            EXPECT_EQ(read_simple, simple) << changed;
          }
        }
      }
    }
  }
}

// nginx's answers to the same request, a second apart.
constexpr absl::string_view kFirst =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Tue, 08 Dec 2026 01:00:00 GMT\r\n"
    "Content-Length: 2\r\n"
    "Connection: keep-alive\r\n"
    "Set-Cookie: id=1\r\n"
    "X-Padded:  a b \r\n"
    "\r\n"
    "ok";
constexpr absl::string_view kSecond =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Tue, 08 Dec 2026 01:00:01 GMT\r\n"
    "Content-Length: 2\r\n"
    "Connection: keep-alive\r\n"
    "Set-Cookie: id=2\r\n"
    "X-Padded:  a b \r\n"
    "\r\n"
    "no";

TEST(ResponseParser, AResponseLikeTheLastIsReadByComparingBytes) {
  ResponseMessage m;
  EXPECT_FALSE(ParseWhole(kFirst, m).like_last);                 // nothing before it
  const std::string second = std::string(kSecond) + "HTTP/1.1";  // the start of something more
  const Parsed p = ParseWhole(second, m);
  EXPECT_FALSE(p.error);
  EXPECT_TRUE(p.done);
  EXPECT_TRUE(p.like_last);
  EXPECT_EQ(p.used, kSecond.size());
  EXPECT_EQ(m.status(), 200);
  EXPECT_EQ(m.body(), "no");
  EXPECT_EQ(m.body().data(), second.data() + kSecond.size() - 2);  // read in place
  EXPECT_TRUE(m.keep_alive());
  EXPECT_EQ(HeadersOf(m), (Headers{{"Server", "nginx/1.22.1"},
                                   {"Date", "Tue, 08 Dec 2026 01:00:01 GMT"},
                                   {"Content-Length", "2"},
                                   {"Connection", "keep-alive"},
                                   {"Set-Cookie", "id=2"},
                                   {"X-Padded", "a b"}}));
  std::vector<std::string> cookies;
  m.ForEachSetCookie([&](absl::string_view v) { cookies.emplace_back(v); });
  EXPECT_EQ(cookies, std::vector<std::string>{"id=2"});
  // Another length or another Connection is parsed; the quick path waits for the rest of a
  // response cut short; and one to a HEAD is Beast's.
  const std::string longer = absl::StrReplaceAll(kSecond, {{"Length: 2", "Length: 3"}}) + "!";
  const std::string closing = absl::StrReplaceAll(kSecond, {{"keep-alive", "close     "}});
  for (const absl::string_view other : {absl::string_view(longer), absl::string_view(closing)}) {
    SCOPED_TRACE(other);
    EXPECT_FALSE(ReadBothWays(other, kFirst).like_last);
  }
  ParseWhole(kFirst, m);
  EXPECT_EQ(ParseWhole(kSecond.substr(0, kSecond.size() - 1), m).error, http::error::need_more);
  ParseWhole(kFirst, m);
  EXPECT_FALSE(ParseWhole(kSecond, m, kHeaderLimit, kBodyLimit, /*head=*/true).like_last);
  EXPECT_EQ(m.body(), "");
}

// Any one byte of the header changed to any kind of byte, after the header it was changed from:
// read as Beast reads it, and like the last header exactly where the change is text inside a
// value the quick path just keeps (Server's, Date's, the cookie's, X-Padded's), not a space or a
// tab at either end of it.
TEST(ResponseParser, EveryChangeOfAByteAfterTheLastHeaderIsReadAsBeastReadsIt) {
  constexpr char kKinds[] = "\x00\t\r\n\x1f\x7f\x80\xff :aZ0";
  const size_t header_size = kFirst.find("\r\n\r\n") + 4;
  std::vector<std::pair<size_t, size_t>> values;  // [begin, end)
  for (const absl::string_view value :
       {"nginx/1.22.1", "Tue, 08 Dec 2026 01:00:00 GMT", "id=1", "a b"}) {
    values.emplace_back(kFirst.find(value), kFirst.find(value) + value.size());
  }
  int like_last = 0;
  for (size_t at = 0; at < header_size; ++at) {
    for (const char byte : absl::string_view(kKinds, sizeof kKinds - 1)) {
      if (kFirst[at] == byte) continue;
      std::string changed(kFirst);
      changed[at] = byte;
      SCOPED_TRACE(testing::Message() << "byte " << static_cast<int>(byte) << " at " << at);
      const bool text = byte == '\t' || byte == ' ' || static_cast<unsigned char>(byte) > 0x7f ||
                        (byte > 0x20 && byte < 0x7f);
      bool in_value = false;
      for (const auto& [begin, end] : values) {
        const bool edge = at == begin || at + 1 == end;
        in_value |= at >= begin && at < end && !(edge && (byte == ' ' || byte == '\t'));
      }
      const Parsed read = ReadBothWays(changed, kFirst);
      EXPECT_EQ(read.like_last, text && in_value);
      like_last += read.like_last;
    }
  }
  EXPECT_GT(like_last, 300);  // the way is taken (48 places, 9 kinds of text)
}

TEST(ResponseParser, KeepAliveFollowsTheVersion) {
  ResponseMessage m;
  ParseWhole(kCases[1].input, m);
  EXPECT_FALSE(m.keep_alive());  // HTTP/1.0 without keep-alive
  ParseWhole(kCases[2].input, m);
  EXPECT_TRUE(m.keep_alive());
  ParseWhole(kCases[3].input, m);
  EXPECT_FALSE(m.keep_alive());  // HTTP/1.1 told to close
}

TEST(ResponseParser, AResponseInPiecesIsReadAtOnceWhenAllHasCome) {
  // Cut in the status line, a header line, the blank line and the body.
  for (const size_t cut : {size_t{5}, size_t{30}, kNginx.find("\r\n\r\n") + 2, kNginx.size() - 2}) {
    SCOPED_TRACE(cut);
    ResponseMessage m;
    ResponseParser parser(m, kHeaderLimit, kBodyLimit);
    boost::system::error_code error;
    const absl::string_view first = kNginx.substr(0, cut);
    EXPECT_EQ(parser.Put(boost::asio::buffer(first.data(), first.size()), error), 0);
    EXPECT_EQ(error, http::error::need_more);
    EXPECT_FALSE(parser.done());
    // The rest arrives behind the first bytes, as the session's buffer holds them.
    EXPECT_EQ(parser.Put(boost::asio::buffer(kNginx.data(), kNginx.size()), error), kNginx.size());
    EXPECT_FALSE(error);
    EXPECT_TRUE(parser.done());
    EXPECT_TRUE(parser.simple());
    EXPECT_EQ(m.body(), "hello");
    EXPECT_EQ(m.header("X-Spaced"), "padded value");
    EXPECT_EQ(HeadersOf(m).size(), 7);
  }
}

TEST(ResponseParser, AResponseInPiecesThatIsNotCommonOrTooLongIsBeasts) {
  const std::string long_body(ResponseParser::kMostToWaitFor, 'b');
  const std::string long_response =
      absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", long_body.size(), "\r\n\r\n", long_body);
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
  for (const absl::string_view response :
       {absl::string_view(long_response), absl::string_view(chunked)}) {
    ResponseMessage m;
    ResponseParser parser(m, kHeaderLimit, kBodyLimit);
    boost::system::error_code error;
    const absl::string_view first = response.substr(0, response.size() - 3);
    const size_t used = parser.Put(boost::asio::buffer(first.data(), first.size()), error);
    EXPECT_GT(used, 0);  // Beast's parser took what it could
    EXPECT_FALSE(parser.done());
    const absl::string_view rest = response.substr(used);
    EXPECT_EQ(parser.Put(boost::asio::buffer(rest.data(), rest.size()), error), rest.size());
    EXPECT_FALSE(error);
    EXPECT_TRUE(parser.done());
    EXPECT_FALSE(parser.simple());
  }
  // Beast's path keeps its own copy: the response outlives the bytes it came in.
  std::string bytes(kNginx);
  ResponseMessage copied;
  ParseWithBeast(bytes, copied);
  bytes.assign(bytes.size(), 'x');
  EXPECT_EQ(copied.body(), "hello");
  EXPECT_EQ(copied.header("X-Spaced"), "padded value");
}

TEST(ResponseParser, TheEndOfInputCutsAResponseInPieces) {
  ResponseMessage m;
  boost::system::error_code error;
  for (const size_t cut : {size_t{5}, kNginx.size() - 2}) {
    ResponseParser parser(m, kHeaderLimit, kBodyLimit);
    parser.Put(boost::asio::buffer(kNginx.data(), cut), error);
    EXPECT_EQ(error, http::error::need_more);
    EXPECT_EQ(parser.EndOfInput(), http::error::partial_message);  // not a connection closed idle
  }
  ResponseParser nothing(m, kHeaderLimit, kBodyLimit);
  EXPECT_EQ(nothing.EndOfInput(), http::error::end_of_stream);
}

TEST(ResponseParser, AnswerToHeadHasNoBody) {
  ResponseMessage m;
  const Parsed p = ParseWhole("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", m, kHeaderLimit,
                              kBodyLimit, /*head=*/true);
  EXPECT_TRUE(p.done);
  EXPECT_FALSE(p.simple);
  EXPECT_EQ(m.body(), "");
}

TEST(ResponseParser, LimitsAndBadBytesAreBeastsErrors) {
  ResponseMessage m;
  ParseWhole(kNginx, m);  // the last header: the same again is read within the limits too
  EXPECT_EQ(ParseWhole(kNginx, m, /*header_limit=*/40).error, http::error::header_limit);
  EXPECT_EQ(ParseWhole(kNginx, m, kHeaderLimit, /*body_limit=*/4).error, http::error::body_limit);
  EXPECT_EQ(ParseWhole("HTTP/1.1 200 OK\r\nX-Bad: a\nb\r\nContent-Length: 0\r\n\r\n", m).error,
            http::error::bad_value);
  EXPECT_EQ(ParseWhole("HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n", m).error,
            http::error::bad_field);
  EXPECT_EQ(ParseWhole("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", m).error,
            http::error::bad_content_length);
}

}  // namespace
}  // namespace loadgen
