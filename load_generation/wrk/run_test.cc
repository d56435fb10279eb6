#include "load_generation/wrk/run.h"

#include <string>

#include "gtest/gtest.h"

namespace loadgen {
namespace {

TEST(ParseWireRequest, TakesOneWholeRequestAndNamesItByItsPath) {
  absl::StatusOr<WireRequest> request = ParseWireRequest(
      "POST http://shop:80/cart?id=3 HTTP/1.1\r\nHost: shop\r\n"
      "Content-Length: 2\r\n\r\nhi");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->name, "/cart");
}

TEST(ParseWireRequest, SaysWhatIsWrongWhereAndShowsTheLine) {
  const struct {
    const char* wire;
    const char* message;
  } kCases[] = {
      {"GET / HTTP/1.1\r\nHost: x\r\n: x\r\n\r\n", "bad field at 3:1, in ': x'"},
      {"GET / HTTP/1.1\r\nHost: x\r\n", "incomplete request at 2:1, in 'Host: x'"},
      {"not a request", "incomplete request at 1:1, in 'not a request'"},
      {"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
       "bytes after the request at 3:1, in 'GET / HTTP/1.1'"},
      // A control byte is shown escaped, and a long line cut short.
      {"GET / HTTP/1.1\r\nX-A\x01: b\r\n\r\n", "bad field at 2:1, in 'X-A\\x01: b'"},
      {"GET / HTTP/1.1\r\n@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: "
       "b\r\n\r\n",
       "bad field at 2:1, in '@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'"},
  };
  for (const auto& c : kCases) {
    absl::StatusOr<WireRequest> request = ParseWireRequest(c.wire);
    ASSERT_FALSE(request.ok()) << c.wire;
    EXPECT_EQ(std::string(request.status().message()), c.message);
  }
}

}  // namespace
}  // namespace loadgen
