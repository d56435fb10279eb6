#ifndef LOAD_GENERATION_TESTING_FAKE_BEHAVIOR_H_
#define LOAD_GENERATION_TESTING_FAKE_BEHAVIOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "load_generation/behavior/behavior.h"
#include "load_generation/behavior/user.h"
#include "load_generation/clock/clock.h"

namespace loadgen::testing {

// What fake users did, for assertions.
struct Journal {
  struct TaskRun {
    int64_t user;
    int task;  // index in the table
    absl::Time start;
    absl::Time end;  // InfinitePast while running or if cut short
  };
  std::vector<TaskRun> tasks;
  std::map<int64_t, int> on_start;  // calls per user id
  std::map<int64_t, int> on_stop;
  std::map<int64_t, const HttpSession*> sessions;  // the session each user started with
};

// A behaviour whose tasks take `task_time` of (simulated) time and do no I/O. Its table has
// `weights.size()` tasks with those weights.
class FakeBehavior : public UserBehavior {
 public:
  FakeBehavior(Journal& journal, const Clock& clock, absl::Duration task_time,
               std::vector<int> weights = {1})
      : journal_(journal), clock_(clock), task_time_(task_time), weights_(std::move(weights)) {}

  TaskTable Tasks() const override {
    std::vector<WeightedTask> tasks;
    for (size_t i = 0; i < weights_.size(); ++i) {
      tasks.push_back({weights_[i], [this, i](User& u) { return Work(u, static_cast<int>(i)); }});
    }
    return TaskTable(std::move(tasks));
  }
  Task OnStart(User& u) override {
    ++journal_.on_start[u.id()];
    journal_.sessions[u.id()] = &u.http();
    co_return;
  }
  Task OnStop(User& u) override {
    ++journal_.on_stop[u.id()];
    co_return;
  }

 private:
  Task Work(User& u, int task) const {
    const size_t index = journal_.tasks.size();
    journal_.tasks.push_back({u.id(), task, clock_.Now(), absl::InfinitePast()});
    if (task_time_ > absl::ZeroDuration()) co_await u.Sleep(task_time_);
    if (!u.http().cancelled()) journal_.tasks[index].end = clock_.Now();
  }

  Journal& journal_;
  const Clock& clock_;
  absl::Duration task_time_;
  std::vector<int> weights_;
};

}  // namespace loadgen::testing

#endif  // LOAD_GENERATION_TESTING_FAKE_BEHAVIOR_H_
