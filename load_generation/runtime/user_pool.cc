#include "load_generation/runtime/user_pool.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/post.hpp"

namespace loadgen {

UserPool::UserPool(const LoopExecutor& control, std::vector<EventLoopHandle> loops, Clock& clock,
                   BehaviorSource behaviors, Options options)
    : control_(control),
      loops_(std::move(loops)),
      loop_users_(loops_.size(), 0),
      clock_(clock),
      behaviors_(std::move(behaviors)),
      options_(std::move(options)),
      ramp_timer_(clock.MakeTimer(control)),
      idle_timer_(clock.MakeTimer(control)) {
  for (size_t i = 0; i < loops_.size(); ++i) {
    dispatchers_.push_back(std::make_unique<ArrivalDispatcher>(
        loops_[i].executor, clock_, *loops_[i].stats,
        [this, loop = static_cast<int>(i)](const std::string& type) {
          asio::post(control_, [this, loop, type] { StartArrivalUser(type, loop); });
        }));
  }
}

template <typename Fn>
void UserPool::OnDispatchers(Fn fn) {
  for (size_t i = 0; i < loops_.size(); ++i) {
    asio::post(loops_[i].executor, [fn, dispatcher = dispatchers_[i].get()] { fn(*dispatcher); });
  }
}

UserPool::~UserPool() = default;

UserPool::TypeState& UserPool::Type(absl::string_view name) {
  for (auto& type : types_) {
    if (type->name == name) return *type;
  }
  types_.push_back(std::make_unique<TypeState>());
  types_.back()->name = std::string(name);
  return *types_.back();
}

void UserPool::SetTargets(const std::vector<UserTypeTarget>& targets, double hatch_rate) {
  for (auto& type : types_) type->target = 0;
  for (const UserTypeTarget& target : targets) {
    TypeState& type = Type(target.name);
    type.target = target.users;
    type.wait.Set(target.min_wait_ms, target.max_wait_ms);
  }
  hatch_rate_ = hatch_rate;
  if (open_) {
    open_ = false;
    // After the types' new waits are set: a user released now pauses as the new phase says.
    OnDispatchers([](ArrivalDispatcher& d) { d.Close(); });
  }
  StartRamp();
}

void UserPool::SetOpen(const OpenTargets& open) {
  for (auto& type : types_) type->target = 0;
  for (const std::string& name : open.types) {
    TypeState& type = Type(name);
    type.wait.SetOpen();
    type.target = static_cast<int>(type.active.size());
    for (const auto& user : type.active) {
      asio::post(user->executor(), [user] { user->CutPause(); });  // serve arrivals now
    }
  }
  hatch_rate_ = 0;
  StartRamp();  // users of the types not named stop at once
  open_ = true;
  const int loops = static_cast<int>(loops_.size());
  const uint64_t plan_number = open_plans_++;
  for (int i = 0; i < loops; ++i) {
    ArrivalPlan plan{
        .rate = open.rate,
        .start = open.start,
        .from = open.from,
        .stream = open.shard_index * loops + i,
        .streams = open.shard_count * loops,
        .seed = UserSeed(~options_.seed, static_cast<int64_t>(plan_number * loops + i)),
        .types = open.types,
        .ratios = open.ratios,
        .max_busy = std::max(1, ShardShare({open.max_busy}, i, loops)[0]),
        .max_start_delay = open.max_start_delay};
    asio::post(loops_[i].executor, [dispatcher = dispatchers_[i].get(), plan]() mutable {
      dispatcher->Open(std::move(plan));
    });
  }
}

void UserPool::StartArrivalUser(const std::string& name, int loop) {
  if (!open_ || stopping_) return;  // the phase ended meanwhile
  TypeState& type = Type(name);
  if (!type.wait.open()) return;
  ++type.target;
  StartUser(type, loop, /*made_for_arrivals=*/true);
}

void UserPool::StartRamp() {
  ramp_start_ = clock_.Now();
  ramp_steps_ = 0;
  if (ramp_running_) {
    ramp_timer_->Cancel();  // the ramp wakes and steps again under the new targets
    return;
  }
  ramp_running_ = true;
  asio::co_spawn(control_, Ramp(), asio::detached);
}

Awaitable<void> UserPool::Ramp() {
  for (;;) {
    if (paused_) {
      co_await ramp_timer_->WaitUntil(absl::InfiniteFuture());  // Resume restarts the ramp
      continue;
    }
    if (hatch_rate_ <= 0) {
      while (StartOne() || StopOne()) {
      }
      break;
    }
    const bool started = StartOne();
    const bool stopped = StopOne();
    if (!started && !stopped) break;
    ++ramp_steps_;
    co_await ramp_timer_->WaitUntil(ramp_start_ + absl::Seconds(ramp_steps_ / hatch_rate_));
  }
  ramp_running_ = false;
}

// Starts a user of the type furthest below its target, relative to the target, so that types
// grow in proportion; ties go to the type listed first.
bool UserPool::StartOne() {
  TypeState* best = nullptr;
  for (auto& type : types_) {
    const int64_t deficit = type->target - static_cast<int64_t>(type->active.size());
    if (deficit <= 0) continue;
    if (!best || deficit * best->target >
                     (best->target - static_cast<int64_t>(best->active.size())) * type->target) {
      best = type.get();
    }
  }
  if (!best) return false;
  StartUser(*best);
  return true;
}

// Stops the newest user of the type furthest above its target.
bool UserPool::StopOne() {
  TypeState* best = nullptr;
  int64_t best_excess = 0;
  for (auto& type : types_) {
    const int64_t excess = static_cast<int64_t>(type->active.size()) - type->target;
    if (excess > best_excess) {
      best = type.get();
      best_excess = excess;
    }
  }
  if (!best) return false;
  StopUser(*best, options_.stop_timeout);
  return true;
}

void UserPool::StartUser(TypeState& type, std::optional<int> on_loop, bool made_for_arrivals) {
  std::unique_ptr<UserBehavior> behavior = behaviors_(type.name);
  if (!behavior) {  // validation keeps this from happening; never start a broken user
    std::fprintf(stderr, "loadgen: no behaviour for user type '%s'\n", type.name.c_str());
    type.target = static_cast<int>(type.active.size());
    return;
  }
  const int loop = on_loop.value_or(static_cast<int>(
      std::min_element(loop_users_.begin(), loop_users_.end()) - loop_users_.begin()));
  const EventLoopHandle& handle = loops_[loop];
  const int64_t id = next_user_id_++;
  auto session =
      std::make_unique<HttpSession>(handle.executor, options_.http, *handle.stats, clock_);
  auto user =
      std::make_shared<User>(User::Options{.id = id,
                                           .type = type.name,
                                           .seed = UserSeed(options_.seed, id),
                                           .made_for_arrivals = made_for_arrivals},
                             std::move(behavior), std::move(session), clock_, handle.executor,
                             type.wait, *handle.stats, dispatchers_[loop].get());
  type.active.push_back(user);
  ++loop_users_[loop];
  ++live_users_;
  asio::co_spawn(handle.executor, user->Run(),
                 [this, type = &type, loop, user](const std::exception_ptr& error) {
                   if (error) {
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& e) {
                       std::fprintf(stderr, "loadgen: user %lld (%s) ended: %s\n",
                                    static_cast<long long>(user->id()), user->type().c_str(),
                                    e.what());
                     }
                   }
                   asio::post(control_, [this, type, loop, user] { OnUserDone(type, loop, user); });
                 });
}

void UserPool::Pause() {
  if (paused_) return;
  paused_ = true;
  for (auto& type : types_) {
    for (const auto& user : type->active) asio::post(user->executor(), [user] { user->Pause(); });
  }
  OnDispatchers([](ArrivalDispatcher& d) { d.Pause(); });
}

void UserPool::Resume() {
  if (!paused_) return;
  paused_ = false;
  for (auto& type : types_) {
    for (const auto& user : type->active) asio::post(user->executor(), [user] { user->Resume(); });
  }
  OnDispatchers([](ArrivalDispatcher& d) { d.Resume(); });
  StartRamp();  // counts move on from where they are, at the hatch rate
}

void UserPool::StopUser(TypeState& type, absl::Duration timeout) {
  std::shared_ptr<User> user = std::move(type.active.back());
  type.active.pop_back();
  type.stopping.push_back(user);
  asio::post(user->executor(), [user, timeout] { user->RequestStop(timeout); });
}

void UserPool::CutStops() {
  for (auto& type : types_) {
    for (const auto& user : type->stopping) {
      asio::post(user->executor(), [user] { user->RequestStop(absl::ZeroDuration()); });
    }
  }
}

void UserPool::OnUserDone(TypeState* type, int loop, const std::shared_ptr<User>& user) {
  auto it = std::find(type->active.begin(), type->active.end(), user);
  if (it != type->active.end()) {
    type->active.erase(it);  // ended without being stopped: the ramp replaces it
    if (!ramp_running_) StartRamp();
  } else {
    std::erase(type->stopping, user);
  }
  --loop_users_[loop];
  if (--live_users_ == 0) idle_timer_->Cancel();
}

Awaitable<void> UserPool::StopAll(std::optional<absl::Duration> stop_timeout) {
  stopping_ = true;
  open_ = false;
  // No arrivals from now on (the dispatchers close before their users hear of the stop), and
  // none of the dispatchers' work left on the loops when this completes.
  closing_ += static_cast<int>(dispatchers_.size());
  OnDispatchers([this](ArrivalDispatcher& d) {
    d.Close([this] {
      asio::post(control_, [this] {
        if (--closing_ == 0) idle_timer_->Cancel();
      });
    });
  });
  paused_ = false;
  for (auto& type : types_) type->target = 0;
  hatch_rate_ = 0;
  if (ramp_running_) ramp_timer_->Cancel();
  for (auto& type : types_) {
    while (!type->active.empty()) StopUser(*type, stop_timeout.value_or(options_.stop_timeout));
  }
  while (live_users_ > 0 || closing_ > 0) co_await idle_timer_->WaitUntil(absl::InfiniteFuture());
  stopping_ = false;
}

std::vector<UserTypeCounts> UserPool::Counts() const {
  std::vector<UserTypeCounts> counts;
  for (const auto& type : types_) {
    counts.push_back({type->name, type->target, static_cast<int>(type->active.size()),
                      static_cast<int>(type->stopping.size())});
  }
  return counts;
}

int UserPool::LiveUsers() const { return live_users_; }

std::vector<std::shared_ptr<User>> UserPool::Users(absl::string_view type) const {
  for (const auto& t : types_) {
    if (t->name == type) return t->active;
  }
  return {};
}

}  // namespace loadgen
