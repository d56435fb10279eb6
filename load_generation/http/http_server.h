#ifndef LOAD_GENERATION_HTTP_HTTP_SERVER_H_
#define LOAD_GENERATION_HTTP_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl/context.hpp"
#include "load_generation/stats/histogram.h"

namespace loadgen {

struct ServerRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int64_t connection = 0;  // which connection it came on, numbered from 1
};

struct ServerResponse {
  int status = 200;
  std::string body = "ok";
  std::vector<std::pair<std::string, std::string>> headers;
  absl::Duration delay;  // before answering
  bool close = false;    // close the connection after answering
  // Instead of a response: these raw bytes, then the connection is closed.
  std::optional<std::string> raw;
};

// A small HTTP/1.1 server, on 127.0.0.1 unless told otherwise, on its own thread(s): the target
// of tests, benchmarks and the demo shop, and the daemon's metrics endpoint. It keeps connections
// alive, calls `handler` for each request (from its threads, so a handler shared by several threads
// must be thread-safe), and records every request unless `record` is false.
class HttpServer {
 public:
  using Handler = std::function<ServerResponse(const ServerRequest&)>;
  // With `tls` (not owned), it serves HTTPS. A request whose body is over `max_body_bytes` is
  // answered 413 and its connection closed. Throws boost::system::system_error when it cannot
  // listen on `host` (an IP address) and `port`.
  explicit HttpServer(Handler handler, int threads = 1, bool record = true, int port = 0,
                      boost::asio::ssl::context* tls = nullptr,
                      const std::string& host = "127.0.0.1", uint64_t max_body_bytes = 1 << 20);
  ~HttpServer();

  int port() const { return port_; }
  std::string url() const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
  }
  int64_t requests() const { return request_count_.load(); }
  // How late the server's own delays ended (its timer fired) after they were due, in
  // microseconds: the target's share of the latency a client sees beyond the delay.
  LatencyHistogram AnswerLateness() const;
  int64_t connections() const { return connection_count_.load(); }
  // The requests received so far, in order of arrival; clears the record.
  std::vector<ServerRequest> TakeRequests();

 private:
  void Accept();
  template <typename Stream>
  boost::asio::awaitable<void> Serve(Stream& stream, int64_t connection);
  void Record(const ServerRequest& request);

  Handler handler_;
  bool record_;
  uint64_t max_body_bytes_;
  boost::asio::ssl::context* tls_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<int64_t> request_count_{0};
  std::atomic<int64_t> connection_count_{0};
  mutable std::mutex mu_;
  std::vector<ServerRequest> recorded_;  // guarded by mu_
  LatencyHistogram lateness_;            // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_HTTP_HTTP_SERVER_H_
