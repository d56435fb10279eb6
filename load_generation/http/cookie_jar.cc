#include "load_generation/http/cookie_jar.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace loadgen {

void CookieJar::Store(absl::string_view set_cookie) {
  std::vector<absl::string_view> parts = absl::StrSplit(set_cookie, ';');
  const absl::string_view pair = absl::StripAsciiWhitespace(parts[0]);
  const size_t eq = pair.find('=');
  if (eq == absl::string_view::npos || eq == 0) return;
  const absl::string_view name = pair.substr(0, eq), value = pair.substr(eq + 1);
  bool expired = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    const absl::string_view attribute = absl::StripAsciiWhitespace(parts[i]);
    int max_age = 0;
    if (absl::StartsWithIgnoreCase(attribute, "max-age=") &&
        absl::SimpleAtoi(attribute.substr(8), &max_age) && max_age <= 0) {
      expired = true;
    }
  }
  auto existing = std::find_if(cookies_.begin(), cookies_.end(),
                               [&](const auto& c) { return c.first == name; });
  if (expired) {
    if (existing == cookies_.end()) return;
    cookies_.erase(existing);
  } else if (existing != cookies_.end()) {
    if (existing->second == value) return;
    existing->second.assign(value.data(), value.size());
  } else {
    cookies_.emplace_back(std::string(name), std::string(value));
  }
  header_.clear();
  for (const auto& [n, v] : cookies_) {
    if (!header_.empty()) header_.append("; ");
    absl::StrAppend(&header_, n, "=", v);
  }
}

}  // namespace loadgen
