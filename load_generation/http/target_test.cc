#include "load_generation/http/target.h"

#include "gtest/gtest.h"

namespace loadgen {
namespace {

TEST(ParseHttpTarget, AcceptsWhatUsersWrite) {
  auto plain = ParseHttpTarget("http://frontend");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->host, "frontend");
  EXPECT_EQ(plain->port, "80");
  EXPECT_EQ(plain->host_header, "frontend");
  EXPECT_EQ(plain->Url(), "http://frontend");

  auto tls = ParseHttpTarget("https://shop.example:8443/base/");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, "8443");
  EXPECT_EQ(tls->base_path, "/base");
  EXPECT_EQ(tls->host_header, "shop.example:8443");

  auto v6 = ParseHttpTarget("http://[::1]:8080");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header, "[::1]:8080");
  EXPECT_EQ(v6->Url(), "http://[::1]:8080");
}

TEST(ParseHttpTarget, RejectsWithAReason) {
  auto message = [](absl::string_view url) {
    return std::string(ParseHttpTarget(url).status().message());
  };
  EXPECT_EQ(message("frontend:80"), "target 'frontend:80': must start with http:// or https://");
  EXPECT_EQ(message("http://"), "target 'http://': no host");
  EXPECT_EQ(message("http://a:99999"),
            "target 'http://a:99999': port '99999' is not a number in 1..65535");
  EXPECT_EQ(message("http://a:b"), "target 'http://a:b': port 'b' is not a number in 1..65535");
  EXPECT_EQ(message("http://[::1"), "target 'http://[::1': unclosed '['");
}

TEST(FormEncode, EncodesNamesAndValues) {
  EXPECT_EQ(FormEncode({{"product_id", "OLJCESPC7Z"}, {"note", "a b&c=d"}}),
            "product_id=OLJCESPC7Z&note=a%20b%26c%3Dd");
  EXPECT_EQ(FormEncode({}), "");
  EXPECT_EQ(UrlEncode("-._~AZaz09/\xff"), "-._~AZaz09%2F%FF");
}

}  // namespace
}  // namespace loadgen
