// The inference client against a recording fake: the 8/1/1 mix and the 30 x 11 JSON window.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/http/http_server.h"
#include "load_generation/testing/run_users.h"

namespace inference {
namespace {

TEST(Inference, MixAndPredictPayload) {
  loadgen::HttpServer server(
      [](const loadgen::ServerRequest&) { return loadgen::ServerResponse{}; });
  loadgen::Stats stats(1);
  loadgen::testing::RunUsers(
      server.url(),
      [](absl::string_view t) {
        return loadgen::BehaviorRegistry::Global().Create("inference", t);
      },
      "Client", 2, 5000, stats);
  std::map<std::string, int64_t> counts;
  for (const loadgen::ServerRequest& r : server.TakeRequests()) {
    ++counts[r.method + " " + r.target];
    if (r.target != "/predict") continue;
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    ASSERT_TRUE(absl::StartsWith(r.body, "{\"data\": {\"ts\": ["));
    // 11 columns ("ts" and 10 features) of 30 numbers each.
    std::vector<std::string> columns = absl::StrSplit(r.body, "\": [");
    ASSERT_EQ(columns.size(), 12u) << r.body;
    for (size_t c = 1; c < columns.size(); ++c) {
      const std::string values = columns[c].substr(0, columns[c].find(']'));
      EXPECT_EQ(std::vector<std::string>(absl::StrSplit(values, ", ")).size(), 30u);
    }
    EXPECT_TRUE(absl::EndsWith(r.body, "]}}"));
  }
  const double total = counts["POST /predict"] + counts["GET /healthz"] + counts["GET /metrics"];
  EXPECT_GE(total, 5000);
  // 5000 draws: standard errors 0.0057 and 0.0042; the seed is fixed.
  EXPECT_NEAR(counts["POST /predict"] / total, 0.8, 0.02);
  EXPECT_NEAR(counts["GET /healthz"] / total, 0.1, 0.015);
  EXPECT_NEAR(counts["GET /metrics"] / total, 0.1, 0.015);
}

TEST(Mubench, StochasticUsersGetTheIngress) {
  loadgen::HttpServer server(
      [](const loadgen::ServerRequest&) { return loadgen::ServerResponse{}; });
  loadgen::Stats stats(1);
  loadgen::testing::RunUsers(
      server.url(),
      [](absl::string_view t) { return loadgen::BehaviorRegistry::Global().Create("mubench", t); },
      "Stochastic", 2, 100, stats);
  for (const loadgen::ServerRequest& r : server.TakeRequests()) {
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.target, "/s0");
  }
  EXPECT_GE(stats.shard(0).Snapshot().Total().requests, 100);
}

}  // namespace
}  // namespace inference
