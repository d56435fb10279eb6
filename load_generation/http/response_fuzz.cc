// Fuzzes what the HTTP client does with the bytes a target sends back: its parser with
// HttpSettings' default limits, one message reused across responses, interim responses read
// past, the connection's end (EndOfInput), the classification of an error, and the cookie jar on
// every Set-Cookie. And the parser's quick path against Beast's: whatever the quick path reads,
// with the client's limits or tight ones, Beast's parser must read alike (the same status,
// headers, body, persistence and length), or the target aborts; responses one after another
// into one message, as a session reads them, so that those like the last header are read so.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "boost/asio/buffer.hpp"
#include "load_generation/http/cookie_jar.h"
#include "load_generation/http/http_client.h"
#include "load_generation/http/http_error.h"
#include "load_generation/http/response_parser.h"

namespace loadgen {
namespace {

void ReadResponses(boost::asio::const_buffer bytes) {
  const HttpSettings limits;
  CookieJar cookies;
  ResponseMessage message;
  do {
    ResponseParser parser(message, limits.max_header_bytes, limits.max_body_bytes);
    boost::beast::error_code error;
    while (bytes.size() > 0 && !parser.done()) {
      const size_t used = parser.Put(bytes, error);
      bytes += used;
      // After need_more the parser wants the same bytes again only with more behind them, as
      // the client's read gives it; here no more come: the input ends.
      if (error == http::error::need_more) {
        error = {};
        break;
      }
      if (error) break;
    }
    if (!error && !parser.done()) error = parser.EndOfInput();  // the input ends here
    if (error) {
      ClassifyExchangeError(error);
      return;
    }
    message.ForEachSetCookie([&](absl::string_view value) { cookies.Store(value); });
    message.header("Content-Length");
    cookies.header();
  } while (message.interim());
}

void CompareWithBeast(boost::asio::const_buffer bytes, uint32_t max_header, uint64_t max_body) {
  ResponseMessage quick_message;  // the last header it read is kept for the next
  while (bytes.size() > 0) {
    ResponseParser quick(quick_message, max_header, max_body);
    boost::beast::error_code quick_error, beast_error;
    const size_t quick_used = quick.Put(bytes, quick_error);
    if (!quick.simple()) return;
    ResponseMessage beast_message;
    ResponseParser beast = ResponseParser::BeastOnly(beast_message, max_header, max_body);
    const size_t beast_used = beast.Put(bytes, beast_error);
    if (quick_error || beast_error || !beast.done() || quick_used != beast_used ||
        !(quick_message == beast_message)) {
      std::abort();
    }
    bytes += quick_used;
  }
}

}  // namespace
}  // namespace loadgen

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const boost::asio::const_buffer bytes(data, size);
  loadgen::ReadResponses(bytes);
  const loadgen::HttpSettings limits;
  loadgen::CompareWithBeast(bytes, limits.max_header_bytes, limits.max_body_bytes);
  loadgen::CompareWithBeast(bytes, 64, 16);
  return 0;
}
