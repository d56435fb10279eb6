#include "load_generation/http/response_parser.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "load_generation/http/header_chars.h"

namespace loadgen {
namespace {

using boost::system::error_code;
using header_chars::TextEnd;
using header_chars::TokenEnd;

// Whether `s`, header text (no control character but tab), is `lower` but for case, `lower` being
// lower-case letters and '-'. Setting bit 5 of a byte lower-cases a letter and turns nothing else
// such text holds into a letter or '-' (only CR would become '-'), so eight bytes compare at
// once. Inlined: absl::EqualsIgnoreCase is a call into the shared library, and the compiler would
// not inline this either.
[[gnu::always_inline]] inline bool LowerEquals(absl::string_view s, absl::string_view lower) {
  const size_t n = s.size();
  if (n != lower.size()) return false;
  if (n < 8) {
    for (size_t i = 0; i < n; ++i) {
      if ((s[i] | 0x20) != lower[i]) return false;
    }
    return true;
  }
  auto word = [](const char* p) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    return x | 0x2020202020202020;
  };
  for (size_t i = 0; i + 8 < n; i += 8) {
    if (word(s.data() + i) != word(lower.data() + i)) return false;
  }
  return word(s.data() + n - 8) == word(lower.data() + n - 8);  // the last eight, overlapping
}

// The headers the quick path acts on, and those it leaves to Beast.
enum class Header { kOther, kContentLength, kConnection, kSetCookie, kBeasts };

// Which of them `name` (token characters) is: by its length first, so that most names are
// compared with nothing.
Header KindOf(absl::string_view name) {
  switch (name.size()) {
    case 14:
      return LowerEquals(name, "content-length") ? Header::kContentLength : Header::kOther;
    case 10:
      if (LowerEquals(name, "connection")) return Header::kConnection;
      return LowerEquals(name, "set-cookie") ? Header::kSetCookie : Header::kOther;
    case 17:
      return LowerEquals(name, "transfer-encoding") ? Header::kBeasts : Header::kOther;
    case 16:
      return LowerEquals(name, "proxy-connection") ? Header::kBeasts : Header::kOther;
    case 7:
      return LowerEquals(name, "upgrade") ? Header::kBeasts : Header::kOther;
    default:
      return Header::kOther;
  }
}

// Calls `differs(i)` for each offset i below n, in order, where a[i] != b[i], sixteen bytes at a
// time where the machine can; true if it returned true for each.
template <typename Fn>
[[gnu::always_inline]] inline bool EachDifference(const char* a, const char* b, size_t n,
                                                  Fn differs) {
  size_t i = 0;
#if defined(__SSE2__)
  const auto differing = [&](size_t at) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + at));
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + at));
    return static_cast<unsigned>(~_mm_movemask_epi8(_mm_cmpeq_epi8(x, y))) & 0xffffU;
  };
  const auto each = [&](size_t at, unsigned bits) {
    for (; bits != 0; bits &= bits - 1) {
      if (!differs(at + std::countr_zero(bits))) return false;
    }
    return true;
  };
  for (; i + 16 <= n; i += 16) {
    if (!each(i, differing(i))) return false;
  }
  // The last bytes in the sixteen that end at n, those looked at already left out.
  if (i < n && n >= 16) return each(n - 16, differing(n - 16) & (0xffffU << (i - (n - 16))));
#endif
  for (; i < n; ++i) {
    if (a[i] != b[i] && !differs(i)) return false;
  }
  return true;
}

}  // namespace

absl::string_view ResponseMessage::header(absl::string_view name) const {
  for (const Field& f : fields_) {
    if (absl::EqualsIgnoreCase(Name(f), name)) return Value(f);
  }
  return {};
}

bool ResponseMessage::operator==(const ResponseMessage& other) const {
  if (status_ != other.status_ || keep_alive_ != other.keep_alive_ || chunked_ != other.chunked_ ||
      set_cookie_ != other.set_cookie_ || body_ != other.body_ ||
      fields_.size() != other.fields_.size()) {
    return false;
  }
  for (size_t i = 0; i < fields_.size(); ++i) {
    const Field& a = fields_[i];
    const Field& b = other.fields_[i];
    if (Name(a) != other.Name(b) || Value(a) != other.Value(b) || a.set_cookie != b.set_cookie) {
      return false;
    }
  }
  return true;
}

void ResponseMessage::AddField(absl::string_view name, absl::string_view value, bool set_cookie) {
  // The header limit (at most 4 GiB) bounds the offsets.
  const auto name_begin = static_cast<uint32_t>(owned_text_.size());
  owned_text_.append(name.data(), name.size());
  const auto value_begin = static_cast<uint32_t>(owned_text_.size());
  owned_text_.append(value.data(), value.size());
  text_ = owned_text_;
  set_cookie_ = set_cookie_ || set_cookie;
  fields_.push_back({.name_begin = name_begin,
                     .name_size = static_cast<uint32_t>(name.size()),
                     .value_begin = value_begin,
                     .value_size = static_cast<uint32_t>(value.size()),
                     .set_cookie = set_cookie,
                     .any_value = false});
}

void ResponseMessage::Clear() {
  status_ = 0;
  keep_alive_ = false;
  chunked_ = false;
  set_cookie_ = false;
  text_ = body_ = {};
  fields_.clear();
  owned_text_.clear();
  owned_body_.clear();
}

ResponseParser::ResponseParser(ResponseMessage& message, uint32_t max_header_bytes,
                               uint64_t max_body_bytes, bool head)
    : message_(message),
      max_header_bytes_(max_header_bytes),
      max_body_bytes_(max_body_bytes),
      head_(head) {
  message_.Clear();
}

ResponseParser ResponseParser::BeastOnly(ResponseMessage& message, uint32_t max_header_bytes,
                                         uint64_t max_body_bytes) {
  ResponseParser parser(message, max_header_bytes, max_body_bytes);
  parser.tried_simple_ = true;
  parser.beast_.emplace(message, max_header_bytes, max_body_bytes, /*head=*/false);
  return parser;
}

ResponseParser::BeastReader::BeastReader(ResponseMessage& message, uint32_t max_header_bytes,
                                         uint64_t max_body_bytes, bool head)
    : message_(message) {
  eager(true);
  skip(head);
  header_limit(max_header_bytes);
  body_limit(max_body_bytes);
}

size_t ResponseParser::Put(boost::asio::const_buffer input, error_code& error) {
  error = {};
  if (!tried_simple_) {
    const absl::string_view bytes(static_cast<const char*>(input.data()), input.size());
    size_t used = 0;
    if (ReadLikeLast(bytes, used)) {
      tried_simple_ = simple_ = like_last_ = true;
      return used;
    }
    const Quick quick = ParseSimple(bytes, used);
    if (quick == Quick::kRead) {
      tried_simple_ = simple_ = true;
      return used;
    }
    message_.Clear();                   // of what the attempt filled in
    if (quick == Quick::kIncomplete) {  // again from the first byte, with more behind it
      waiting_ = input.size() > 0;
      error = http::error::need_more;
      return 0;
    }
    tried_simple_ = true;  // Beast reads it all
    waiting_ = false;
    beast_.emplace(message_, max_header_bytes_, max_body_bytes_, head_);
  }
  return beast_->put(input, error);
}

ResponseParser::Quick ResponseParser::ParseSimple(absl::string_view input, size_t& used) {
  if (head_ || max_header_bytes_ == 0) return Quick::kBeasts;
  // One pass over the header, which must end within the limit (a byte short of it: Beast's
  // check, stricter). Anything unexpected leaves the response to Beast.
  const char* p = input.data();
  const char* const end = p + std::min<size_t>(input.size(), max_header_bytes_ - 1);
  // The bytes ran out before the header ended: more may complete it, unless the limit ended
  // them (Beast's error) or they are more than a response to wait for.
  const auto out_of_bytes = [&] {
    return end == input.data() + input.size() && input.size() < kMostToWaitFor ? Quick::kIncomplete
                                                                               : Quick::kBeasts;
  };

  // The status line: "HTTP/1.x ddd reason".
  if (end - p < 13) return out_of_bytes();
  const absl::string_view start(p, 9);
  int version;
  if (start == "HTTP/1.1 ") {
    version = 11;
  } else if (start == "HTTP/1.0 ") {
    version = 10;
  } else {
    return Quick::kBeasts;
  }
  for (int i = 9; i < 12; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(p[i]))) return Quick::kBeasts;
  }
  if (p[12] != ' ') return Quick::kBeasts;
  const int status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  // An interim response, or one without a body whatever its headers say: Beast's.
  if (status < 200 || status == 204 || status == 304) return Quick::kBeasts;
  p += 13;
  // The reason phrase: text up to CRLF.
  const char* cr = TextEnd(p, end);
  if (end - cr < 2) return out_of_bytes();
  if (cr[0] != '\r' || cr[1] != '\n') return Quick::kBeasts;
  p = cr + 2;
  message_.status_ = status;

  // The header lines, up to the blank one. Their fields go to the message a batch at a time (one
  // vector insert, not one per field).
  std::array<ResponseMessage::Field, 16> batch;
  size_t batched = 0;
  std::vector<ResponseMessage::Field>& fields = message_.fields_;
  std::optional<uint64_t> length;
  bool close = false, keep_alive = false;
  while (true) {
    if (p == end) return out_of_bytes();
    if (*p == '\r') {
      if (end - p < 2) return out_of_bytes();
      if (p[1] != '\n') return Quick::kBeasts;
      p += 2;
      break;
    }
    const char* const name_begin = p;
    p = TokenEnd(p, end);
    if (p == end) return out_of_bytes();
    if (*p != ':' || p == name_begin) return Quick::kBeasts;
    const absl::string_view name(name_begin, p - name_begin);
    ++p;
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
    const char* const value_begin = p;
    cr = TextEnd(p, end);
    if (cr == end) return out_of_bytes();
    if (*cr != '\r') return Quick::kBeasts;
    p = cr;
    // CRLF, and a next line that does not continue this one (obsolete folding).
    if (end - p < 3) return out_of_bytes();
    if (p[1] != '\n' || p[2] == ' ' || p[2] == '\t') return Quick::kBeasts;
    const char* value_end = p;
    while (value_end > value_begin && (value_end[-1] == ' ' || value_end[-1] == '\t')) --value_end;
    const absl::string_view value(value_begin, value_end - value_begin);
    p += 2;
    const Header kind = KindOf(name);
    if (kind == Header::kContentLength) {
      // One length, in at most 18 digits (no overflow).
      if (length || value.empty() || value.size() > 18) return Quick::kBeasts;
      uint64_t n = 0;
      for (char c : value) {
        if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return Quick::kBeasts;
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      length = n;
    } else if (kind == Header::kConnection) {
      if (LowerEquals(value, "close")) {
        close = true;
      } else if (LowerEquals(value, "keep-alive")) {
        keep_alive = true;
      } else {
        return Quick::kBeasts;  // a list of tokens
      }
    } else if (kind == Header::kSetCookie) {
      message_.set_cookie_ = true;
    } else if (kind == Header::kBeasts) {
      return Quick::kBeasts;
    }
    // At its offsets in the header, which the message views whole below.
    if (batched == batch.size()) {
      fields.insert(fields.end(), batch.begin(), batch.end());
      batched = 0;
    }
    batch[batched++] = {.name_begin = static_cast<uint32_t>(name.data() - input.data()),
                        .name_size = static_cast<uint32_t>(name.size()),
                        .value_begin = static_cast<uint32_t>(value.data() - input.data()),
                        .value_size = static_cast<uint32_t>(value.size()),
                        .set_cookie = kind == Header::kSetCookie,
                        .any_value = kind == Header::kOther || kind == Header::kSetCookie};
  }
  fields.insert(fields.end(), batch.begin(), batch.begin() + batched);
  const auto header_size = static_cast<size_t>(p - input.data());

  // The body, within the limit: all of it here, or still to come in a response small enough to
  // wait for. (One that runs until the connection ends is Beast's.)
  if (!length || *length > max_body_bytes_) return Quick::kBeasts;
  if (*length > input.size() - header_size) {
    return header_size + *length <= kMostToWaitFor ? Quick::kIncomplete : Quick::kBeasts;
  }
  message_.text_ = input.substr(0, header_size);
  message_.body_ = input.substr(header_size, *length);
  // As Beast decides it: HTTP/1.1 persists unless told to close, HTTP/1.0 only if told to.
  message_.keep_alive_ = version == 11 ? !close : keep_alive;
  used = header_size + *length;
  KeepAsLast(header_size, *length);
  return Quick::kRead;
}

void ResponseParser::KeepAsLast(size_t header_size, uint64_t length) {
  ResponseMessage::LastHeader& last = message_.last_;
  if (header_size > ResponseMessage::kLongestLastHeader) {
    last.bytes.clear();
    return;
  }
  last.bytes.assign(message_.text_.data(), header_size);
  last.fields = message_.fields_;
  last.status = message_.status_;
  last.keep_alive = message_.keep_alive_;
  last.set_cookie = message_.set_cookie_;
  last.length = length;
}

bool ResponseParser::ReadLikeLast(absl::string_view input, size_t& used) {
  const ResponseMessage::LastHeader& last = message_.last_;
  const size_t size = last.bytes.size();
  // As the quick path would read it: not for a HEAD, within this parser's limits, all here.
  if (size == 0 || head_ || size >= max_header_bytes_ || last.length > max_body_bytes_ ||
      input.size() < size || input.size() - size < last.length) {
    return false;
  }
  // A byte that differs must be text within a value the quick path only keeps, and not a space
  // or tab at its first or last byte (where the value's text would begin or end elsewhere).
  // Every other byte being the same, each line ends where it did and holds what it did.
  const std::vector<ResponseMessage::Field>& fields = last.fields;
  size_t field = 0;  // the first that may hold the next difference
  const auto may_differ = [&](size_t at) {
    while (field < fields.size() &&
           (!fields[field].any_value ||
            at >= size_t{fields[field].value_begin} + fields[field].value_size)) {
      ++field;
    }
    if (field == fields.size() || at < fields[field].value_begin) return false;
    const char c = input[at];
    if (!header_chars::Is(c, header_chars::kText)) return false;
    const bool edge = at == fields[field].value_begin ||
                      at + 1 == size_t{fields[field].value_begin} + fields[field].value_size;
    return !edge || (c != ' ' && c != '\t');
  };
  if (!EachDifference(input.data(), last.bytes.data(), size, may_differ)) return false;
  message_.fields_ = fields;
  message_.status_ = last.status;
  message_.keep_alive_ = last.keep_alive;
  message_.set_cookie_ = last.set_cookie;
  message_.text_ = input.substr(0, size);
  message_.body_ = input.substr(size, last.length);
  used = size + last.length;
  return true;
}

error_code ResponseParser::EndOfInput() {
  // Part of a response the quick path waited on: cut, as Beast would say.
  if (waiting_) return http::error::partial_message;
  // Nothing read: the server closed without answering (put_eof requires that something was).
  if (!beast_ || !beast_->got_some()) return http::error::end_of_stream;
  error_code error;
  beast_->put_eof(error);
  return error;
}

void ResponseParser::BeastReader::on_response_impl(int code, boost::core::string_view, int,
                                                   error_code&) {
  message_.status_ = code;
}

void ResponseParser::BeastReader::on_field_impl(http::field name,
                                                boost::core::string_view name_string,
                                                boost::core::string_view value, error_code&) {
  message_.AddField({name_string.data(), name_string.size()}, {value.data(), value.size()},
                    name == http::field::set_cookie);
}

void ResponseParser::BeastReader::on_header_impl(error_code&) { message_.chunked_ = chunked(); }

void ResponseParser::BeastReader::on_body_init_impl(
    const boost::optional<std::uint64_t>& content_length, error_code&) {
  // Within the body limit: the parser refuses a longer length before this is called.
  if (content_length) message_.owned_body_.reserve(*content_length);
}

std::size_t ResponseParser::BeastReader::on_body_impl(boost::core::string_view body, error_code&) {
  message_.AppendBody({body.data(), body.size()});
  return body.size();
}

std::size_t ResponseParser::BeastReader::on_chunk_body_impl(std::uint64_t,
                                                            boost::core::string_view body,
                                                            error_code&) {
  message_.AppendBody({body.data(), body.size()});
  return body.size();
}

void ResponseParser::BeastReader::on_finish_impl(error_code&) {
  // Known once the body is (a body that runs until the connection ends keeps nothing alive).
  message_.keep_alive_ = keep_alive();
}

}  // namespace loadgen
