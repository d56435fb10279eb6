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

TEST(ParseHttpTarget, RejectsWhatWouldBreakTheRequestNamingTheCharacter) {
  auto message = [](absl::string_view url) {
    return std::string(ParseHttpTarget(url).status().message());
  };
  // A host with a space would resolve to nothing and fail every request; one with CR LF would
  // add a header to every request.
  EXPECT_EQ(message("http://a b:80"),
            "target 'http://a b:80': ' ' in the host, which holds only letters, digits and "
            "-._~!$&'()*+,;=%");
  EXPECT_EQ(message("http://a\r\nX-Injected: 1/"),
            "target 'http://a\\r\\nX-Injected: 1/': '\\r' in the host, which holds only "
            "letters, digits and -._~!$&'()*+,;=%");
  EXPECT_EQ(message("http://[::1 ]:80"),
            "target 'http://[::1 ]:80': ' ' in the host, which holds only letters, digits and "
            ":.%-_~");
  EXPECT_EQ(message("http://::1:8080"),
            "target 'http://::1:8080': ':' in the host, which holds only letters, digits and "
            "-._~!$&'()*+,;=%");
  // The base path goes into every request line.
  EXPECT_EQ(message("http://a/base path"),
            "target 'http://a/base path': ' ' in the path: percent-encode it (%20)");
  EXPECT_EQ(message("http://a/caf\xc3\xa9"),
            "target 'http://a/caf\\xc3\\xa9': '\\xc3' in the path: percent-encode it (%C3)");
  // A query in the base path would end up before every request's path.
  EXPECT_EQ(message("http://a/base?x=1"),
            "target 'http://a/base?x=1': user info, query and fragment are not supported");
  EXPECT_EQ(message("http://a#top"),
            "target 'http://a#top': user info, query and fragment are not supported");
  EXPECT_EQ(message("http://u@a"),
            "target 'http://u@a': user info, query and fragment are not "
            "supported");
  // What hosts do hold.
  EXPECT_TRUE(ParseHttpTarget("http://my-svc_1.ns.svc.cluster.local:8080/api%20v1").ok());
  EXPECT_TRUE(ParseHttpTarget("http://10.0.0.7").ok());
  EXPECT_TRUE(ParseHttpTarget("http://[fe80::1%25eth0]:80").ok());
}

TEST(FormEncode, EncodesNamesAndValues) {
  EXPECT_EQ(FormEncode({{"product_id", "OLJCESPC7Z"}, {"note", "a b&c=d"}}),
            "product_id=OLJCESPC7Z&note=a%20b%26c%3Dd");
  EXPECT_EQ(FormEncode({}), "");
  EXPECT_EQ(UrlEncode("-._~AZaz09/\xff"), "-._~AZaz09%2F%FF");
}

}  // namespace
}  // namespace loadgen
