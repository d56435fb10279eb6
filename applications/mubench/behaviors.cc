// muBench users: the stochastic workload sends GET /s0 to the ingress service.
#include "load_generation/behavior.h"
#include "load_generation/http_client.h"
#include "load_generation/user.h"

namespace mubench {

class StochasticUserBehavior : public loadgen::UserBehavior {
 public:
  loadgen::TaskTable Tasks() const override { return {{1, CallIngress, "s0"}}; }

 private:
  static loadgen::Task CallIngress(loadgen::User& u) { co_await u.http().Get("/s0"); }
};

LOADGEN_REGISTER_BEHAVIOR(mubench, Stochastic, StochasticUserBehavior);

}  // namespace mubench
