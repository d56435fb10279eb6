#ifndef LOAD_GENERATION_RUNTIME_ARRIVAL_DISPATCHER_H_
#define LOAD_GENERATION_RUNTIME_ARRIVAL_DISPATCHER_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "load_generation/behavior/user.h"
#include "load_generation/clock/clock.h"
#include "load_generation/plan/arrivals.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

// One event loop's part of an open phase.
struct ArrivalPlan {
  ArrivalRate rate;
  absl::Time start;  // the rate's time 0
  absl::Time from;   // arrivals due before are skipped: a schedule taken up mid-phase
  int stream = 0;    // this loop's stream of `streams` (see ArrivalSchedule)
  int streams = 1;
  uint64_t seed = 0;
  std::vector<std::string> types;  // the user types arrivals go to, by `ratios`
  std::vector<int> ratios;
  int max_busy = 1;  // this loop's share of max_users
  absl::Duration max_start_delay;
};

// Makes one event loop's arrivals and hands each to an idle user of the type its ratio picks,
// on time. With none idle the arrival waits for the first user of its type to be ready, and
// starts late (counted), or is dropped after `max_start_delay`; meanwhile the dispatcher asks
// for a new user (`request_user`, which the pool serves by making one on this loop), one at a
// time per type, while fewer than `max_busy` are busy or being made. Counts arrivals, late starts
// and drops per type in the loop's stats shard (the user an arrival wakes counts how late it began:
// the schedule lag).
//
// Under a backlog (a plan of one user type with kMaxWaiting arrivals waiting) the arrivals due
// after those stay in the schedule, which keeps their times and order, and come out as waiting
// ones are taken: memory stays bounded however far the rate outruns the users, with the same
// arrivals, late starts and drops counted.
//
// Its timer wakes it at most once every kLeastWakeGap: at higher rates an arrival may start up
// to that late, with the others due by then (wrk2 rounds its waits up to whole milliseconds).
//
// Lives on its loop: every method is called there.
class ArrivalDispatcher final : public ArrivalSource {
 public:
  static constexpr absl::Duration kLeastWakeGap = absl::Microseconds(100);

  ArrivalDispatcher(const LoopExecutor& loop, Clock& clock, StatsShard& stats,
                    std::function<void(const std::string& type)> request_user);

  // Starts arrivals by `plan`, or replaces the plan under way (a new phase, a new rate):
  // arrivals still waiting stay if their type is in the new plan, and are dropped if not.
  void Open(ArrivalPlan plan);
  // No more arrivals: those waiting are dropped and idle users released. `done`, if given, is
  // called once nothing of the dispatcher runs on the loop any more.
  void Close(std::function<void()> done = nullptr);
  // No arrivals while paused; on Resume the schedule moves on by the time paused.
  void Pause();
  void Resume();

  std::optional<absl::Time> Ready(User& user, Report report) override;
  void Leave(User& user, Report report) override;

 private:
  struct TypeSlot {
    std::string name;
    std::vector<std::shared_ptr<User>> idle;  // most recently ready last
    std::deque<absl::Time> waiting;           // arrivals' times, oldest first
    int starting = 0;                         // users asked for and not yet ready
  };

  static constexpr size_t kMaxWaiting = 4096;

  Awaitable<void> Stream();
  // The next arrival's time (drawn if need be), or nullopt when the plan has no more.
  std::optional<absl::Time> Peek();
  // Takes the arrival Peek() gave out of the schedule; returns its time.
  absl::Time TakeNext();
  // Takes every arrival due by now out of the schedule: those due from `keep_from` on go to
  // users (or wait for one), earlier ones are counted as dropped.
  void TakeDue(absl::Time keep_from);
  // A plan of one type whose waiting arrivals are at kMaxWaiting: Stream() leaves the next in
  // the schedule until one is taken or dropped.
  bool Backlogged() const;
  // In Ready, under a backlog: takes the arrivals due next out of the schedule up to
  // kMaxWaiting, so that Stream() sleeps on (each wake would re-arm its timer, a system call
  // per request); once the schedule has caught up, wakes Stream() to time arrivals again.
  void KeepBacklog();
  void Arrive(absl::Time due);
  // The index of the slot of `type`, made if need be.
  int SlotOf(const std::string& type);
  // Drops the arrivals of `slot` that have waited past the plan's max_start_delay.
  void DropExpired(TypeSlot& slot, absl::Time now);
  void DropAll(TypeSlot& slot);
  void Account(TypeSlot& slot, Report report);
  // Asks for a new user when arrivals of `slot` wait, none is being made and the plan allows.
  void MaybeRequestUser(TypeSlot& slot);

  LoopExecutor loop_;
  Clock& clock_;
  StatsShard& stats_;
  std::function<void(const std::string&)> request_user_;
  std::unique_ptr<Timer> timer_;
  std::optional<ArrivalPlan> plan_;
  std::optional<ArrivalSchedule> schedule_;
  std::optional<WeightedSequence> sequence_;
  std::vector<int> plan_slots_;         // the slot of each of the plan's types
  std::optional<absl::Time> next_;      // the next arrival's time, once drawn
  std::optional<absl::Time> last_due_;  // the last arrival's, until Close
  std::vector<std::unique_ptr<TypeSlot>> slots_;
  int busy_ = 0;             // users running an arrival's task
  int starting_ = 0;         // users asked for, all types
  bool running_ = false;     // Stream() is under way
  bool backlogged_ = false;  // Stream() waits for a waiting arrival to be taken
  bool paused_ = false;
  absl::Time paused_at_;
  absl::Time last_wake_ = absl::InfinitePast();  // when the timer last ended a wait for an arrival
  std::vector<std::function<void()>> closed_;    // Close's `done`s, for when Stream() ends
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_RUNTIME_ARRIVAL_DISPATCHER_H_
