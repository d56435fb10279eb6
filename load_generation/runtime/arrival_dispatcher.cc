#include "load_generation/runtime/arrival_dispatcher.h"

#include <algorithm>
#include <utility>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"

namespace loadgen {

ArrivalDispatcher::ArrivalDispatcher(const LoopExecutor& loop, Clock& clock, StatsShard& stats,
                                     std::function<void(const std::string& type)> request_user)
    : loop_(loop),
      clock_(clock),
      stats_(stats),
      request_user_(std::move(request_user)),
      timer_(clock.MakeTimer(loop)) {}

int ArrivalDispatcher::SlotOf(const std::string& type) {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i]->name == type) return static_cast<int>(i);
  }
  slots_.push_back(std::make_unique<TypeSlot>());
  slots_.back()->name = type;
  return static_cast<int>(slots_.size()) - 1;
}

void ArrivalDispatcher::Open(ArrivalPlan plan) {
  if (plan_ && !paused_) TakeDue(absl::InfinitePast());  // the old plan's, before it goes
  plan_slots_.clear();
  for (const std::string& type : plan.types) plan_slots_.push_back(SlotOf(type));
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (std::find(plan_slots_.begin(), plan_slots_.end(), static_cast<int>(i)) ==
        plan_slots_.end()) {
      DropAll(*slots_[i]);
    }
  }
  schedule_.emplace(plan.rate, plan.stream, plan.streams, plan.seed);
  sequence_.emplace(plan.ratios);
  next_.reset();
  plan_ = std::move(plan);
  if (paused_) paused_at_ = clock_.Now();  // the new plan's time runs from its resumption
  if (running_) {
    timer_->Cancel();  // Stream() wakes and follows the new plan
    return;
  }
  running_ = true;
  asio::co_spawn(loop_, Stream(), asio::detached);
}

void ArrivalDispatcher::Close(std::function<void()> done) {
  // Those due within the timer's least gap were held for its next wake: they start. Any due
  // before are behind a backlog: dropped, however many.
  if (plan_ && !paused_) TakeDue(clock_.Now() - kLeastWakeGap);
  plan_.reset();
  schedule_.reset();
  sequence_.reset();
  next_.reset();
  last_due_.reset();
  for (auto& slot : slots_) {
    DropAll(*slot);
    slot->starting = 0;  // users asked for and still to come find nothing to wait for
    for (const auto& user : std::exchange(slot->idle, {})) user->Release();
  }
  starting_ = 0;
  if (!running_) {
    if (done) done();
    return;
  }
  if (done) closed_.push_back(std::move(done));
  timer_->Cancel();
}

void ArrivalDispatcher::Pause() {
  if (paused_) return;
  if (plan_) TakeDue(absl::InfinitePast());  // due before the pause: their times do not move
  paused_ = true;
  paused_at_ = clock_.Now();
  timer_->Cancel();
}

void ArrivalDispatcher::Resume() {
  if (!paused_) return;
  paused_ = false;
  const absl::Duration paused = clock_.Now() - paused_at_;
  if (plan_) plan_->start += paused;
  if (next_) *next_ += paused;
  if (last_due_) *last_due_ += paused;
  timer_->Cancel();
}

Awaitable<void> ArrivalDispatcher::Stream() {
  while (plan_) {
    if (paused_) {
      co_await timer_->WaitUntil(absl::InfiniteFuture());  // Resume, Open or Close wakes it
      continue;
    }
    const std::optional<absl::Time> next = Peek();
    if (!next) {
      co_await timer_->WaitUntil(absl::InfiniteFuture());  // the plan has no more arrivals
      continue;
    }
    if (clock_.Now() < *next) {
      // A timer's wake is the dearest thing a loop does at high rates: an interrupt each, and
      // a virtual machine makes it dearer still (at 20,000 arrivals/s, 16,500 interrupts a
      // second and a system call to set the timer each took most of a core). So at most one
      // wake per kLeastWakeGap: each takes all arrivals due by then.
      co_await timer_->WaitUntil(std::max(*next, last_wake_ + kLeastWakeGap));
      last_wake_ = clock_.Now();
      continue;  // a call may have changed the plan meanwhile
    }
    if (Backlogged()) {
      // Until a waiting arrival is taken (Ready wakes it) or the oldest passes its time.
      backlogged_ = true;
      TypeSlot& slot = *slots_[plan_slots_[0]];
      co_await timer_->WaitUntil(slot.waiting.front() + plan_->max_start_delay +
                                 absl::Nanoseconds(1));
      DropExpired(slot, clock_.Now());
      continue;
    }
    // Due (or overdue: arrivals behind schedule all come now, so the rate is never lowered).
    Arrive(TakeNext());
  }
  running_ = false;
  for (auto& done : std::exchange(closed_, {})) done();
}

std::optional<absl::Time> ArrivalDispatcher::Peek() {
  if (!next_) {
    // A plan taken up mid-phase starts at `from`, and never serves again an instant that an
    // arrival of the plan it replaced has served.
    const auto served = [&](absl::Duration offset) {
      const absl::Time due = plan_->start + offset;
      return due < plan_->from || (last_due_ && due <= *last_due_);
    };
    std::optional<absl::Duration> offset = schedule_->Next();
    while (offset && served(*offset)) offset = schedule_->Next();
    if (offset) next_ = plan_->start + *offset;
  }
  return next_;
}

absl::Time ArrivalDispatcher::TakeNext() {
  last_due_ = *std::exchange(next_, std::nullopt);
  return *last_due_;
}

void ArrivalDispatcher::TakeDue(absl::Time keep_from) {
  const absl::Time now = clock_.Now();
  std::vector<int64_t> dropped(plan_slots_.size(), 0);
  for (std::optional<absl::Time> due = Peek(); due && *due <= now; due = Peek()) {
    const absl::Time taken = TakeNext();
    if (taken >= keep_from) {
      Arrive(taken);
    } else {
      ++dropped[sequence_->Next()];
    }
  }
  for (size_t i = 0; i < dropped.size(); ++i) {
    if (dropped[i] == 0) continue;
    const std::string& type = slots_[plan_slots_[i]]->name;
    stats_.RecordArrival(type, ArrivalEvent::kArrived, dropped[i]);
    stats_.RecordArrival(type, ArrivalEvent::kDropped, dropped[i]);
  }
}

void ArrivalDispatcher::KeepBacklog() {
  const absl::Time now = clock_.Now();
  while (!Backlogged()) {
    const std::optional<absl::Time> next = Peek();
    if (!next || *next > now) {  // caught up: Stream() times the next arrival again
      backlogged_ = false;
      timer_->Cancel();
      return;
    }
    Arrive(TakeNext());
  }
}

bool ArrivalDispatcher::Backlogged() const {
  return plan_slots_.size() == 1 && slots_[plan_slots_[0]]->waiting.size() >= kMaxWaiting;
}

void ArrivalDispatcher::Arrive(absl::Time due) {
  const absl::Time now = clock_.Now();
  TypeSlot& slot = *slots_[plan_slots_[sequence_->Next()]];
  stats_.RecordArrival(slot.name, ArrivalEvent::kArrived);
  DropExpired(slot, now);
  if (now - due > plan_->max_start_delay) {  // past its time before it came out of a backlog
    stats_.RecordArrival(slot.name, ArrivalEvent::kDropped);
    return;
  }
  if (slot.waiting.empty() && !slot.idle.empty()) {
    std::shared_ptr<User> user = std::move(slot.idle.back());
    slot.idle.pop_back();
    ++busy_;
    user->GiveArrival(due);
    return;
  }
  slot.waiting.push_back(due);
  MaybeRequestUser(slot);
}

void ArrivalDispatcher::MaybeRequestUser(TypeSlot& slot) {
  // One new user at a time per type: a user busy now is likely free before a new one would
  // have connected, and a stalled target must not make thousands of connections at once. Under
  // a stall the users still grow as fast as they can be made, up to max_busy.
  if (!plan_ || slot.waiting.empty() || slot.starting > 0 || busy_ + starting_ >= plan_->max_busy) {
    return;
  }
  ++starting_;
  ++slot.starting;
  request_user_(slot.name);
}

void ArrivalDispatcher::Account(TypeSlot& slot, Report report) {
  if (report.served) --busy_;
  if (report.first && slot.starting > 0) {
    --slot.starting;
    --starting_;
  }
}

std::optional<absl::Time> ArrivalDispatcher::Ready(User& user, Report report) {
  TypeSlot& slot = *slots_[SlotOf(user.type())];
  Account(slot, report);
  DropExpired(slot, clock_.Now());
  if (!slot.waiting.empty()) {
    const absl::Time due = slot.waiting.front();
    slot.waiting.pop_front();
    if (clock_.Now() > due) stats_.RecordArrival(slot.name, ArrivalEvent::kStartedLate);
    ++busy_;
    if (backlogged_) KeepBacklog();
    MaybeRequestUser(slot);  // the next waiting arrival may need one
    return due;
  }
  slot.idle.push_back(user.shared_from_this());
  return std::nullopt;
}

void ArrivalDispatcher::Leave(User& user, Report report) {
  TypeSlot& slot = *slots_[SlotOf(user.type())];
  Account(slot, report);
  std::erase_if(slot.idle, [&](const std::shared_ptr<User>& u) { return u.get() == &user; });
  MaybeRequestUser(slot);  // arrivals that waited for this user ask for another
}

void ArrivalDispatcher::DropExpired(TypeSlot& slot, absl::Time now) {
  if (!plan_) return;
  while (!slot.waiting.empty() && now - slot.waiting.front() > plan_->max_start_delay) {
    slot.waiting.pop_front();
    stats_.RecordArrival(slot.name, ArrivalEvent::kDropped);
  }
}

void ArrivalDispatcher::DropAll(TypeSlot& slot) {
  if (!slot.waiting.empty()) {
    stats_.RecordArrival(slot.name, ArrivalEvent::kDropped,
                         static_cast<int64_t>(slot.waiting.size()));
  }
  slot.waiting.clear();
}

}  // namespace loadgen
