// muBench users: the stochastic workload sends GET /s0 to the ingress service.
#include "load_generation/behavior/behavior.h"
#include "load_generation/behavior/user.h"
#include "load_generation/http/http_client.h"

namespace mubench {

class StochasticUserBehavior : public loadgen::UserBehavior {
 public:
  loadgen::TaskTable Tasks() const override { return {{1, CallIngress, "s0"}}; }

 private:
  static loadgen::Task CallIngress(loadgen::User& u) { co_await u.http().Get("/s0"); }
};

LOADGEN_REGISTER_BEHAVIOR(mubench, Stochastic, StochasticUserBehavior);

}  // namespace mubench
