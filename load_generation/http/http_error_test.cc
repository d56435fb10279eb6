#include "load_generation/http/http_error.h"

#include "boost/asio/error.hpp"
#include "boost/asio/ssl/error.hpp"
#include "boost/beast/core/error.hpp"
#include "boost/beast/http/error.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using ::testing::StartsWith;

TEST(ClassifyConnectError, EachKindWithItsText) {
  const ClassifiedError refused =
      ClassifyConnectError(error_code(asio::error::connection_refused), "frontend");
  EXPECT_EQ(refused.kind, HttpError::kConnectionRefused);
  EXPECT_EQ(refused.text, "connection refused");
  const ClassifiedError resolve =
      ClassifyConnectError(error_code(asio::error::host_not_found), "frontend");
  EXPECT_EQ(resolve.kind, HttpError::kResolve);
  EXPECT_THAT(resolve.text, StartsWith("resolve frontend: "));
  const ClassifiedError timeout =
      ClassifyConnectError(error_code(boost::beast::error::timeout), "frontend");
  EXPECT_EQ(timeout.kind, HttpError::kConnect);
  EXPECT_EQ(timeout.text, "connect timeout");
  const ClassifiedError tls =
      ClassifyConnectError(error_code(asio::ssl::error::stream_truncated), "frontend");
  EXPECT_EQ(tls.kind, HttpError::kTls);
  EXPECT_THAT(tls.text, StartsWith("TLS handshake: "));
  const ClassifiedError unreachable =
      ClassifyConnectError(error_code(asio::error::network_unreachable), "frontend");
  EXPECT_EQ(unreachable.kind, HttpError::kConnect);
  EXPECT_THAT(unreachable.text, StartsWith("connect: "));
}

TEST(ClassifyExchangeError, TimeoutResetOrBadResponse) {
  EXPECT_EQ(ClassifyExchangeError(error_code(boost::beast::error::timeout)).text, "timeout");
  for (const error_code& reset :
       {error_code(asio::error::connection_reset), error_code(asio::error::eof),
        error_code(http::error::partial_message), error_code(asio::error::broken_pipe)}) {
    const ClassifiedError e = ClassifyExchangeError(reset);
    EXPECT_EQ(e.kind, HttpError::kReset) << reset.message();
    EXPECT_THAT(e.text, StartsWith("connection closed: "));
  }
  const ClassifiedError bad = ClassifyExchangeError(error_code(http::error::bad_version));
  EXPECT_EQ(bad.kind, HttpError::kBadResponse);
  EXPECT_THAT(bad.text, StartsWith("bad response: "));
}

TEST(IsStaleConnection, OnlyWhatAnIdleCloseLooksLike) {
  EXPECT_TRUE(IsStaleConnection(error_code(http::error::end_of_stream)));
  EXPECT_TRUE(IsStaleConnection(error_code(asio::error::connection_reset)));
  EXPECT_FALSE(IsStaleConnection(error_code(boost::beast::error::timeout)));
  EXPECT_FALSE(IsStaleConnection(error_code(http::error::bad_version)));
}

}  // namespace
}  // namespace loadgen
