#include "load_generation/behavior/user.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/post.hpp"

namespace loadgen {

uint64_t UserSeed(uint64_t run_seed, int64_t id) {
  // SplitMix64 of the pair.
  uint64_t z = run_seed + 0x9e3779b97f4a7c15ull * (static_cast<uint64_t>(id) + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

User::User(Options options, std::unique_ptr<UserBehavior> behavior,
           std::unique_ptr<HttpSession> session, Clock& clock, const LoopExecutor& executor,
           const WaitRange& wait, StatsShard& stats, ArrivalSource* arrivals)
    : options_(std::move(options)),
      behavior_(std::move(behavior)),
      session_(std::move(session)),
      clock_(clock),
      executor_(executor),
      wait_(wait),
      stats_(stats),
      arrivals_(arrivals),
      first_ready_(options_.made_for_arrivals),
      wait_timer_(clock.MakeTimer(executor)),
      stop_timer_(clock.MakeTimer(executor)),
      rng_(options_.seed) {}

int64_t User::UniformInt(int64_t lo, int64_t hi) {
  if (lo == hi) return lo;  // nothing to draw (a fixed pause, the only choice)
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
}

Task User::Sleep(absl::Duration duration) {
  if (cancelled_) co_return;
  co_await wait_timer_->WaitUntil(clock_.Now() + duration);
}

Awaitable<void> User::RunGuarded(Task task, absl::string_view name) {
  try {
    co_await std::move(task);
  } catch (const std::exception& e) {
    RecordException(name, e);
  }
}

void User::RecordException(absl::string_view name, const std::exception& e) {
  stats_.Record({.method = "TASK",
                 .name = name.empty() ? absl::string_view(options_.type) : name,
                 .error = absl::StrCat("exception: ", e.what()),
                 .time = clock_.Now()});
}

Awaitable<void> User::Run() {
  if (!stop_requested_) {
    const TaskTable tasks = behavior_->Tasks();
    state_ = State::kInTask;
    co_await RunGuarded(behavior_->OnStart(*this), "on_start");
    bool served = false;  // the last task was an arrival's
    while (!stop_requested_) {
      if (tasks.empty()) {  // nothing to do but wait to be stopped
        state_ = State::kWaiting;
        co_await wait_timer_->WaitUntil(absl::InfiniteFuture());
        continue;
      }
      std::optional<absl::Time> intended;  // of the arrival this task serves, in an open phase
      if (arrivals_ && wait_.open()) {
        intended = co_await AwaitArrival(served);
        served = false;
        if (!intended) continue;  // released (the phase is closed now) or told to stop
      }
      const WeightedTask& task = tasks.Pick(rng_);
      state_ = State::kInTask;
      if (intended) session_->SetStartDelay(clock_.Now() - *intended);
      // RunGuarded's work inline: a frame less per task.
      try {
        co_await task.run(*this);
      } catch (const std::exception& e) {
        RecordException(task.name, e);
      }
      session_->SetStartDelay(std::nullopt);
      ++tasks_completed_;
      served = intended.has_value();
      if (stop_requested_) break;
      if (!wait_.open()) {
        const auto [min_ms, max_ms] = wait_.Get();
        const int64_t wait_ms = UniformInt(min_ms, max_ms);
        if (wait_ms > 0) {
          // The pause is waited here, not in a coroutine of its own: a frame less per pause.
          state_ = State::kWaiting;
          const absl::Time due = PauseDue(wait_ms);
          // How late the next task starts against its schedule: the loop's own lag.
          if (co_await wait_timer_->WaitUntil(due)) stats_.RecordScheduleLag(clock_.Now() - due);
        } else if (++tasks_without_pause_ % kTasksBetweenYields == 0) {
          // No pause: a task that waits on its requests lets the loop's other users run while
          // it does; one that never waits (a request refused at once, say) would keep the loop
          // to itself, so every so many tasks the others run first. (A yield after every task
          // cost a queued handler per request; a timer would cost a system call.)
          state_ = State::kWaiting;
          co_await asio::post(executor_, kAwait);
        }
      }
      while (paused_ && !stop_requested_) {
        state_ = State::kPaused;
        co_await wait_timer_->WaitUntil(absl::InfiniteFuture());
      }
    }
    if (arrivals_) arrivals_->Leave(*this, {.served = served, .first = first_ready_});
    state_ = State::kStopping;
    if (!cancelled_) co_await RunGuarded(behavior_->OnStop(*this), "on_stop");
  }
  state_ = State::kDone;
  stop_timer_->Cancel();  // ends the stop watchdog, if any
  // The connection is closed here, on the user's loop, not wherever the user is destroyed: a
  // loop's sockets are used by its thread alone (its io_context takes no lock for them).
  session_->Cancel();
}

absl::Time User::PauseDue(int64_t wait_ms) const {
  // Due on a whole millisecond (rounded up: never shorter than asked): the pauses of a loop's
  // users that end within the same millisecond end together, on one timer expiry and one wake
  // of the loop, instead of one each (with 10,000 users, about 30 a millisecond).
  return absl::FromUnixMillis(
      absl::ToUnixMillis(clock_.Now() + absl::Milliseconds(wait_ms) - absl::Nanoseconds(1)) + 1);
}

Awaitable<std::optional<absl::Time>> User::AwaitArrival(bool served) {
  const ArrivalSource::Report report{.served = served, .first = first_ready_};
  first_ready_ = false;
  if (std::optional<absl::Time> waiting = arrivals_->Ready(*this, report)) co_return waiting;
  state_ = State::kIdle;
  co_await wait_timer_->WaitUntil(absl::InfiniteFuture());
  // Handed to an idle user as it came: how late it begins is the generator's own lag.
  if (arrival_) stats_.RecordScheduleLag(clock_.Now() - *arrival_);
  co_return std::exchange(arrival_, std::nullopt);
}

void User::GiveArrival(absl::Time intended) {
  arrival_ = intended;
  if (state_ == State::kIdle) wait_timer_->Cancel();
}

void User::CutPause() {
  if (state_ == State::kWaiting) wait_timer_->Cancel();
}

void User::Release() {
  if (state_ == State::kIdle) wait_timer_->Cancel();
}

void User::RequestStop(absl::Duration timeout) {
  if (state_ == State::kDone) return;
  if (stop_requested_) {
    if (timeout <= absl::ZeroDuration() && state_ != State::kNew) Cancel();
    return;
  }
  stop_requested_ = true;
  if (state_ == State::kNew) return;  // Run will see the request before doing anything
  if (state_ == State::kWaiting || state_ == State::kIdle || state_ == State::kPaused) {
    wait_timer_->Cancel();
  }
  asio::co_spawn(
      executor_,
      [self = shared_from_this(), timeout]() -> Awaitable<void> {
        if (co_await self->stop_timer_->WaitUntil(self->clock_.Now() + timeout)) {
          self->Cancel();
        }
      },
      asio::detached);
}

void User::Pause() { paused_ = true; }

void User::Resume() {
  paused_ = false;
  if (state_ == State::kPaused) wait_timer_->Cancel();
}

void User::Cancel() {
  if (state_ == State::kDone) return;
  cancelled_ = true;
  session_->Cancel();
  wait_timer_->Cancel();
}

}  // namespace loadgen
