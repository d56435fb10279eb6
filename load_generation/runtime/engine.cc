#include "load_generation/runtime/engine.h"

#include <future>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/post.hpp"
#include "load_generation/runtime/event_loop.h"

namespace loadgen {

Engine::Engine(const LoadConfig& config, EngineOptions options, BehaviorSource behaviors,
               Clock& clock)
    : config_(config),
      options_(std::move(options)),
      clock_(clock),
      stats_(std::max(options_.threads, 1)) {
  std::vector<EventLoopHandle> handles;
  for (int i = 0; i < std::max(options_.threads, 1); ++i) {
    loops_.push_back(std::make_unique<Loop>());
    handles.push_back({loops_.back()->io.get_executor(), &stats_.shard(i)});
  }
  pool_ = std::make_unique<UserPool>(
      control_.io.get_executor(), std::move(handles), clock_, std::move(behaviors),
      UserPool::Options{
          .seed = options_.seed, .stop_timeout = options_.stop_timeout, .http = options_.http});
  for (size_t i = 0; i < loops_.size(); ++i) {
    loops_[i]->thread =
        std::thread([io = &loops_[i]->io, shard = &stats_.shard(static_cast<int>(i)),
                     busy_poll = options_.busy_poll] {
          RunEventLoop(*io, busy_poll, [shard] { return shard->records(); });
        });
  }
  control_.thread = std::thread([this] { control_.io.run(); });
}

Engine::~Engine() {
  if (started_) {
    Stop();
    WaitUntilDone();
  }
  control_.work.reset();
  control_.io.stop();
  control_.thread.join();
  for (auto& loop : loops_) {
    loop->work.reset();
    loop->io.stop();
    loop->thread.join();
  }
  // Users are gone (the run ended), so nothing refers to the pool or the loops any more.
  scheduler_.reset();
  pool_.reset();
}

template <typename Fn>
auto Engine::OnControl(Fn fn) {
  std::promise<decltype(fn())> result;
  asio::post(control_.io, [&] { result.set_value(fn()); });
  return result.get_future().get();
}

void Engine::Start(absl::Time start, absl::Time deadline) {
  started_ = true;
  start_ = start;
  OnControl([&] {
    scheduler_ =
        std::make_unique<Scheduler>(control_.io.get_executor(), clock_, config_, *pool_, stats_,
                                    Scheduler::Options{.start = start,
                                                       .deadline = deadline,
                                                       .shard_index = options_.shard_index,
                                                       .shard_count = options_.shard_count});
    asio::co_spawn(control_.io, scheduler_->Run(), [this](const std::exception_ptr&) {
      std::lock_guard<std::mutex> lock(done_mu_);
      done_ = true;
      done_cv_.notify_all();
    });
    return true;
  });
}

void Engine::Stop(std::optional<absl::Duration> stop_timeout) {
  asio::post(control_.io, [this, stop_timeout] {
    if (scheduler_) scheduler_->Stop(stop_timeout);
  });
}

void Engine::CutStop() {
  asio::post(control_.io, [this] {
    if (scheduler_) scheduler_->CutStop();
  });
}

bool Engine::WaitUntilDone(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(done_mu_);
  if (timeout == absl::InfiniteDuration()) {
    done_cv_.wait(lock, [this] { return done_; });
    return true;
  }
  return done_cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [this] { return done_; });
}

bool Engine::done() const {
  std::lock_guard<std::mutex> lock(done_mu_);
  return done_;
}

RunStatus Engine::Status() {
  return OnControl([this] {
    RunStatus status;
    status.running = scheduler_ && !done();
    status.start = start_;
    if (scheduler_) {
      status.occurrence = scheduler_->current();
      status.paused = scheduler_->paused();
      status.override_users = scheduler_->override_users();
      status.override_rate = scheduler_->override_rate();
      status.arrival_rate_per_s = scheduler_->ArrivalRateNow() / options_.shard_count;
      status.reload_pending = scheduler_->reload_pending();
      status.progress = scheduler_->Progress();
      if (status.occurrence) {
        status.phase_name = PhaseName(scheduler_->config(), status.occurrence->phase);
      }
    }
    status.users = pool_->Counts();
    return status;
  });
}

absl::Status Engine::OnScheduler(const std::function<absl::Status(Scheduler&)>& control) {
  return OnControl([&]() -> absl::Status {
    if (!scheduler_) return absl::FailedPreconditionError("the run has not started");
    return control(*scheduler_);
  });
}

absl::Status Engine::Control(const RunCommand& command) {
  return OnScheduler([&](Scheduler& s) { return s.Apply(command); });
}

absl::Status Engine::Reload(const LoadConfig& config, BehaviorSource behaviors, bool at_boundary) {
  return OnScheduler(
      [&](Scheduler& s) { return s.Reload(config, std::move(behaviors), at_boundary); });
}

void Engine::ResetStats() {
  OnControl([this] {
    stats_.Reset(clock_.Now());
    return true;
  });
}

}  // namespace loadgen
