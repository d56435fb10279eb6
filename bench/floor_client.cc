// The least an HTTP/1.1 client over epoll can do per request, for the benchmark's throughput
// table: keep-alive connections that each send a GET, wait for readability, read, find where
// the response ends (the header and a Content-Length body) and send the next one. One send and
// one receive per request, no parse beyond that framing, no statistics, no timers. What it
// costs per request is about all kernel: the figure no generator can beat with these system
// calls on this machine, beside which loadgen's and wrk's are read.
//
//   floor_client HOST PORT PATH CONNECTIONS SECONDS
//
// Prints "N requests in S s". Exits 2, saying why (the benchmark stops on it), on a refused or
// closed connection or a response it cannot frame (chunked, no Content-Length, longer than its
// buffer).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "floor_client: %s\n", why.c_str());
  std::exit(2);
}

struct Connection {
  int fd = -1;
  std::array<char, 16 << 10> buffer;
  size_t filled = 0;
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) Fail("usage: floor_client HOST PORT PATH CONNECTIONS SECONDS");
  const int connections = std::atoi(argv[4]);
  const int seconds = std::atoi(argv[5]);
  if (connections <= 0 || seconds <= 0) Fail("CONNECTIONS and SECONDS must be positive");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
  if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1) Fail("HOST must be an IPv4 address");
  const std::string request =
      std::string("GET ") + argv[3] + " HTTP/1.1\r\nHost: " + argv[1] + ":" + argv[2] + "\r\n\r\n";

  const int epoll = epoll_create1(0);
  std::vector<Connection> conns(connections);
  for (Connection& c : conns) {
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c.fd < 0 || connect(c.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      Fail(std::string("connect: ") + std::strerror(errno));
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event event{.events = EPOLLIN, .data = {.ptr = &c}};
    epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &event);
  }
  auto send_request = [&](const Connection& c) {
    if (send(c.fd, request.data(), request.size(), MSG_DONTWAIT) != ssize_t(request.size())) {
      Fail(std::string("send: ") + std::strerror(errno));
    }
  };
  for (const Connection& c : conns) send_request(c);

  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  int64_t requests = 0;
  std::array<epoll_event, 64> events;
  for (int turn = 0, ready = 0;; ++turn) {
    // The clock now and then while busy, and after every wait that timed out.
    if ((turn % 64 == 0 || ready == 0) && std::chrono::steady_clock::now() >= end) break;
    ready = epoll_wait(epoll, events.data(), events.size(), 100);
    for (int i = 0; i < ready; ++i) {
      auto& c = *static_cast<Connection*>(events[i].data.ptr);
      const ssize_t got =
          recv(c.fd, c.buffer.data() + c.filled, c.buffer.size() - c.filled, MSG_DONTWAIT);
      if (got == 0) Fail("the server closed a connection");
      if (got < 0) {
        if (errno == EAGAIN) continue;
        Fail(std::string("recv: ") + std::strerror(errno));
      }
      c.filled += got;
      const size_t length = ResponseLength({c.buffer.data(), c.filled});
      if (length == 0) {
        if (c.filled == c.buffer.size()) Fail("a response longer than the buffer");
        continue;
      }
      if (length != c.filled) Fail("bytes after a response: nothing was pipelined");
      c.filled = 0;
      ++requests;
      send_request(c);
    }
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%lld requests in %.2f s\n", static_cast<long long>(requests), elapsed);
  return 0;
}
