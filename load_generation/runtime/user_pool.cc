#include "load_generation/runtime/user_pool.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/post.hpp"

namespace loadgen {

UserPool::UserPool(const asio::any_io_executor& control, std::vector<EventLoopHandle> loops,
                   Clock& clock, BehaviorSource behaviors, Options options)
    : control_(control),
      loops_(std::move(loops)),
      loop_users_(loops_.size(), 0),
      clock_(clock),
      behaviors_(std::move(behaviors)),
      options_(std::move(options)),
      ramp_timer_(clock.MakeTimer(control)),
      idle_timer_(clock.MakeTimer(control)) {}

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
  StartRamp();
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

asio::awaitable<void> UserPool::Ramp() {
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

void UserPool::StartUser(TypeState& type) {
  std::unique_ptr<UserBehavior> behavior = behaviors_(type.name);
  if (!behavior) {  // validation keeps this from happening; never start a broken user
    std::fprintf(stderr, "loadgen: no behaviour for user type '%s'\n", type.name.c_str());
    type.target = static_cast<int>(type.active.size());
    return;
  }
  const int loop = static_cast<int>(std::min_element(loop_users_.begin(), loop_users_.end()) -
                                    loop_users_.begin());
  const EventLoopHandle& handle = loops_[loop];
  const int64_t id = next_user_id_++;
  auto session =
      std::make_unique<HttpSession>(handle.executor, options_.http, *handle.stats, clock_);
  auto user = std::make_shared<User>(
      User::Options{.id = id, .type = type.name, .seed = UserSeed(options_.seed, id)},
      std::move(behavior), std::move(session), clock_, handle.executor, type.wait, *handle.stats);
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
}

void UserPool::Resume() {
  if (!paused_) return;
  paused_ = false;
  for (auto& type : types_) {
    for (const auto& user : type->active) asio::post(user->executor(), [user] { user->Resume(); });
  }
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

asio::awaitable<void> UserPool::StopAll(std::optional<absl::Duration> stop_timeout) {
  paused_ = false;
  for (auto& type : types_) type->target = 0;
  hatch_rate_ = 0;
  if (ramp_running_) ramp_timer_->Cancel();
  for (auto& type : types_) {
    while (!type->active.empty()) StopUser(*type, stop_timeout.value_or(options_.stop_timeout));
  }
  while (live_users_ > 0) co_await idle_timer_->WaitUntil(absl::InfiniteFuture());
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
