#ifndef LOAD_GENERATION_HTTP_HTTP_ERROR_H_
#define LOAD_GENERATION_HTTP_HTTP_ERROR_H_

// Why a request failed, from the error the network or the parser gave.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "boost/system/error_code.hpp"

namespace loadgen {

// Why a request failed. Everything but kNone and kCancelled is counted as a failure.
enum class HttpError {
  kNone,
  kResolve,            // the host name did not resolve
  kConnectionRefused,  // nothing listens on the port
  kConnect,            // another error while connecting (unreachable, connect timeout)
  kTls,                // the TLS handshake failed
  kReset,              // the connection was reset or closed before the response was complete
  kTimeout,            // the request did not complete within the request timeout
  kBadResponse,        // not valid HTTP, or a body over the size limit
  kStatus,             // a response that the check rejected (by default: status >= 400)
  kBadRequest,         // the request was not sent: a control character in its path or a header
  kCancelled,          // the session was cancelled (the user was stopped); not recorded
};

struct HttpHeader {
  absl::string_view name;
  absl::string_view value;
};

// A failure's kind and the text it is counted under, e.g. "connection refused".
struct ClassifiedError {
  HttpError kind = HttpError::kNone;
  std::string text;
};

// An error while resolving `host`, connecting or shaking hands.
ClassifiedError ClassifyConnectError(const boost::system::error_code& error,
                                     const std::string& host);
// An error while sending a request or reading its response.
ClassifiedError ClassifyExchangeError(const boost::system::error_code& error);
// Why a request cannot go on the wire as it is: a CR, LF or other control character in its
// path (or a space) or in a header's value, or a header name that is not an HTTP token, which
// would smuggle headers or whole requests. "" when it is fine.
std::string UnsafeRequestText(absl::string_view path, absl::Span<const HttpHeader> headers);

// Whether `error` on a kept-alive connection means the server had closed it while idle, so
// that the request may be sent again on a new one.
bool IsStaleConnection(const boost::system::error_code& error);

}  // namespace loadgen

#endif  // LOAD_GENERATION_HTTP_HTTP_ERROR_H_
