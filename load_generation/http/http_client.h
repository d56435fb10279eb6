#ifndef LOAD_GENERATION_HTTP_HTTP_CLIENT_H_
#define LOAD_GENERATION_HTTP_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "boost/beast/core/basic_stream.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http/verb.hpp"
#include "boost/beast/ssl/ssl_stream.hpp"
#include "load_generation/clock/clock.h"
#include "load_generation/http/cookie_jar.h"
#include "load_generation/http/http_error.h"
#include "load_generation/http/response_parser.h"
#include "load_generation/http/target.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

namespace beast = boost::beast;
namespace http = boost::beast::http;

struct HttpSettings {
  HttpTarget target;
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration request_timeout = absl::Seconds(10);
  // For https targets. Not owned; must outlive the sessions.
  boost::asio::ssl::context* tls_context = nullptr;
  // Check the server's certificate chain and that it names the target's host.
  bool tls_verify = true;
  uint64_t max_body_bytes = 64 << 20;
  uint32_t max_header_bytes = 64 << 10;  // the status line and headers of a response
  std::string user_agent = "loadgen/1.0";
};

class HttpSession;

// A response, or why there is none. Views into the session: valid until its next request.
class HttpResponse {
 public:
  // 0 when no response was received.
  int status() const { return message_ ? message_->status() : 0; }
  absl::string_view body() const { return message_ ? message_->body() : absl::string_view(); }
  // The first header of that name (case-insensitive), or "".
  absl::string_view header(absl::string_view name) const {
    return message_ ? message_->header(name) : absl::string_view();
  }
  HttpError error() const { return error_; }
  // Why it failed, e.g. "HTTP 503" or "connection refused"; "" on success.
  absl::string_view error_text() const { return error_text_; }
  bool ok() const { return error_ == HttpError::kNone; }
  absl::Duration latency() const { return latency_; }
  // Calls `fn(name, value)` for each header of the response, in order.
  template <typename Fn>
  void ForEachHeader(Fn fn) const {
    if (message_ != nullptr) message_->ForEachHeader(fn);
  }

 private:
  friend class HttpSession;
  const ResponseMessage* message_ = nullptr;
  HttpError error_ = HttpError::kNone;
  absl::string_view error_text_;
  absl::Duration latency_;
};

// Options of one request.
struct RequestOptions {
  // The group the request is counted under, e.g. "/product/[id]"; the path when empty.
  absl::string_view name;
  absl::Span<const HttpHeader> headers;
  absl::string_view content_type;
  // Decides whether a response that arrived is a failure, instead of the default (status >=
  // 400 fails). Returns why it failed, or "" if it succeeded.
  std::function<std::string(const HttpResponse&)> check;
};

// Writes a request as a session sends it into `wire` (cleared first; nothing is allocated once it
// has grown to the size): the request line with the target's base path, Host, User-Agent and
// `cookies` (a Cookie header's value) unless options.headers name them, a Content-Type for a
// body, options.headers, a Content-Length where HTTP wants one, and the body.
void WriteRequest(http::verb method, absl::string_view path, absl::string_view body,
                  const RequestOptions& options, const HttpSettings& settings,
                  absl::string_view cookies, std::string& wire);

// One simulated user's HTTP/1.1 connection to the target: kept alive across requests, with
// its own cookie jar; reconnects when the server closes. Every request is recorded in `stats`
// (one aborted in flight by Cancel as cancelled at stop; one not sent, not at all). Use from one
// executor; co_await each request before the next. Requests that name a path, body or options
// by reference need them alive until the co_await ends.
class HttpSession {
 public:
  HttpSession(const LoopExecutor& executor, const HttpSettings& settings, StatsShard& stats,
              const Clock& clock);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // The request is written when called (the body copied), and sent when awaited.
  Awaitable<HttpResponse> Get(absl::string_view path, const RequestOptions& options = {}) {
    return Request(http::verb::get, path, "", options);
  }
  Awaitable<HttpResponse> Post(absl::string_view path, absl::string_view body,
                               const RequestOptions& options = {}) {
    return Request(http::verb::post, path, body, options);
  }
  Awaitable<HttpResponse> Request(http::verb method, absl::string_view path, absl::string_view body,
                                  const RequestOptions& options);
  // Sends `wire`, a whole request the caller wrote (a wrk script's), as it is: no Host, cookie
  // or length is added. `method` and `name` say what it is, for the statistics and for reading
  // the answer to a HEAD; options.headers do not apply.
  Awaitable<HttpResponse> Send(absl::string_view wire, absl::string_view method,
                               absl::string_view name, const RequestOptions& options = {});

  // How late the task under way began against its arrival's intended time, in an open phase;
  // nullopt in a closed one. Requests then record a corrected latency: theirs plus this.
  void SetStartDelay(std::optional<absl::Duration> delay) { start_delay_ = delay; }
  std::optional<absl::Duration> start_delay() const { return start_delay_; }
  // Records `sample` as the session's own requests are, with a corrected latency in an open
  // phase: for what a behaviour times itself.
  void Record(RequestSample sample);

  // Aborts the request in flight; this and every later request return kCancelled at once.
  void Cancel();
  bool cancelled() const { return cancelled_; }

  // The cookies the target has set and not expired, as name=value pairs.
  const std::vector<std::pair<std::string, std::string>>& cookies() const {
    return cookies_.cookies();
  }
  // Connections opened so far: 1 for a session whose connection was kept alive throughout.
  int64_t connections_opened() const { return connections_opened_; }
  // Bytes received so far, headers and all.
  int64_t bytes_read() const { return bytes_read_; }
  // Answers read once the loop had done its other work at hand, without a wait on the socket.
  int64_t later_reads() const { return later_reads_; }

 private:
  using TcpStream = beast::basic_stream<asio::ip::tcp, LoopExecutor>;
  using TlsStream = beast::ssl_stream<TcpStream>;
  using TcpSocket = asio::basic_stream_socket<asio::ip::tcp, LoopExecutor>;

  Awaitable<boost::system::error_code> Connect();
  // Sends wire_ (on a new connection if need be) and reads its response, past interim (1xx)
  // ones; or, with a refusal_, records it failed as that.
  // `Stream` is TlsStream for an https target, TcpSocket for a plain one.
  template <typename Stream>
  Awaitable<HttpResponse> Transmit(absl::string_view method, absl::string_view name,
                                   const RequestOptions& options);
  // The parts of an exchange that do not wait, for Transmit. BeginExchange starts the request's
  // timeout, counted from `began`, and, on a plain socket, writes what the socket takes at once
  // (`sent` bytes).
  template <typename Stream>
  boost::system::error_code BeginExchange(Stream& stream,
                                          std::chrono::steady_clock::time_point began,
                                          size_t& sent);
  // Takes in a read's result and parses what the buffer holds. True when the exchange is over:
  // the final response is read, or `error` says why not.
  bool Received(size_t read, const boost::system::error_code& read_error,
                boost::system::error_code& error);
  // The exchange's outcome. Leftover bytes after the response (a body on a 204 or 304, say) are
  // not the answer to anything: `stray_bytes_` says so.
  boost::system::error_code EndExchange(const boost::system::error_code& error);
  void Close();
  // The answer to a request made after Cancel.
  static HttpResponse NeverSent();
  // Waits until deadline_ to time the exchange in flight out.
  void ArmWatchdog();
  void StoreCookies();
  HttpResponse Finish(HttpError error, absl::string_view text,
                      std::chrono::steady_clock::time_point start, absl::string_view method,
                      absl::string_view name, const RequestOptions& options);

  LoopExecutor executor_;
  const HttpSettings& settings_;
  StatsShard& stats_;
  const Clock& clock_;
  asio::ip::basic_resolver<asio::ip::tcp, LoopExecutor> resolver_;
  std::optional<TcpStream> tcp_;
  std::optional<TlsStream> tls_;
  bool connected_ = false;
  bool cancelled_ = false;
  std::optional<absl::Duration> start_delay_;
  beast::flat_buffer buffer_;
  static constexpr size_t kMaxReadSize = ResponseParser::kMostToWaitFor;
  size_t read_size_ = 2 << 10;  // what the next read asks for: doubled when a read fills it
  // Where the next read goes: read_size_ bytes behind what the buffer holds, or while part of a
  // response waits in it, the room the buffer has left if that is not too small (a response in
  // pieces does not grow the buffer).
  asio::mutable_buffer ReadSpace();
  // Answers read after the loop's other work, without a wait on the socket (see Transmit); how
  // many exchanges yet read as Asio does, since such a read last found nothing; and how many the
  // next such miss gives (doubled by each miss, back to 1 when a later read finds its answer).
  int64_t later_reads_ = 0;
  static constexpr int kMaxAsioReadsAfterMiss = 64;
  int asio_reads_left_ = 0;
  int later_reads_backoff_ = 1;
  std::string wire_;     // the request in flight, as sent
  std::string refusal_;  // why wire_ is not safe to send (not written), or ""
  // What wire_ was written from, when Request wrote it from a method, a path and the cookies
  // alone (no body, headers or content type): the same again is not written again.
  struct WrittenFrom {
    bool valid = false;
    http::verb method = http::verb::unknown;
    std::string path, cookies;
  } written_from_;
  ResponseMessage response_;
  std::optional<ResponseParser> parser_;  // of the response being read into response_
  CookieJar cookies_;
  std::string error_text_;
  int64_t connections_opened_ = 0;
  int64_t bytes_read_ = 0;
  bool head_ = false;  // the request in flight is a HEAD: its response has no body
  // The request timeout. Its wait is not set and cancelled for every exchange (a timer queue
  // insert and removal and a cancelled wait's completion per request): one is left pending when
  // an exchange ends, and when it comes due it times out the exchange then in flight if that
  // one's deadline has passed, waits on to that deadline if not, and ends if none is in flight
  // (the next exchange sets a new wait). So a session leaves a wait of at most request_timeout
  // pending after its last request, until Cancel or its destruction.
  LoopTimer<std::chrono::steady_clock> watchdog_;
  std::chrono::steady_clock::time_point deadline_;  // of the exchange in flight
  bool watchdog_waiting_ = false;
  bool exchanging_ = false;
  bool timed_out_ = false;
  bool stray_bytes_ = false;         // bytes came after the last response
  bool check_before_reuse_ = false;  // it had no body (204, 304): see that none came late
  std::shared_ptr<int> alive_ = std::make_shared<int>();  // the watchdog's handler checks it
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_HTTP_HTTP_CLIENT_H_
