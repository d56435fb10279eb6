#ifndef LOAD_GENERATION_BEHAVIOR_BEHAVIOR_H_
#define LOAD_GENERATION_BEHAVIOR_BEHAVIOR_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "load_generation/clock/clock.h"

namespace loadgen {

class User;

// One task of a user: a coroutine on the user's own HTTP session, e.g.
//   loadgen::Task ViewCart(loadgen::User& u) { co_await u.http().Get("/cart"); }
using Task = Awaitable<void>;
using TaskFunction = std::function<Task(User&)>;

struct WeightedTask {
  int weight = 1;  // relative chance of being picked; <= 0 never is
  TaskFunction run;
  std::string name;  // for error reports; optional
};

// The tasks a user picks from, each with probability weight / sum of weights.
class TaskTable {
 public:
  TaskTable() = default;
  TaskTable(std::initializer_list<WeightedTask> tasks);
  explicit TaskTable(std::vector<WeightedTask> tasks);

  // Draws a task. Requires !empty().
  const WeightedTask& Pick(std::mt19937_64& rng) const;
  bool empty() const { return total_weight_ == 0; }
  const std::vector<WeightedTask>& tasks() const { return tasks_; }

 private:
  std::vector<WeightedTask> tasks_;
  std::vector<int64_t> cumulative_;  // cumulative_[i]: sum of weights of tasks 0..i
  int64_t total_weight_ = 0;
};

// How one type of user behaves. The class for user type "Foo" is FooUserBehavior; each user
// gets an instance of its own, so members may hold per-user state (a login token, say).
// After OnStart, a user repeats: pick a task from Tasks(), run it, pause. When it is stopped it
// finishes its current task, then runs OnStop. Failed requests are recorded, never thrown.
class UserBehavior {
 public:
  virtual ~UserBehavior() = default;
  virtual TaskTable Tasks() const = 0;
  virtual Task OnStart(User& user);
  virtual Task OnStop(User& user);
};

using BehaviorFactory = std::function<std::unique_ptr<UserBehavior>()>;

// Makes the behaviour that plays a user type (null for a type it does not know): what a run
// is given to create its users.
using BehaviorSource = std::function<std::unique_ptr<UserBehavior>(absl::string_view type)>;

// Behaviours by (application, user type). Filled during static initialisation by
// LOADGEN_REGISTER_BEHAVIOR and read-only afterwards.
class BehaviorRegistry {
 public:
  static BehaviorRegistry& Global();

  // False (and no change) if the pair is registered already.
  bool Register(std::string application, std::string user_type, BehaviorFactory factory);
  // A new behaviour, or null if the pair is not registered.
  std::unique_ptr<UserBehavior> Create(absl::string_view application,
                                       absl::string_view user_type) const;
  bool HasApplication(absl::string_view application) const;
  std::vector<std::string> Applications() const;                            // sorted
  std::vector<std::string> UserTypes(absl::string_view application) const;  // sorted

 private:
  std::map<std::pair<std::string, std::string>, BehaviorFactory, std::less<>> factories_;
};

}  // namespace loadgen

// Registers `behavior_class` to play `user_type` in `application`, e.g.
//   LOADGEN_REGISTER_BEHAVIOR(hipster_shop, Weekend, WeekendUserBehavior);
// The library holding it needs `alwayslink = True`.
#define LOADGEN_REGISTER_BEHAVIOR(application, user_type, behavior_class)                    \
  static const bool loadgen_registered_##application##_##user_type =                         \
      ::loadgen::BehaviorRegistry::Global().Register(#application, #user_type, [] {          \
        return std::unique_ptr<::loadgen::UserBehavior>(std::make_unique<behavior_class>()); \
      })

#endif  // LOAD_GENERATION_BEHAVIOR_BEHAVIOR_H_
