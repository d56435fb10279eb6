// Fuzzes what the HTTP client does with the bytes a target sends back: Beast's response parser
// under the client's limits (HttpSettings' defaults), read past interim responses as Exchange
// does, the classification of a parse error, and the cookie jar on every Set-Cookie.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "boost/asio/buffer.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "load_generation/http/cookie_jar.h"
#include "load_generation/http/http_client.h"
#include "load_generation/http/http_error.h"

namespace loadgen {
namespace {

void ReadResponses(boost::asio::const_buffer bytes) {
  const HttpSettings limits;
  CookieJar cookies;
  std::optional<http::response_parser<http::string_body>> parser;
  do {
    parser.emplace();
    parser->header_limit(limits.max_header_bytes);
    parser->body_limit(limits.max_body_bytes);
    boost::beast::error_code error;
    while (bytes.size() > 0 && !parser->is_done()) {
      const size_t used = parser->put(bytes, error);
      bytes += used;
      if (error == http::error::need_more) {
        error = {};
        if (used == 0) break;
      } else if (error) {
        break;
      }
    }
    if (!error && !parser->is_done()) {
      // The connection ends here. With nothing of a response read, Beast's read says so as
      // end_of_stream (put_eof requires that something was read).
      if (parser->got_some()) {
        parser->put_eof(error);
      } else {
        error = http::error::end_of_stream;
      }
    }
    if (error) {
      ClassifyExchangeError(error);
      return;
    }
    const auto& response = parser->get();
    for (auto it = response.find(http::field::set_cookie);
         it != response.end() && it->name() == http::field::set_cookie; ++it) {
      cookies.Store(absl::string_view(it->value().data(), it->value().size()));
    }
    cookies.header();
  } while (parser->get().result_int() >= 100 && parser->get().result_int() < 200 &&
           parser->get().result_int() != 101);
}

}  // namespace
}  // namespace loadgen

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  loadgen::ReadResponses(boost::asio::const_buffer(data, size));
  return 0;
}
