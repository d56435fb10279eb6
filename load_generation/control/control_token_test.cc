#include "load_generation/control/control_token.h"

#include "gtest/gtest.h"

namespace loadgen {
namespace {

TEST(ControlToken, NoTokenLetsEveryCallerIn) {
  const ControlToken token;
  EXPECT_FALSE(token.required());
  EXPECT_TRUE(token.Check(std::nullopt).ok());
  EXPECT_TRUE(token.Check("Bearer anything").ok());
}

TEST(ControlToken, ATokenNeedsExactlyBearerToken) {
  const ControlToken token("s3cret");
  EXPECT_TRUE(token.required());
  EXPECT_TRUE(token.Check("Bearer s3cret").ok());
  for (const char* wrong : {"Bearer s3cre", "Bearer s3cretx", "Bearer S3cret", "s3cret",
                            "bearer s3cret", "Bearer  s3cret", ""}) {
    const absl::Status status = token.Check(wrong);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << wrong;
    EXPECT_EQ(status.message(), "wrong token") << wrong;
  }
  const absl::Status missing = token.Check(std::nullopt);
  EXPECT_EQ(missing.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(missing.message(),
            "this daemon needs 'authorization: Bearer <token>' (gRPC metadata or HTTP header)");
}

}  // namespace
}  // namespace loadgen
