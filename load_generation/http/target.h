#ifndef LOAD_GENERATION_HTTP_TARGET_H_
#define LOAD_GENERATION_HTTP_TARGET_H_

// Where requests go, and the encodings of what goes into a URL or a form.

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace loadgen {

// Where requests go: "http://host[:port][/base]" or "https://...". Paths of requests are
// appended to the base path.
struct HttpTarget {
  bool tls = false;
  std::string host;  // a name, an IPv4 address or an IPv6 address without brackets
  std::string port;
  std::string base_path;    // "" or "/something", never ending in '/'
  std::string host_header;  // the Host header: host[:port] as given

  std::string Url() const;
};

// Parses a target URL; the error names what is wrong with it.
absl::StatusOr<HttpTarget> ParseHttpTarget(absl::string_view url);

// "a=1&b=x%20y": the body of an HTML form post.
std::string FormEncode(
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string UrlEncode(absl::string_view text);

}  // namespace loadgen

#endif  // LOAD_GENERATION_HTTP_TARGET_H_
