#ifndef LOAD_GENERATION_RUNTIME_ENGINE_H_
#define LOAD_GENERATION_RUNTIME_ENGINE_H_

#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "load_generation/clock/clock.h"
#include "load_generation/config/config.h"
#include "load_generation/http/http_client.h"
#include "load_generation/runtime/run_command.h"
#include "load_generation/runtime/run_status.h"
#include "load_generation/runtime/scheduler.h"
#include "load_generation/runtime/user_pool.h"
#include "load_generation/stats/stats.h"

namespace loadgen {

struct EngineOptions {
  int threads = 1;  // event loops, one per core
  uint64_t seed = 0;
  HttpSettings http;
  absl::Duration stop_timeout = absl::Seconds(5);
  int shard_index = 0;
  int shard_count = 1;
  // How long a user loop polls once its users stop making progress (what it records in its
  // stats shard) before it sleeps (see RunEventLoop); none when zero.
  absl::Duration busy_poll;
};

// One run of a config on real threads: an event loop (io_context and thread) per core for the
// users, and a control loop for the scheduler and the user pool. Public methods are
// thread-safe, except that they must not be called from the engine's own threads.
class Engine {
 public:
  Engine(const LoadConfig& config, EngineOptions options, BehaviorSource behaviors, Clock& clock);
  // Stops the run if it is under way, then the threads.
  ~Engine();

  // Starts phase 0 at `start` (now, or a common time across shards); ends at `deadline`.
  void Start(absl::Time start, absl::Time deadline = absl::InfiniteFuture());
  // Asks the run to end: users finish their task within `stop_timeout`, else the options' one.
  void Stop(std::optional<absl::Duration> stop_timeout = std::nullopt);
  // Asks the run to end now: users are cancelled, their requests in flight counted as cancelled
  // at stop (a second signal).
  void CutStop();
  // Waits until the run is over; false if `timeout` passed first.
  bool WaitUntilDone(absl::Duration timeout = absl::InfiniteDuration());
  bool done() const;

  RunStatus Status();

  // Scheduler::Apply and Scheduler::Reload, from any thread; FailedPrecondition before Start.
  absl::Status Control(const RunCommand& command);
  absl::Status Reload(const LoadConfig& config, BehaviorSource behaviors, bool at_boundary);
  // Forgets the statistics recorded so far; the phase under way counts afresh from now.
  void ResetStats();
  Stats& stats() { return stats_; }

 private:
  // Runs `fn` on the control loop and returns its result.
  template <typename Fn>
  auto OnControl(Fn fn);
  // Runs `control` on the control loop with the scheduler.
  absl::Status OnScheduler(const std::function<absl::Status(Scheduler&)>& control);

  struct Loop {
    // Run by one thread, whose sockets and timers no other thread touches (other threads post
    // to it): Asio takes no lock per socket operation (128 fewer instructions per request).
    asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::thread thread;
  };

  LoadConfig config_;
  EngineOptions options_;
  Clock& clock_;
  std::vector<std::unique_ptr<Loop>> loops_;
  Loop control_;
  Stats stats_;
  std::unique_ptr<UserPool> pool_;
  std::unique_ptr<Scheduler> scheduler_;
  bool started_ = false;
  absl::Time start_;
  mutable std::mutex done_mu_;
  std::condition_variable done_cv_;
  bool done_ = false;  // guarded by done_mu_
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_RUNTIME_ENGINE_H_
