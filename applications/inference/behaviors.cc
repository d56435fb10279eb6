// Clients of an ML inference service: mostly predictions on a 30 x 11 window of telemetry, with
// health and metrics scrapes.
#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/behavior/user.h"
#include "load_generation/http/http_client.h"

namespace inference {
namespace {

using ::loadgen::Task;
using ::loadgen::User;

constexpr int kRows = 30;
constexpr std::array<const char*, 10> kFeatures = {"down", "up",  "rtt",      "loss",     "jitter",
                                                   "cpu",  "mem", "rx_bytes", "tx_bytes", "errors"};

// {"data": {"ts": [30 timestamps], "down": [30 floats], ...}}: 11 columns of 30 rows.
std::string PredictBody(User& u) {
  std::string body = "{\"data\": {\"ts\": [";
  const int64_t start = 1700000000 + u.UniformInt(0, 86400);
  for (int64_t i = 0; i < kRows; ++i) absl::StrAppend(&body, i ? ", " : "", start + 60 * i);
  body += "]";
  for (const char* feature : kFeatures) {
    absl::StrAppend(&body, ", \"", feature, "\": [");
    for (int i = 0; i < kRows; ++i) {
      absl::StrAppendFormat(&body, "%s%.3f", i ? ", " : "", u.UniformInt(0, 1000000) / 1000.0);
    }
    body += "]";
  }
  return body + "}}";
}

Task Predict(User& u) {
  loadgen::RequestOptions options;
  options.content_type = "application/json";
  co_await u.http().Post("/predict", PredictBody(u), options);
}

Task Health(User& u) { co_await u.http().Get("/healthz"); }

Task Metrics(User& u) { co_await u.http().Get("/metrics"); }

class ClientUserBehavior : public loadgen::UserBehavior {
 public:
  loadgen::TaskTable Tasks() const override {
    return {{8, Predict, "predict"}, {1, Health, "healthz"}, {1, Metrics, "metrics"}};
  }
};

}  // namespace

LOADGEN_REGISTER_BEHAVIOR(inference, Client, ClientUserBehavior);

}  // namespace inference
