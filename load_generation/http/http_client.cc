#include "load_generation/http/http_client.h"

#include <algorithm>
#include <chrono>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/connect.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl/error.hpp"
#include "boost/asio/ssl/host_name_verification.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/ssl.hpp"

namespace loadgen {
namespace {

using boost::system::error_code;
constexpr auto kNoThrow = asio::as_tuple(kAwait);

absl::string_view View(boost::core::string_view s) { return {s.data(), s.size()}; }

}  // namespace

HttpSession::HttpSession(const LoopExecutor& executor, const HttpSettings& settings,
                         StatsShard& stats, const Clock& clock)
    : executor_(executor),
      settings_(settings),
      stats_(stats),
      clock_(clock),
      resolver_(executor),
      watchdog_(executor) {}

HttpSession::~HttpSession() { Close(); }

void HttpSession::Close() {
  error_code ignored;
  if (tls_) beast::get_lowest_layer(*tls_).socket().close(ignored);
  if (tcp_) tcp_->socket().close(ignored);
  tls_.reset();
  tcp_.reset();
  connected_ = false;
  buffer_.clear();
}

void HttpSession::Cancel() {
  cancelled_ = true;
  resolver_.cancel();
  watchdog_.cancel();
  Close();
}

Awaitable<error_code> HttpSession::Connect() {
  Close();
  const HttpTarget& target = settings_.target;
  TcpStream stream(executor_);
  stream.expires_after(absl::ToChronoNanoseconds(settings_.connect_timeout));
  auto [resolve_error, endpoints] =
      co_await resolver_.async_resolve(target.host, target.port, kNoThrow);
  if (resolve_error) co_return resolve_error;
  auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, kNoThrow);
  if (connect_error) co_return connect_error;
  stream.socket().set_option(asio::ip::tcp::no_delay(true));
  error_code error;
  stream.socket().non_blocking(true, error);  // for BeginExchange's write at once
  if (error) co_return error;
  ++connections_opened_;
  if (!target.tls) {
    stream.expires_never();
    tcp_.emplace(std::move(stream));
    connected_ = true;
    co_return error_code();
  }
  if (settings_.tls_context == nullptr) {
    co_return error_code(asio::error::operation_not_supported);
  }
  tls_.emplace(std::move(stream), *settings_.tls_context);
  if (settings_.tls_verify) {
    tls_->set_verify_callback(asio::ssl::host_name_verification(target.host));
  }
  if (!SSL_set_tlsext_host_name(tls_->native_handle(), target.host.c_str())) {
    co_return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
  }
  auto [handshake_error] = co_await tls_->async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (handshake_error) co_return handshake_error;
  beast::get_lowest_layer(*tls_).expires_never();
  connected_ = true;
  co_return error_code();
}

void HttpSession::ArmWatchdog() {
  watchdog_waiting_ = true;
  watchdog_.expires_at(deadline_);
  watchdog_.async_wait([this, alive = std::weak_ptr<int>(alive_)](const error_code& ec) {
    if (alive.expired()) return;
    watchdog_waiting_ = false;
    if (ec == asio::error::operation_aborted || !exchanging_) return;
    // The exchange in flight began after the one this wait was set for.
    if (std::chrono::steady_clock::now() < deadline_) return ArmWatchdog();
    timed_out_ = true;
    // Closed, not just cancelled: a cancel reaches only the operation pending at that moment,
    // and a body that streams without pause keeps starting new reads that complete at once. On
    // a closed socket the read under way ends with operation_aborted and any next one fails.
    error_code ignored;
    if (tls_) beast::get_lowest_layer(*tls_).socket().close(ignored);
    if (tcp_) tcp_->socket().close(ignored);
  });
}

template <typename Stream>
error_code HttpSession::BeginExchange(Stream& stream, std::chrono::steady_clock::time_point began,
                                      size_t& sent) {
  deadline_ = began + absl::ToChronoNanoseconds(settings_.request_timeout);
  timed_out_ = false;
  exchanging_ = true;
  if (!watchdog_waiting_) ArmWatchdog();
  // The buffer is empty: bytes left after a response closed the connection (stray_bytes_).
  parser_.emplace(response_, settings_.max_header_bytes, settings_.max_body_bytes, head_);
  error_code error;
  sent = 0;
  if constexpr (std::is_same_v<Stream, TcpSocket>) {
    // Written at once where the socket takes it (a request nearly always fits its send
    // buffer), without the round through the loop's queue an asynchronous write's completion
    // costs; the socket is non-blocking, so what it does not take is written asynchronously.
    sent = stream.write_some(asio::buffer(wire_), error);
    if (error == asio::error::would_block) error = {};
  }
  return error;
}

asio::mutable_buffer HttpSession::ReadSpace() {
  constexpr size_t kLeastRoom = 512;
  const size_t room = buffer_.capacity() - buffer_.size();
  return buffer_.prepare(buffer_.size() > 0 && room >= kLeastRoom ? std::min(room, read_size_)
                                                                  : read_size_);
}

bool HttpSession::Received(size_t read, const error_code& read_error, error_code& error) {
  // Small reads while responses are small (the buffer is memory every user keeps: 10,000
  // users), larger ones once a read comes back full.
  if (read == read_size_ && read_size_ < kMaxReadSize) read_size_ *= 2;
  buffer_.commit(read);
  bytes_read_ += static_cast<int64_t>(read);
  if (read_error) {
    error = read_error == asio::error::eof ? parser_->EndOfInput() : read_error;
    return true;
  }
  // The bytes go to the ResponseParser directly (Beast's composed read adds layers of its own
  // to every read).
  while (buffer_.size() > 0) {
    buffer_.consume(parser_->Put(buffer_.data(), error));
    if (error && error != http::error::need_more) return true;
    error = {};
    if (!parser_->done()) return false;
    if (!response_.interim()) return true;
    // The final response follows.
    parser_.emplace(response_, settings_.max_header_bytes, settings_.max_body_bytes, head_);
  }
  return false;
}

error_code HttpSession::EndExchange(const error_code& error) {
  exchanging_ = false;
  if (error) return timed_out_ ? error_code(beast::error::timeout) : error;
  stray_bytes_ = buffer_.size() > 0;  // requests are never pipelined: nothing may follow
  return {};
}

void WriteRequest(http::verb method, absl::string_view path, absl::string_view body,
                  const RequestOptions& options, const HttpSettings& settings,
                  absl::string_view cookies, std::string& wire) {
  auto overridden = [&](absl::string_view name) {
    for (const HttpHeader& h : options.headers) {
      if (absl::EqualsIgnoreCase(h.name, name)) return true;
    }
    return false;
  };
  auto field = [&wire](absl::string_view name, absl::string_view value) {
    absl::StrAppend(&wire, name, ": ", value, "\r\n");
  };
  wire.clear();
  absl::string_view target_path = path;
  if (settings.target.base_path.empty() && path.empty()) target_path = "/";
  absl::StrAppend(&wire, View(http::to_string(method)), " ", settings.target.base_path, target_path,
                  " HTTP/1.1\r\n");
  if (!overridden("Host")) field("Host", settings.target.host_header);
  if (!overridden("User-Agent")) field("User-Agent", settings.user_agent);
  if (!cookies.empty() && !overridden("Cookie")) field("Cookie", cookies);
  absl::string_view content_type = options.content_type;
  if (content_type.empty() && !body.empty()) content_type = "application/x-www-form-urlencoded";
  if (!content_type.empty() && !overridden("Content-Type")) field("Content-Type", content_type);
  for (const HttpHeader& h : options.headers) {
    if (!absl::EqualsIgnoreCase(h.name, "Content-Length")) field(h.name, h.value);
  }
  // As HTTP says: a length for a body (the body's own, whatever a header said), and for the
  // methods that expect one even when empty.
  if (!body.empty() || method == http::verb::post || method == http::verb::put ||
      method == http::verb::patch) {
    absl::StrAppend(&wire, "Content-Length: ", body.size(), "\r\n");
  }
  wire += "\r\n";
  wire.append(body.data(), body.size());
}

void HttpSession::StoreCookies() {
  response_.ForEachSetCookie([this](absl::string_view value) { cookies_.Store(value); });
}

HttpResponse HttpSession::Finish(HttpError error, absl::string_view text,
                                 std::chrono::steady_clock::time_point start,
                                 absl::string_view method, absl::string_view name,
                                 const RequestOptions& options) {
  HttpResponse response;
  const auto latency = std::chrono::steady_clock::now() - start;
  response.latency_ = absl::FromChrono(latency);
  if (text.empty()) {
    error_text_.clear();  // the common case, without a call to assign
  } else {
    error_text_.assign(text.data(), text.size());
  }
  if (error == HttpError::kNone) {
    response.message_ = &response_;
    if (options.check) {
      error_text_ = options.check(response);
    } else if (response_.status() >= 400) {
      error_text_ = absl::StrCat("HTTP ", response_.status());
    }
    if (!error_text_.empty()) error = HttpError::kStatus;
  }
  response.error_ = error;
  response.error_text_ = error_text_;
  Record({.method = method,
          .name = name,
          .latency_us = std::chrono::duration_cast<std::chrono::microseconds>(latency).count(),
          .content_bytes = static_cast<int64_t>(response.body().size()),
          .error = error_text_,
          .time = clock_.Now(),
          .cancelled = error == HttpError::kCancelled});
  return response;
}

void HttpSession::Record(RequestSample sample) {
  if (start_delay_) {
    sample.corrected_latency_us = sample.latency_us + absl::ToInt64Microseconds(*start_delay_);
  }
  stats_.Record(sample);
}

HttpResponse HttpSession::NeverSent() {
  HttpResponse response;  // nothing to count
  response.error_ = HttpError::kCancelled;
  response.error_text_ = "cancelled";
  return response;
}

// Request and Send are not coroutines (a frame less per request): they write the request now,
// and the Transmit they return sends it.
Awaitable<HttpResponse> HttpSession::Request(http::verb method, absl::string_view path,
                                             absl::string_view body,
                                             const RequestOptions& options) {
  const bool plain = body.empty() && options.headers.empty() && options.content_type.empty();
  if (!plain || !written_from_.valid || written_from_.method != method ||
      written_from_.path != path || written_from_.cookies != cookies_.header()) {
    refusal_ = UnsafeRequestText(path, options.headers);
    if (refusal_.empty()) {
      WriteRequest(method, path, body, options, settings_, cookies_.header(), wire_);
    }
    written_from_.valid = plain && refusal_.empty();
    if (written_from_.valid) {
      written_from_.method = method;
      written_from_.path.assign(path.data(), path.size());
      written_from_.cookies = cookies_.header();
    }
  }
  head_ = method == http::verb::head;
  const absl::string_view method_name = View(http::to_string(method));
  const absl::string_view name = options.name.empty() ? path : options.name;
  if (settings_.target.tls) {
    return Transmit<TlsStream>(method_name, name, options);
  }
  return Transmit<TcpSocket>(method_name, name, options);
}

Awaitable<HttpResponse> HttpSession::Send(absl::string_view wire, absl::string_view method,
                                          absl::string_view name, const RequestOptions& options) {
  wire_.assign(wire.data(), wire.size());
  written_from_.valid = false;
  refusal_.clear();
  head_ = method == "HEAD";
  if (settings_.target.tls) return Transmit<TlsStream>(method, name, options);
  return Transmit<TcpSocket>(method, name, options);
}

template <typename Stream>
Awaitable<HttpResponse> HttpSession::Transmit(absl::string_view method_name, absl::string_view name,
                                              const RequestOptions& options) {
  if (cancelled_) co_return NeverSent();
  const auto start = std::chrono::steady_clock::now();  // when awaited: the latency's start
  if (!refusal_.empty()) {
    co_return Finish(HttpError::kBadRequest, refusal_, start, method_name, name, options);
  }
  for (int attempt = 0;; ++attempt) {
    // A response that could have no body (204, 304) may still get one a moment later, which
    // would be taken for this request's answer: such bytes waiting mean a new connection.
    if (connected_ && check_before_reuse_) {
      error_code error;
      const size_t waiting = tls_ ? beast::get_lowest_layer(*tls_).socket().available(error)
                                  : tcp_->socket().available(error);
      if (waiting > 0 || error) Close();
    }
    check_before_reuse_ = false;
    const bool reused = connected_;
    if (!connected_) {
      error_code ec = co_await Connect();
      if (cancelled_)
        co_return Finish(HttpError::kCancelled, "cancelled", start, method_name, name, options);
      if (ec) {
        Close();
        ClassifiedError failure = ClassifyConnectError(ec, settings_.target.host);
        co_return Finish(failure.kind, failure.text, start, method_name, name, options);
      }
    }
    // Plain HTTP talks to the socket itself: past the connect, the stream's timeout layer only
    // adds work to every operation (the watchdog times the exchange).
    Stream* stream;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      stream = &*tls_;
    } else {
      stream = &tcp_->socket();
    }
    // The exchange is here, not in a coroutine of its own: that was a frame more per request.
    // Timed from the request's start on a connection kept alive (a clock read less), from now
    // past a connect.
    size_t sent = 0;
    error_code ec = BeginExchange(*stream, reused ? start : std::chrono::steady_clock::now(), sent);
    if (!ec && sent < wire_.size()) {
      auto [write_error, written] =
          co_await asio::async_write(*stream, asio::buffer(wire_) + sent, kNoThrow);
      ec = write_error;
    }
    bool over = false;
    if constexpr (std::is_same_v<Stream, TcpSocket>) {
      if (!ec && asio_reads_left_ > 0) {
        --asio_reads_left_;
      } else if (!ec) {
        // The answer is read once the loop has done the other work at hand (other users'
        // answers, say): by then it is most often there, and one read takes it, without a wait
        // on the socket. Asio's read right after the write finds nothing but costs a system
        // call, and then the loop's wait. Where a later read finds nothing too (one user, a slow
        // server), the next 1, 2, 4 ... 64 exchanges do not try it.
        co_await asio::post(executor_, kAwait);
        if (cancelled_) {  // the socket is gone
          ec = asio::error::operation_aborted;
        } else {
          error_code read_error;
          const size_t read = stream->read_some(ReadSpace(), read_error);
          if (read_error == asio::error::would_block) {
            asio_reads_left_ = later_reads_backoff_;
            later_reads_backoff_ = std::min(2 * later_reads_backoff_, kMaxAsioReadsAfterMiss);
          } else {
            later_reads_backoff_ = 1;
            ++later_reads_;
            over = Received(read, read_error, ec);
          }
        }
      }
    }
    while (!ec && !over) {
      auto [read_error, read] = co_await stream->async_read_some(ReadSpace(), kNoThrow);
      over = Received(read, read_error, ec);
    }
    ec = EndExchange(ec);
    if (cancelled_)
      co_return Finish(HttpError::kCancelled, "cancelled", start, method_name, name, options);
    if (!ec) {
      // A connection that sent more than the response is out of step: the next request gets a
      // new one rather than those bytes as its answer.
      const int status = response_.status();
      // A 204 that declares a body anyway will likely send it: a new connection at once. (A
      // 304's Content-Length may be the length of what did not change.)
      auto declares_body = [this] {
        const absl::string_view length = response_.header("Content-Length");
        return response_.chunked() || (!length.empty() && length != "0");
      };
      if (!response_.keep_alive() || stray_bytes_ || (status == 204 && declares_body())) Close();
      check_before_reuse_ = status == 204 || status == 304;
      StoreCookies();
      co_return Finish(HttpError::kNone, "", start, method_name, name, options);
    }
    Close();
    if (reused && attempt == 0 && IsStaleConnection(ec)) continue;  // the server closed it idle
    ClassifiedError failure = ClassifyExchangeError(ec);
    co_return Finish(failure.kind, failure.text, start, method_name, name, options);
  }
}

}  // namespace loadgen
