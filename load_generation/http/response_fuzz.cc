// Fuzzes what the HTTP client does with the bytes a target sends back: its parser with
// HttpSettings' default limits, one message reused across responses, interim responses read
// past, the connection's end (EndOfInput), the classification of an error, and the cookie jar on
// every Set-Cookie.
#include <cstddef>
#include <cstdint>

#include "boost/asio/buffer.hpp"
#include "load_generation/http/cookie_jar.h"
#include "load_generation/http/http_client.h"
#include "load_generation/http/http_error.h"

namespace loadgen {
namespace {

void ReadResponses(boost::asio::const_buffer bytes) {
  const HttpSettings limits;
  CookieJar cookies;
  ResponseMessage message;
  do {
    ResponseParser parser(message, limits);
    boost::beast::error_code error;
    while (bytes.size() > 0 && !parser.is_done()) {
      const size_t used = parser.put(bytes, error);
      bytes += used;
      // After need_more Beast wants the same bytes again only with more behind them, as the
      // client's read gives it; here no more come: the input ends.
      if (error == http::error::need_more) {
        error = {};
        break;
      }
      if (error) break;
    }
    if (!error && !parser.is_done()) error = parser.EndOfInput();  // the input ends here
    if (error) {
      ClassifyExchangeError(error);
      return;
    }
    message.ForEachSetCookie([&](absl::string_view value) { cookies.Store(value); });
    message.header("Content-Length");
    cookies.header();
  } while (message.interim());
}

}  // namespace
}  // namespace loadgen

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  loadgen::ReadResponses(boost::asio::const_buffer(data, size));
  return 0;
}
