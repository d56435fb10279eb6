#include "load_generation/http/http_error.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/error.hpp"
#include "boost/asio/ssl/error.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/http/error.hpp"

namespace loadgen {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

bool IsTimeout(const error_code& ec) { return ec == boost::beast::error::timeout; }

bool IsReset(const error_code& ec) {
  return ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::eof || ec == http::error::end_of_stream ||
         ec == http::error::partial_message || ec == asio::error::connection_aborted ||
         ec == asio::ssl::error::stream_truncated;
}

}  // namespace

ClassifiedError ClassifyConnectError(const error_code& ec, const std::string& host) {
  if (ec.category() == asio::error::get_netdb_category() ||
      ec.category() == asio::error::get_addrinfo_category()) {
    return {HttpError::kResolve, absl::StrCat("resolve ", host, ": ", ec.message())};
  }
  if (ec == asio::error::connection_refused) {
    return {HttpError::kConnectionRefused, "connection refused"};
  }
  if (IsTimeout(ec)) return {HttpError::kConnect, "connect timeout"};
  if (ec.category() == asio::error::get_ssl_category() ||
      ec.category() == asio::ssl::error::get_stream_category()) {
    return {HttpError::kTls, absl::StrCat("TLS handshake: ", ec.message())};
  }
  return {HttpError::kConnect, absl::StrCat("connect: ", ec.message())};
}

ClassifiedError ClassifyExchangeError(const error_code& ec) {
  if (IsTimeout(ec)) return {HttpError::kTimeout, "timeout"};
  if (IsReset(ec)) return {HttpError::kReset, absl::StrCat("connection closed: ", ec.message())};
  return {HttpError::kBadResponse, absl::StrCat("bad response: ", ec.message())};
}

std::string UnsafeRequestText(absl::string_view path, absl::Span<const HttpHeader> headers) {
  auto control = [](unsigned char c) { return c < 0x20 || c == 0x7f; };
  for (unsigned char c : path) {
    if (control(c) || c == ' ') return "bad request: a control character or space in the path";
  }
  for (const HttpHeader& h : headers) {
    if (h.name.empty()) return "bad request: an empty header name";
    for (unsigned char c : h.name) {
      if (control(c) || c == ' ' || c == ':' || c >= 0x80) {
        return absl::StrCat("bad request: header name '", absl::CEscape(h.name),
                            "' is not an HTTP token");
      }
    }
    for (unsigned char c : h.value) {
      if (control(c) && c != '\t') {
        return absl::StrCat("bad request: a control character in the value of header ", h.name);
      }
    }
  }
  return "";
}

bool IsStaleConnection(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

}  // namespace loadgen
