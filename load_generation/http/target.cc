#include "load_generation/http/target.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace loadgen {

std::string HttpTarget::Url() const {
  const bool default_port = port == (tls ? "443" : "80");
  const bool v6 = absl::StrContains(host, ':');
  return absl::StrCat(tls ? "https://" : "http://", v6 ? "[" : "", host, v6 ? "]" : "",
                      default_port ? "" : ":", default_port ? "" : port, base_path);
}

namespace {

absl::Status Invalid(absl::string_view url, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("target '", absl::CHexEscape(url), "': ", why));
}

std::string Quoted(char c) {
  return absl::StrCat("'", absl::CHexEscape(absl::string_view(&c, 1)), "'");
}

// A character a host cannot hold, if `host` has one: RFC 3986's host names and IPv4 addresses
// hold letters, digits, unreserved and sub-delims characters and '%' of an encoding; an IPv6
// address (`bracketed`) hex digits, ':', '.' and a zone's characters.
absl::Status CheckHost(absl::string_view url, absl::string_view host, bool bracketed) {
  const absl::string_view others = bracketed ? ":.%-_~" : "-._~!$&'()*+,;=%";
  for (const char c : host) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && !absl::StrContains(others, c)) {
      constexpr absl::string_view kHolds = " in the host, which holds only letters, digits and ";
      return Invalid(url, absl::StrCat(Quoted(c), kHolds, others));
    }
  }
  return absl::OkStatus();
}

// A space, control character or byte beyond ASCII in `path`, which would break the request line.
absl::Status CheckPath(absl::string_view url, absl::string_view path) {
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u >= 0x7f) {
      return Invalid(url, absl::StrCat(Quoted(c), " in the path: percent-encode it (",
                                       absl::StrFormat("%%%02X", u), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HttpTarget> ParseHttpTarget(absl::string_view url) {
  HttpTarget target;
  absl::string_view rest = url;
  target.tls = absl::ConsumePrefix(&rest, "https://");
  if (!target.tls && !absl::ConsumePrefix(&rest, "http://")) {
    return Invalid(url, "must start with http:// or https://");
  }
  size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  if (absl::StrContains(authority, '@') || absl::StrContains(rest, '?') ||
      absl::StrContains(rest, '#')) {
    return Invalid(url, "user info, query and fragment are not supported");
  }
  if (slash != absl::string_view::npos) {
    absl::string_view path = rest.substr(slash);
    if (absl::Status bad = CheckPath(url, path); !bad.ok()) return bad;
    while (absl::ConsumeSuffix(&path, "/")) {
    }
    target.base_path = std::string(path);
  }
  absl::string_view port;
  const bool bracketed = absl::ConsumePrefix(&authority, "[");
  if (bracketed) {
    size_t close = authority.find(']');
    if (close == absl::string_view::npos) return Invalid(url, "unclosed '['");
    target.host = std::string(authority.substr(0, close));
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty() && !absl::ConsumePrefix(&after, ":")) {
      return Invalid(url, "junk after ']'");
    }
    port = after;
  } else {
    size_t colon = authority.rfind(':');
    target.host = std::string(authority.substr(0, colon));
    if (colon != absl::string_view::npos) port = authority.substr(colon + 1);
  }
  if (target.host.empty()) return Invalid(url, "no host");
  if (absl::Status bad = CheckHost(url, target.host, bracketed); !bad.ok()) return bad;
  int port_number = target.tls ? 443 : 80;
  if (!port.empty() &&
      (!absl::SimpleAtoi(port, &port_number) || port_number < 1 || port_number > 65535)) {
    return Invalid(url,
                   absl::StrCat("port '", absl::CHexEscape(port), "' is not a number in 1..65535"));
  }
  target.port = absl::StrCat(port_number);
  const bool v6 = absl::StrContains(target.host, ':');
  target.host_header = absl::StrCat(v6 ? "[" : "", target.host, v6 ? "]" : "",
                                    port.empty() ? "" : ":", port.empty() ? "" : target.port);
  return target;
}

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FormEncode(
    std::initializer_list<std::pair<absl::string_view, absl::string_view>> fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty()) body.push_back('&');
    absl::StrAppend(&body, UrlEncode(name), "=", UrlEncode(value));
  }
  return body;
}

}  // namespace loadgen
