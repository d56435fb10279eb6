// The hipster_shop behaviours: the task mix, forms and cookies they send, and full checkouts
// against the demo shop.
#include <map>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "applications/hipster_shop/demo_shop.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/http/http_server.h"
#include "load_generation/testing/run_users.h"

namespace hipster_shop {
namespace {

using ::loadgen::BehaviorRegistry;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

void RunUsers(loadgen::HttpServer& server, const std::string& type, int users, int64_t tasks,
              loadgen::Stats& stats) {
  loadgen::testing::RunUsers(
      server.url(),
      [](absl::string_view t) { return BehaviorRegistry::Global().Create("hipster_shop", t); },
      type, users, tasks, stats);
}

TEST(HipsterShop, RegistersTheThreeTypes) {
  EXPECT_THAT(BehaviorRegistry::Global().UserTypes("hipster_shop"),
              ElementsAre("Holiday", "Normal", "Weekend"));
}

// The share of each task, told apart by the requests it sends, matches the weights.
TEST(HipsterShop, TaskMixMatchesTheWeights) {
  loadgen::HttpServer server(
      [](const loadgen::ServerRequest&) { return loadgen::ServerResponse{}; });
  loadgen::Stats stats(1);
  RunUsers(server, "Holiday", 4, 10000, stats);
  std::map<std::string, int64_t> counts;
  for (const loadgen::ServerRequest& r : server.TakeRequests()) {
    counts[r.method + " " + (absl::StartsWith(r.target, "/product/") ? "/product" : r.target)]++;
  }
  const int64_t on_start = 4;  // one GET / per user
  // Holiday weights: index 1, setCurrency 6, browse 10, addToCart 8, viewCart 5, checkout 7.
  const double tasks = counts["GET /"] - on_start + counts["POST /setCurrency"] +
                       (counts["GET /product"] - counts["POST /cart"]) + counts["POST /cart"] -
                       counts["POST /cart/checkout"] + counts["GET /cart"] +
                       counts["POST /cart/checkout"];
  // 10^4 tasks: a share's standard error is at most 0.005; the seed is fixed.
  auto share = [&](double n) { return n / tasks; };
  EXPECT_NEAR(share(counts["GET /"] - on_start), 1.0 / 37, 0.006);
  EXPECT_NEAR(share(counts["POST /setCurrency"]), 6.0 / 37, 0.012);
  EXPECT_NEAR(share(counts["GET /product"] - counts["POST /cart"]), 10.0 / 37, 0.012);
  EXPECT_NEAR(share(counts["POST /cart"] - counts["POST /cart/checkout"]), 8.0 / 37, 0.012);
  EXPECT_NEAR(share(counts["GET /cart"]), 5.0 / 37, 0.012);
  EXPECT_NEAR(share(counts["POST /cart/checkout"]), 7.0 / 37, 0.012);
}

TEST(HipsterShop, FormsCookiesAndGroupedNamesAreRight) {
  int64_t n = 0;
  loadgen::HttpServer server([&n](const loadgen::ServerRequest& r) {
    loadgen::ServerResponse response;
    if (r.headers.count("cookie") == 0) {
      response.headers.push_back({"Set-Cookie", "shop_session-id=u" + std::to_string(++n)});
    }
    return response;
  });
  loadgen::Stats stats(1);
  RunUsers(server, "Holiday", 3, 300, stats);
  std::map<std::string, std::string> cookie_of_connection;
  std::vector<loadgen::ServerRequest> requests = server.TakeRequests();
  // on_start opens the home page once per user, before anything else it does.
  for (int64_t connection = 1; connection <= 3; ++connection) {
    auto first = std::find_if(requests.begin(), requests.end(),
                              [&](const auto& r) { return r.connection == connection; });
    ASSERT_NE(first, requests.end());
    EXPECT_EQ(first->method + " " + first->target, "GET /");
  }
  for (const loadgen::ServerRequest& r : requests) {
    if (r.target == "/setCurrency") {
      EXPECT_THAT(r.body, ::testing::MatchesRegex("currency_code=(EUR|USD|JPY|CAD)"));
      EXPECT_EQ(r.headers.at("content-type"), "application/x-www-form-urlencoded");
    } else if (r.target == "/cart" && r.method == "POST") {
      EXPECT_THAT(r.body,
                  ::testing::MatchesRegex("product_id=[0-9A-Z]{10}&quantity=(1|2|3|4|5|10)"));
    } else if (r.target == "/cart/checkout") {
      EXPECT_EQ(r.body,
                "email=someone%40example.com&street_address=1600%20Amphitheatre%20Parkway&"
                "zip_code=94043&city=Mountain%20View&state=CA&country=United%20States&"
                "credit_card_number=4432-8015-6152-0454&credit_card_expiration_month=1&"
                "credit_card_expiration_year=2039&credit_card_cvv=672");
    }
    // Each user keeps the cookie it was given, on its own connection.
    if (r.headers.count("cookie")) {
      auto [it, inserted] =
          cookie_of_connection.emplace(std::to_string(r.connection), r.headers.at("cookie"));
      EXPECT_EQ(it->second, r.headers.at("cookie"));
    }
  }
  EXPECT_EQ(cookie_of_connection.size(), 3u);
  EXPECT_EQ(n, 3) << "one session per user";
  std::vector<std::string> names;
  const loadgen::StatsTable table = stats.shard(0).Snapshot();
  for (const auto& [key, entry] : table.Entries()) names.push_back(key.method + " " + key.name);
  EXPECT_THAT(names, ElementsAre("GET /", "GET /cart", "POST /cart", "POST /cart/checkout",
                                 "GET /product/[id]", "POST /setCurrency"));
}

TEST(HipsterShop, CheckoutsSucceedAgainstTheDemoShop) {
  DemoShop shop({.median_latency = absl::ZeroDuration(), .latency_sigma = 0});
  loadgen::HttpServer server([&shop](const loadgen::ServerRequest& r) { return shop.Handle(r); }, 1,
                             /*record=*/false);
  loadgen::Stats stats(1);
  RunUsers(server, "Holiday", 10, 2000, stats);
  loadgen::RequestStats total = stats.shard(0).Snapshot().Total();
  EXPECT_GT(total.requests, 2000);
  EXPECT_EQ(total.failures, 0);
  EXPECT_GT(shop.orders(), 200);  // 7 in 37 tasks are checkouts
  EXPECT_EQ(shop.sessions(), 10u);
}

TEST(DemoShop, RejectsWhatTheRealShopRejects) {
  DemoShop shop({.median_latency = absl::ZeroDuration(), .latency_sigma = 0});
  loadgen::ServerResponse first = shop.Handle({.method = "GET", .target = "/"});
  ASSERT_EQ(first.headers.back().first, "Set-Cookie");
  const std::string cookie =
      first.headers.back().second.substr(0, first.headers.back().second.find(';'));
  auto call = [&](const std::string& method, const std::string& target,
                  const std::string& body = "") {
    return shop.Handle(
        {.method = method, .target = target, .headers = {{"cookie", cookie}}, .body = body});
  };
  EXPECT_EQ(call("GET", "/product/NOPE").status, 404);
  EXPECT_EQ(call("GET", "/product/OLJCESPC7Z").status, 200);
  EXPECT_EQ(call("POST", "/setCurrency", "currency_code=XYZ").status, 400);
  EXPECT_EQ(call("POST", "/cart", "product_id=OLJCESPC7Z&quantity=0").status, 400);
  EXPECT_EQ(call("GET", "/nothing").status, 404);
  const std::string form =
      "email=a&street_address=b&zip_code=c&city=d&state=e&country=f&credit_card_number=g&"
      "credit_card_expiration_month=1&credit_card_expiration_year=2039&credit_card_cvv=1";
  EXPECT_EQ(call("POST", "/cart/checkout", "email=a").status, 400);
  EXPECT_EQ(call("POST", "/cart/checkout", form).status, 422) << "an empty cart";
  EXPECT_EQ(call("POST", "/cart", "product_id=OLJCESPC7Z&quantity=2").status, 302);
  EXPECT_THAT(call("GET", "/cart").body, HasSubstr("OLJCESPC7Z x 2"));
  EXPECT_EQ(call("POST", "/cart/checkout", form).status, 200);
  EXPECT_EQ(shop.orders(), 1);
  EXPECT_EQ(call("POST", "/cart/checkout", form).status, 422) << "the cart was emptied";
}

TEST(DemoShop, InjectsErrorsAtTheConfiguredRate) {
  DemoShop shop({.median_latency = absl::ZeroDuration(), .error_rate = 0.05});
  int errors = 0;
  for (int i = 0; i < 20000; ++i)
    errors += shop.Handle({.method = "GET", .target = "/"}).status == 500;
  EXPECT_NEAR(errors / 20000.0, 0.05, 0.005);
  EXPECT_EQ(shop.injected_errors(), errors);
}

}  // namespace
}  // namespace hipster_shop
