#include "load_generation/http/host_port.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

TEST(ParseHostPort, TheFormsOfAnAddress) {
  absl::StatusOr<HostPort> v4 = ParseHostPort("127.0.0.1:9464", "--x");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 9464);
  absl::StatusOr<HostPort> v6 = ParseHostPort("[::1]:0", "--x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  EXPECT_EQ(v6->ToString(), "[::1]:0");
  absl::StatusOr<HostPort> any = ParseHostPort(":50051", "--x");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->host, "");
  absl::StatusOr<HostPort> name = ParseHostPort("loadgen-0.loadgen:50051", "--x");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->ToString(), "loadgen-0.loadgen:50051");
}

TEST(ParseHostPort, MistakesNameTheFlagAndTheValue) {
  for (const char* bad : {"", "9464", "host:port", "127.0.0.1:70000", "1.2.3.4:-1", "::1:80"}) {
    absl::StatusOr<HostPort> parsed = ParseHostPort(bad, "--metrics_address");
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_THAT(std::string(parsed.status().message()),
                ::testing::StartsWith(std::string("--metrics_address '") + bad + "'"));
  }
}

TEST(HostPort, LoopbackIsOnlyThisMachine) {
  for (const char* host :
       {"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(HostPort{.host = host}.IsLoopback()) << host;
  }
  for (const char* host : {"", "0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "::2", "::ffff:10.0.0.1",
                           "loadgen-0.loadgen", "localhost.example.com"}) {
    EXPECT_FALSE(HostPort{.host = host}.IsLoopback()) << host;
  }
}

}  // namespace
}  // namespace loadgen
