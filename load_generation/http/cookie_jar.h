#ifndef LOAD_GENERATION_HTTP_COOKIE_JAR_H_
#define LOAD_GENERATION_HTTP_COOKIE_JAR_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace loadgen {

// One user's cookies: what the target set and did not expire, sent back on each request.
// Names only (no domain or path matching): a session talks to one target.
class CookieJar {
 public:
  // Takes one Set-Cookie header: sets or replaces the cookie, or removes it when Max-Age <= 0.
  // Malformed headers (no name) are ignored.
  void Store(absl::string_view set_cookie);

  // "a=1; b=2", or "" when empty.
  const std::string& header() const { return header_; }
  // The cookies as (name, value), in the order they were first set.
  const std::vector<std::pair<std::string, std::string>>& cookies() const { return cookies_; }

 private:
  std::vector<std::pair<std::string, std::string>> cookies_;
  std::string header_;
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_HTTP_COOKIE_JAR_H_
