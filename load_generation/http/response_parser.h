#ifndef LOAD_GENERATION_HTTP_RESPONSE_PARSER_H_
#define LOAD_GENERATION_HTTP_RESPONSE_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "boost/asio/buffer.hpp"
#include "boost/beast/http/basic_parser.hpp"
#include "boost/beast/http/field.hpp"
#include "boost/beast/http/verb.hpp"

namespace loadgen {

namespace http = boost::beast::http;

// A response as the client read it: status, headers in order, body. A session keeps one and
// reads every response into it, so its storage, once grown, is reused: nothing is allocated
// per response or per header. A response the parser's quick path read is not copied: its header
// and body are views into the bytes given to ResponseParser::Put, which must outlive its use.
class ResponseMessage {
 public:
  int status() const { return status_; }
  absl::string_view body() const { return body_; }
  // The first header of that name (case-insensitive), or "".
  absl::string_view header(absl::string_view name) const;
  // Calls `fn(name, value)` for each header, in order.
  template <typename Fn>
  void ForEachHeader(Fn fn) const {
    for (const Field& f : fields_) fn(Name(f), Value(f));
  }
  // Calls `fn(value)` for each Set-Cookie header.
  template <typename Fn>
  void ForEachSetCookie(Fn fn) const {
    if (!set_cookie_) return;
    for (const Field& f : fields_) {
      if (f.set_cookie) fn(Value(f));
    }
  }
  // Whether it is an interim response (1xx but 101), which comes before the response that
  // answers a request.
  bool interim() const { return status_ >= 100 && status_ < 200 && status_ != 101; }
  bool keep_alive() const { return keep_alive_; }
  bool chunked() const { return chunked_; }

  // The same response: status, headers in order, body, persistence and framing.
  bool operator==(const ResponseMessage& other) const;

 private:
  friend class ResponseParser;
  struct Field {
    uint32_t name_begin, name_size, value_begin, value_size;  // in text_ (the header limit,
                                                              // at most 4 GiB, bounds them)
    bool set_cookie;
    // The quick path keeps the value and does nothing else with it (not a Content-Length or a
    // Connection): it may change from one response to the next (a Date, a request id).
    bool any_value;
  };
  absl::string_view Name(const Field& f) const {
    return {text_.data() + f.name_begin, f.name_size};
  }
  absl::string_view Value(const Field& f) const {
    return {text_.data() + f.value_begin, f.value_size};
  }
  void AddField(absl::string_view name, absl::string_view value, bool set_cookie);
  void AppendBody(absl::string_view bytes) {
    owned_body_.append(bytes.data(), bytes.size());
    body_ = owned_body_;
  }
  void Clear();

  int status_ = 0;
  bool keep_alive_ = false;
  bool chunked_ = false;
  bool set_cookie_ = false;  // a field is a Set-Cookie
  // The text fields_ index and the body: the header as it came and the body where the quick path
  // read them, or owned_text_ and owned_body_, which Beast's parser fills.
  absl::string_view text_, body_;
  std::vector<Field> fields_;
  std::string owned_text_;  // names and values back to back, as Beast's parser gives them
  std::string owned_body_;

  // The header the quick path read last, as it came, and what it made of it: the response a
  // server sends again most often differs only in values such as its Date, and the parser reads
  // one that differs from it only there by comparing bytes (see ResponseParser). Kept apart
  // from the response read, which Clear clears; empty when there is none.
  struct LastHeader {
    std::string bytes;  // up to the blank line, at most kLongestLastHeader bytes
    std::vector<Field> fields;
    int status = 0;
    bool keep_alive = false, set_cookie = false;
    uint64_t length = 0;  // the body's
  } last_;
  static constexpr size_t kLongestLastHeader = 1 << 10;  // what a session keeps at most
};

// Reads one response into a ResponseMessage (cleared first), eager, within a header and a body
// limit. A parser lives for one response: feed it with Put until done().
//
// A common response is read at once when the bytes hold all of it: HTTP/1.1 or 1.0, a final
// status (not 1xx, 204 or 304), plain header lines, one Content-Length and the whole body, a
// Connection of "close" or "keep-alive" if any, and no Transfer-Encoding, Upgrade or folded line.
// This reads it several times faster than Beast's general parser, which reads everything else
// (from the first byte again); it is made only then. While such a response of up to
// kMostToWaitFor bytes has not all come (it came in pieces), Put uses none of the bytes and asks
// for them again with more behind them. Both read alike whatever they both accept: the fuzz
// target checks it.
//
// A response whose header is the last one the quick path read into the same message but for the
// text of values it only keeps (a Date, an ETag of the same length; not a status, a name, a
// Content-Length or a Connection) is read by finding where the bytes differ, sixteen at a time,
// instead of parsing each line again: a server sends the same header over and over.
class ResponseParser final {
 public:
  // `head`: the response answers a HEAD request (it has no body, whatever its headers say).
  ResponseParser(ResponseMessage& message, uint32_t max_header_bytes, uint64_t max_body_bytes,
                 bool head = false);
  // One that reads with Beast's parser from the first byte: the reference the quick path is
  // checked and measured against.
  static ResponseParser BeastOnly(ResponseMessage& message, uint32_t max_header_bytes,
                                  uint64_t max_body_bytes);

  // The longest response the quick path waits for when it comes in pieces: the longest read a
  // session makes.
  static constexpr size_t kMostToWaitFor = 64 << 10;

  // Parses what `input` holds; returns the bytes used. `error` is http::error::need_more when
  // the response goes on past them: call again with what was not used and more behind.
  size_t Put(boost::asio::const_buffer input, boost::system::error_code& error);
  bool done() const { return simple_ || (beast_ && beast_->is_done()); }
  // Whether the response was read at once (see above), and whether as a copy of the last header.
  bool simple() const { return simple_; }
  bool like_last() const { return like_last_; }

  // Ends the input where the connection ended: a body that runs until then is complete, a cut
  // response is an error, and no response at all is end_of_stream.
  boost::system::error_code EndOfInput();

 private:
  // Beast's parser, reading into a ResponseMessage.
  class BeastReader final : public http::basic_parser<false> {
   public:
    BeastReader(ResponseMessage& message, uint32_t max_header_bytes, uint64_t max_body_bytes,
                bool head);

   private:
    void on_request_impl(http::verb, boost::core::string_view, boost::core::string_view, int,
                         boost::system::error_code&) override {}
    void on_response_impl(int code, boost::core::string_view reason, int version,
                          boost::system::error_code& ec) override;
    void on_field_impl(http::field name, boost::core::string_view name_string,
                       boost::core::string_view value, boost::system::error_code& ec) override;
    void on_header_impl(boost::system::error_code& ec) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                           boost::system::error_code& ec) override;
    std::size_t on_body_impl(boost::core::string_view body, boost::system::error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t, boost::core::string_view,
                              boost::system::error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t remain, boost::core::string_view body,
                                   boost::system::error_code& ec) override;
    void on_finish_impl(boost::system::error_code& ec) override;

    ResponseMessage& message_;
  };

  // What the quick path makes of the bytes: a common response read (`used` set), one whose
  // bytes have not all come, or one for Beast's parser.
  enum class Quick { kRead, kIncomplete, kBeasts };
  Quick ParseSimple(absl::string_view input, size_t& used);
  // Reads a response whose header differs from the message's last one only inside values the
  // quick path just keeps, all of it in `input`; false if it is not one.
  bool ReadLikeLast(absl::string_view input, size_t& used);
  // Keeps the header the quick path just read as the message's last one.
  void KeepAsLast(size_t header_size, uint64_t length);

  ResponseMessage& message_;
  const uint32_t max_header_bytes_;
  const uint64_t max_body_bytes_;
  const bool head_;
  bool tried_simple_ = false;
  bool simple_ = false;
  bool like_last_ = false;
  bool waiting_ = false;              // the quick path has bytes of a response still coming
  std::optional<BeastReader> beast_;  // made when the quick path does not read the response
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_HTTP_RESPONSE_PARSER_H_
