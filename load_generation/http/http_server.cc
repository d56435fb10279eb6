#include "load_generation/http/http_server.h"

#include <memory>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/ssl/stream.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"

namespace loadgen {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

HttpServer::HttpServer(Handler handler, int threads, bool record, int port, asio::ssl::context* tls,
                       const std::string& host, uint64_t max_body_bytes)
    : handler_(std::move(handler)),
      record_(record),
      max_body_bytes_(max_body_bytes),
      tls_(tls),
      acceptor_(io_, {asio::ip::make_address(host), static_cast<asio::ip::port_type>(port)}) {
  port_ = acceptor_.local_endpoint().port();
  Accept();
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
}

HttpServer::~HttpServer() {
  io_.stop();
  for (std::thread& t : threads_) t.join();
}

std::vector<ServerRequest> HttpServer::TakeRequests() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(recorded_, {});
}

void HttpServer::Record(const ServerRequest& request) {
  if (!record_) return;
  std::lock_guard<std::mutex> lock(mu_);
  recorded_.push_back(request);
}

LatencyHistogram HttpServer::AnswerLateness() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lateness_;
}

template <typename Stream>
asio::awaitable<void> HttpServer::Serve(Stream& stream, int64_t connection) {
  boost::beast::flat_buffer buffer;
  asio::steady_timer timer(stream.get_executor());
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(max_body_bytes_);
    auto [read_error, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (read_error == http::error::body_limit) {
      http::response<http::string_body> too_large{http::status::payload_too_large, 11};
      too_large.body() = absl::StrCat("the body is over ", max_body_bytes_, " bytes\n");
      too_large.keep_alive(false);
      too_large.prepare_payload();
      co_await http::async_write(stream, too_large, kNoThrow);
      co_return;
    }
    if (read_error) co_return;
    http::request<http::string_body>& request = parser.get();
    ServerRequest seen{.method = std::string(request.method_string()),
                       .target = std::string(request.target()),
                       .body = request.body(),
                       .connection = connection};
    for (const auto& field : request) {
      seen.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    ++request_count_;
    Record(seen);
    ServerResponse answer = handler_(seen);
    if (answer.delay > absl::ZeroDuration()) {
      timer.expires_after(absl::ToChronoNanoseconds(answer.delay));
      co_await timer.async_wait(kNoThrow);
      const auto late = std::chrono::steady_clock::now() - timer.expiry();
      std::lock_guard<std::mutex> lock(mu_);
      lateness_.Record(std::chrono::duration_cast<std::chrono::microseconds>(late).count());
    }
    if (answer.raw) {
      co_await asio::async_write(stream, asio::buffer(*answer.raw), kNoThrow);
      co_return;
    }
    http::response<http::string_body> response{static_cast<http::status>(answer.status), 11};
    for (const auto& [name, value] : answer.headers) response.insert(name, value);
    response.body() = std::move(answer.body);
    response.keep_alive(request.keep_alive() && !answer.close);
    response.prepare_payload();
    if (request.method() == http::verb::head) {  // the length of the body it would have had
      const size_t length = response.body().size();
      response.body().clear();
      response.content_length(length);
    }
    auto [write_error, m] = co_await http::async_write(stream, response, kNoThrow);
    if (write_error || !response.keep_alive()) co_return;
  }
}

void HttpServer::Accept() {
  asio::co_spawn(
      io_,
      [this]() -> asio::awaitable<void> {
        for (;;) {
          auto [error, socket] = co_await acceptor_.async_accept(kNoThrow);
          if (error) co_return;
          const int64_t connection = ++connection_count_;
          asio::co_spawn(
              io_,
              [this, connection, socket = std::move(socket)]() mutable -> asio::awaitable<void> {
                if (tls_ == nullptr) {
                  co_await Serve(socket, connection);
                  co_return;
                }
                asio::ssl::stream<asio::ip::tcp::socket> stream(std::move(socket), *tls_);
                auto [handshake_error] =
                    co_await stream.async_handshake(asio::ssl::stream_base::server, kNoThrow);
                if (!handshake_error) co_await Serve(stream, connection);
              },
              asio::detached);
        }
      },
      asio::detached);
}

}  // namespace loadgen
