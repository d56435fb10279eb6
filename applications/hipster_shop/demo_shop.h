#ifndef APPLICATIONS_HIPSTER_SHOP_DEMO_SHOP_H_
#define APPLICATIONS_HIPSTER_SHOP_DEMO_SHOP_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>

#include "absl/time/time.h"
#include "load_generation/http/http_server.h"

namespace hipster_shop {

// A stand-in for the Online Boutique frontend, for the demo and for tests: the endpoints the
// shoppers use, with a cart and a currency per session (cookie shop_session-id), a latency
// drawn from a log-normal distribution and an injected error rate.
//
//   GET /                  the home page
//   POST /setCurrency      currency_code in EUR USD JPY CAD; 302 to /
//   GET /product/{id}      200, or 404 for an unknown product
//   POST /cart             product_id, quantity 1..10; 302 to /cart
//   GET /cart              the session's cart
//   POST /cart/checkout    all address and card fields; 422 if the cart is empty
// Anything else is a 404; a malformed form is a 400. Thread-safe.
class DemoShop {
 public:
  struct Options {
    absl::Duration median_latency = absl::Milliseconds(5);
    double latency_sigma = 0.5;  // of the log-normal; 0 gives the median every time
    double error_rate = 0;       // chance that a request fails with 500, in [0, 1]
    uint64_t seed = 1;
  };
  explicit DemoShop(Options options);

  loadgen::ServerResponse Handle(const loadgen::ServerRequest& request);

  int64_t orders() const;
  int64_t injected_errors() const;
  size_t sessions() const;

 private:
  struct Session {
    std::string currency = "USD";
    std::map<std::string, int> cart;  // product id to quantity
  };

  loadgen::ServerResponse Route(const loadgen::ServerRequest& request, Session& session);

  Options options_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;                      // guarded by mu_
  std::map<std::string, Session> sessions_;  // guarded by mu_
  int64_t next_session_ = 0;                 // guarded by mu_
  int64_t orders_ = 0;                       // guarded by mu_
  int64_t injected_errors_ = 0;              // guarded by mu_
};

}  // namespace hipster_shop

#endif  // APPLICATIONS_HIPSTER_SHOP_DEMO_SHOP_H_
