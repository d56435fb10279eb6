#ifndef LOAD_GENERATION_HTTP_HOST_PORT_H_
#define LOAD_GENERATION_HTTP_HOST_PORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace loadgen {

// A listening address.
struct HostPort {
  std::string host;  // an IP address or name, without brackets; empty: every interface
  int port = 0;      // 0: any free port

  // HOST:PORT again, with brackets around an IPv6 address.
  std::string ToString() const;
  // Whether only this machine can connect: localhost, 127.0.0.0/8 or ::1 (also as ::ffff:127.x).
  bool IsLoopback() const;
};

// Parses HOST:PORT, [V6]:PORT or :PORT. InvalidArgument naming `what` (the flag) otherwise.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address, absl::string_view what);

}  // namespace loadgen

#endif  // LOAD_GENERATION_HTTP_HOST_PORT_H_
