#ifndef LOAD_GENERATION_HTTP_HTTP_ERROR_H_
#define LOAD_GENERATION_HTTP_HTTP_ERROR_H_

// Why a request failed, from the error the network or the parser gave.

#include <string>

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
  kCancelled,          // the session was cancelled (the user was stopped); not recorded
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
// Whether `error` on a kept-alive connection means the server had closed it while idle, so
// that the request may be sent again on a new one.
bool IsStaleConnection(const boost::system::error_code& error);

}  // namespace loadgen

#endif  // LOAD_GENERATION_HTTP_HTTP_ERROR_H_
