#include "load_generation/testing/run_users.h"

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "gtest/gtest.h"

namespace loadgen::testing {

void RunUsers(const std::string& url, const BehaviorSource& behaviors, const std::string& type,
              int users, int64_t tasks, Stats& stats) {
  absl::StatusOr<HttpTarget> target = ParseHttpTarget(url);
  ASSERT_TRUE(target.ok()) << target.status();
  asio::io_context io(1);
  RealClock clock;
  UserPool pool(io.get_executor(), {{io.get_executor(), &stats.shard(0)}}, clock, behaviors,
                {.seed = 5, .http = {.target = *target}});
  pool.SetTargets({{type, users, 0, 0}}, 0);
  auto done = [&] {
    int64_t n = 0;
    for (const auto& user : pool.Users(type)) n += user->tasks_completed();
    return n;
  };
  while (done() < tasks && io.run_one() > 0) {
  }
  asio::co_spawn(io, pool.StopAll(), asio::detached);
  io.run();
}

}  // namespace loadgen::testing
