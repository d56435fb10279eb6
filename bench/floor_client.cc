// The least an HTTP/1.1 client can do per request, for the benchmark's throughput table:
// keep-alive connections that each send a GET, take in the response, find where it ends (the
// header and a Content-Length body) and send the next one. No parse beyond that framing, no
// statistics, no timers. What it costs per request is about all kernel: the figure no generator
// can beat with these system calls on this machine, beside which loadgen's and wrk's are read.
//
// Over epoll (the default), one send and one receive per request, as wrk and loadgen do. With
// --io_uring, over io_uring as well as the kernel allows it: a receive that stays armed
// (multishot) into buffers the kernel picks from a ring, sends without a completion each, and
// one system call per round of completions, with the kernel's work deferred to that call (single
// issuer, deferred task running). It shows whether a generator built on io_uring could make more
// requests per CPU-second than one on epoll.
//
// With --latency (over epoll), it also times each request from its send to its response's last
// byte, as generators do, and prints the p50, p99 and max: the least latency any client measures
// against a target on this machine, beside which a generator's own share is read. With
// --pause_ms=MIN:MAX each connection waits between a response and its next request, uniformly
// from MIN to MAX milliseconds (the first request after a wait from 0 to MAX), as closed-model
// users do.
//
// With --loadgen_work (over epoll), it also does what loadgen does for each response beyond the
// system calls: reads it with loadgen's ResponseParser (which also frames it) and records it in a
// StatsShard, timed as loadgen times it. It shows what an event loop with no more machinery
// than this one's, doing loadgen's work per request, would make.
//
//   floor_client [--io_uring | --latency [--pause_ms=MIN:MAX] | --loadgen_work]
//                HOST PORT PATH CONNECTIONS SECONDS
//   floor_client --io_uring_available
//
// Prints "N requests in S s", and with --latency "latency p50 X ms, p99 Y ms, max Z ms". Exits 2,
// saying why (the benchmark stops on it), on bad arguments, a refused or closed connection or a
// response it cannot frame (chunked, no Content-Length, longer than its buffer); 3, saying why,
// when this kernel does not let it set io_uring up (the second form checks only that).

#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/clock.h"
#include "load_generation/http/http_client.h"
#include "load_generation/http/response_parser.h"
#include "load_generation/stats/stats.h"

namespace {

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "floor_client: %s\n", why.c_str());
  std::exit(2);
}

using Clock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  std::array<char, 16 << 10> buffer;
  size_t filled = 0;
  Clock::time_point sent;            // with --latency or --loadgen_work
  loadgen::ResponseMessage message;  // with --loadgen_work
};

// What the command line asks for beyond the target and the load.
struct Options {
  bool io_uring = false;
  bool latency = false;
  bool loadgen_work = false;
  int pause_min_ms = 0, pause_max_ms = 0;  // no pause when pause_max_ms is 0
  bool paused() const { return pause_max_ms > 0; }
};

// The length of the whole response at the front of `bytes`, 0 if it has not all come yet.
size_t ResponseLength(std::string_view bytes) {
  const size_t header_end = bytes.find("\r\n\r\n");
  if (header_end == std::string_view::npos) return 0;
  const std::string_view header = bytes.substr(0, header_end + 2);
  size_t at = 0;
  uint64_t length = 0;
  bool found = false;
  while ((at = header.find("\r\n", at)) != std::string_view::npos) {
    at += 2;
    constexpr std::string_view kName = "content-length:";
    if (header.size() - at < kName.size()) break;
    bool match = true;
    for (size_t i = 0; i < kName.size() && match; ++i) {
      match = std::tolower(static_cast<unsigned char>(header[at + i])) == kName[i];
    }
    if (!match) continue;
    size_t digits = at + kName.size();
    while (digits < header.size() && header[digits] == ' ') ++digits;
    found = std::from_chars(header.data() + digits, header.data() + header.size(), length).ec ==
            std::errc();
    break;
  }
  if (!found) Fail("a response without a Content-Length: this client frames no other");
  const size_t total = header_end + 4 + length;
  return bytes.size() >= total ? total : 0;
}

// Counts `got` more bytes of c's response, which are already at c.buffer[c.filled]. True when
// the response is whole: c is then ready for the next one.
bool Received(Connection& c, size_t got) {
  c.filled += got;
  const size_t length = ResponseLength({c.buffer.data(), c.filled});
  if (length == 0) {
    if (c.filled == c.buffer.size()) Fail("a response longer than the buffer");
    return false;
  }
  if (length != c.filled) Fail("bytes after a response: nothing was pipelined");
  c.filled = 0;
  return true;
}

// Received's work as loadgen does it (--loadgen_work): its parser reads (and frames) c's
// response, and `stats` records it, timed from c.sent.
bool ReceivedAsLoadgen(Connection& c, size_t got, std::string_view path,
                       loadgen::StatsShard& stats) {
  c.filled += got;
  static const loadgen::HttpSettings defaults;  // loadgen's limits
  loadgen::ResponseParser parser(c.message, defaults.max_header_bytes, defaults.max_body_bytes);
  boost::system::error_code error;
  const size_t used = parser.Put(boost::asio::buffer(c.buffer.data(), c.filled), error);
  if (error == loadgen::http::error::need_more) {
    if (c.filled == c.buffer.size()) Fail("a response longer than the buffer");
    return false;
  }
  if (error || !parser.done()) Fail("a response loadgen's parser refuses: " + error.message());
  if (used != c.filled) Fail("bytes after a response: nothing was pipelined");
  const auto latency = Clock::now() - c.sent;
  stats.Record(
      {.method = "GET",
       .name = {path.data(), path.size()},
       .latency_us = std::chrono::duration_cast<std::chrono::microseconds>(latency).count(),
       .content_bytes = static_cast<int64_t>(c.message.body().size()),
       .time = absl::Now()});
  c.filled = 0;
  return true;
}

class Epoll {
 public:
  Epoll(std::vector<Connection>& conns, const std::string& request, std::string_view path,
        const Options& options)
      : conns_(conns),
        request_(request),
        path_(path),
        options_(options),
        pause_us_(options.pause_min_ms * 1000, options.pause_max_ms * 1000),
        fd_(epoll_create1(0)) {
    for (Connection& c : conns_) {
      epoll_event event{.events = EPOLLIN, .data = {.ptr = &c}};
      epoll_ctl(fd_, EPOLL_CTL_ADD, c.fd, &event);
    }
  }

  // Requests answered until `end`.
  int64_t Run(Clock::time_point end) {
    const Clock::time_point start = Clock::now();
    for (Connection& c : conns_) {
      if (options_.paused()) {
        waiting_.emplace(start + std::chrono::microseconds(std::uniform_int_distribution(
                                     0, options_.pause_max_ms * 1000)(random_)),
                         &c);
      } else {
        Send(c);
      }
    }
    int64_t requests = 0;
    std::array<epoll_event, 64> events;
    for (int turn = 0, ready = 0;; ++turn) {
      if (options_.paused()) {  // sends what is due, and waits no longer than the next is
        const Clock::time_point now = Clock::now();
        if (now >= end) return requests;
        while (!waiting_.empty() && waiting_.top().first <= now) {
          Send(*waiting_.top().second);
          waiting_.pop();
        }
        const Clock::duration wait = std::min<Clock::duration>(
            waiting_.empty() ? kWaitAtMost : waiting_.top().first - now, kWaitAtMost);
        const timespec timeout{.tv_sec = 0, .tv_nsec = wait.count()};
        ready = epoll_pwait2(fd_, events.data(), events.size(), &timeout, nullptr);
      } else {
        // The clock now and then while busy, and after every wait that timed out.
        if ((turn % 64 == 0 || ready == 0) && Clock::now() >= end) return requests;
        ready = epoll_wait(fd_, events.data(), events.size(), 100);
      }
      for (int i = 0; i < ready; ++i) {
        auto& c = *static_cast<Connection*>(events[i].data.ptr);
        const ssize_t got =
            recv(c.fd, c.buffer.data() + c.filled, c.buffer.size() - c.filled, MSG_DONTWAIT);
        if (got == 0) Fail("the server closed a connection");
        if (got < 0) {
          if (errno == EAGAIN) continue;
          Fail(std::string("recv: ") + std::strerror(errno));
        }
        if (options_.loadgen_work ? ReceivedAsLoadgen(c, got, path_, stats_) : Received(c, got)) {
          ++requests;
          if (options_.latency) {
            const Clock::time_point now = Clock::now();
            latencies_.push_back(now - c.sent);
            if (options_.paused()) {
              waiting_.emplace(now + std::chrono::microseconds(pause_us_(random_)), &c);
              continue;
            }
          }
          Send(c);
        }
      }
    }
  }

  // The latencies of the requests answered (with --latency), in the order they ended.
  std::vector<Clock::duration>& latencies() { return latencies_; }

 private:
  static constexpr Clock::duration kWaitAtMost = std::chrono::milliseconds(100);

  void Send(Connection& c) {
    if (options_.latency || options_.loadgen_work) c.sent = Clock::now();
    if (send(c.fd, request_.data(), request_.size(), MSG_DONTWAIT) != ssize_t(request_.size())) {
      Fail(std::string("send: ") + std::strerror(errno));
    }
  }

  std::vector<Connection>& conns_;
  const std::string& request_;
  const std::string_view path_;
  const Options& options_;
  loadgen::StatsShard stats_;  // with --loadgen_work
  std::mt19937 random_{1};
  std::uniform_int_distribution<int> pause_us_;
  using Due = std::pair<Clock::time_point, Connection*>;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> waiting_;  // earliest first
  std::vector<Clock::duration> latencies_;
  const int fd_;
};

class Uring {
 public:
  static constexpr size_t kBuffers = 256, kBufferSize = 4096;

  // Sets the ring up with kBuffers buffers of kBufferSize at `memory`, or says why this kernel
  // does not let it.
  static std::string Setup(io_uring& ring, io_uring_buf_ring*& buffers, char* memory) {
    io_uring_params params{};
    params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    if (const int e = io_uring_queue_init_params(1024, &ring, &params); e < 0) {
      return std::string("io_uring_setup: ") + std::strerror(-e);
    }
    // The ring of buffers the kernel takes from: page-aligned, left to the process's end.
    buffers =
        static_cast<io_uring_buf_ring*>(std::aligned_alloc(4096, kBuffers * sizeof(io_uring_buf)));
    io_uring_buf_ring_init(buffers);
    io_uring_buf_reg registration{};
    registration.ring_addr = reinterpret_cast<uintptr_t>(buffers);
    registration.ring_entries = kBuffers;
    registration.bgid = 0;
    if (const int e = io_uring_register_buf_ring(&ring, &registration, 0); e < 0) {
      io_uring_queue_exit(&ring);
      return std::string("a provided-buffer ring: ") + std::strerror(-e);
    }
    for (size_t i = 0; i < kBuffers; ++i) {
      io_uring_buf_ring_add(buffers, memory + i * kBufferSize, kBufferSize,
                            static_cast<uint16_t>(i), io_uring_buf_ring_mask(kBuffers),
                            static_cast<int>(i));
    }
    io_uring_buf_ring_advance(buffers, static_cast<int>(kBuffers));
    return "";
  }

  Uring(std::vector<Connection>& conns, const std::string& request)
      : conns_(conns), request_(request), memory_(kBuffers * kBufferSize) {
    if (const std::string why = Setup(ring_, buffers_, memory_.data()); !why.empty()) {
      std::fprintf(stderr, "floor_client: io_uring unavailable: %s\n", why.c_str());
      std::exit(3);
    }
  }

  int64_t Run(Clock::time_point end) {
    for (size_t i = 0; i < conns_.size(); ++i) {
      Receive(i);
      Send(i);
    }
    int64_t requests = 0;
    for (int turn = 0;; ++turn) {
      if (turn % 16 == 0 && Clock::now() >= end) return requests;
      __kernel_timespec timeout{.tv_sec = 0, .tv_nsec = 100'000'000};
      io_uring_cqe* cqe;
      const int e = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &timeout, nullptr);
      if (e < 0 && e != -ETIME && e != -EINTR) Fail(std::string("io_uring_enter: ") + strerror(-e));
      unsigned head, seen = 0, returned = 0;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        ++seen;
        const uint64_t data = io_uring_cqe_get_data64(cqe);
        if (data & kSent) {  // only a send that failed has a completion
          Fail(std::string("send: ") + std::strerror(-cqe->res));
        }
        if (cqe->res == -ENOBUFS) {  // every buffer was taken: receive again
          Receive(data);
          continue;
        }
        if (cqe->res == 0) Fail("the server closed a connection");
        if (cqe->res < 0) Fail(std::string("recv: ") + std::strerror(-cqe->res));
        Connection& c = conns_[data];
        const unsigned id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
        char* const bytes = memory_.data() + size_t{id} * kBufferSize;
        const auto got = static_cast<size_t>(cqe->res);
        if (got > c.buffer.size() - c.filled) Fail("a response longer than the buffer");
        std::memcpy(c.buffer.data() + c.filled, bytes, got);
        if (Received(c, got)) {
          ++requests;
          Send(data);
        }
        io_uring_buf_ring_add(buffers_, bytes, kBufferSize, id, io_uring_buf_ring_mask(kBuffers),
                              static_cast<int>(returned++));
        if (!(cqe->flags & IORING_CQE_F_MORE)) Receive(data);  // the kernel ended it
      }
      io_uring_buf_ring_advance(buffers_, static_cast<int>(returned));
      io_uring_cq_advance(&ring_, seen);
    }
  }

 private:
  static constexpr uint64_t kSent = uint64_t{1} << 32;

  io_uring_sqe* Entry() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {  // full: hand it to the kernel
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }
  void Receive(uint64_t i) {
    io_uring_sqe* sqe = Entry();
    io_uring_prep_recv_multishot(sqe, conns_[i].fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = 0;
    io_uring_sqe_set_data64(sqe, i);
  }
  void Send(uint64_t i) {
    io_uring_sqe* sqe = Entry();
    io_uring_prep_send(sqe, conns_[i].fd, request_.data(), request_.size(), 0);
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
    io_uring_sqe_set_data64(sqe, kSent | i);
  }

  std::vector<Connection>& conns_;
  const std::string& request_;
  std::vector<char> memory_;  // the buffers receives fill
  io_uring ring_;
  io_uring_buf_ring* buffers_ = nullptr;
};

// "latency p50 X ms, p99 Y ms, max Z ms" of `latencies` (nearest rank).
void PrintLatency(std::vector<Clock::duration>& latencies) {
  if (latencies.empty()) Fail("no request was answered: no latency to print");
  std::sort(latencies.begin(), latencies.end());
  const auto ms = [&](double quantile) {
    const auto rank = static_cast<size_t>(std::ceil(quantile * double(latencies.size())));
    return std::chrono::duration<double, std::milli>(latencies[std::max<size_t>(rank, 1) - 1])
        .count();
  };
  std::printf("latency p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", ms(0.5), ms(0.99), ms(1.0));
}

// Takes the leading options off argv; fails on one it does not know or cannot read.
Options ParseOptions(int& argc, char**& argv) {
  Options options;
  for (; argc > 1 && std::string_view(argv[1]).starts_with("--"); --argc, ++argv) {
    const std::string_view arg = argv[1];
    constexpr std::string_view kPause = "--pause_ms=";
    if (arg == "--io_uring") {
      options.io_uring = true;
    } else if (arg == "--latency") {
      options.latency = true;
    } else if (arg == "--loadgen_work") {
      options.loadgen_work = true;
    } else if (arg.starts_with(kPause)) {
      const std::string_view range = arg.substr(kPause.size());
      const char* const end = range.data() + range.size();
      const auto [colon, e1] = std::from_chars(range.data(), end, options.pause_min_ms);
      const auto [rest, e2] = colon != end && *colon == ':'
                                  ? std::from_chars(colon + 1, end, options.pause_max_ms)
                                  : std::from_chars_result{colon, std::errc::invalid_argument};
      if (e1 != std::errc() || e2 != std::errc() || rest != end || options.pause_min_ms < 0 ||
          options.pause_max_ms < options.pause_min_ms || options.pause_max_ms == 0) {
        Fail(
            "--pause_ms wants MIN:MAX, whole milliseconds with 0 <= MIN <= MAX and MAX > 0, not '" +
            std::string(range) + "'");
      }
    } else {
      Fail("unknown option " + std::string(arg));
    }
  }
  if (options.io_uring && (options.latency || options.paused() || options.loadgen_work)) {
    Fail("--latency, --pause_ms and --loadgen_work run over epoll only, not with --io_uring");
  }
  if (options.paused() && !options.latency) Fail("--pause_ms goes with --latency");
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--io_uring_available") {
    io_uring ring;
    io_uring_buf_ring* buffers;
    std::vector<char> memory(Uring::kBuffers * Uring::kBufferSize);
    const std::string why = Uring::Setup(ring, buffers, memory.data());
    if (!why.empty()) {
      std::printf("io_uring unavailable: %s\n", why.c_str());
      return 3;
    }
    std::printf("io_uring available\n");
    return 0;
  }
  const Options options = ParseOptions(argc, argv);
  if (argc != 6) {
    Fail(
        "usage: floor_client [--io_uring | --latency [--pause_ms=MIN:MAX] | --loadgen_work] HOST "
        "PORT PATH CONNECTIONS SECONDS");
  }
  const int connections = std::atoi(argv[4]);
  const int seconds = std::atoi(argv[5]);
  if (connections <= 0 || seconds <= 0) Fail("CONNECTIONS and SECONDS must be positive");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
  if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1) Fail("HOST must be an IPv4 address");
  const std::string request =
      std::string("GET ") + argv[3] + " HTTP/1.1\r\nHost: " + argv[1] + ":" + argv[2] + "\r\n\r\n";

  std::vector<Connection> conns(connections);
  for (Connection& c : conns) {
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c.fd < 0 || connect(c.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      Fail(std::string("connect: ") + std::strerror(errno));
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  std::optional<Epoll> epoll;
  const int64_t requests = options.io_uring
                               ? Uring(conns, request).Run(end)
                               : epoll.emplace(conns, request, argv[3], options).Run(end);
  std::printf("%lld requests in %.2f s\n", static_cast<long long>(requests),
              std::chrono::duration<double>(Clock::now() - start).count());
  if (options.latency) PrintLatency(epoll->latencies());
  return 0;
}
