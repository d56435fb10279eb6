#ifndef LOAD_GENERATION_TESTING_RUN_USERS_H_
#define LOAD_GENERATION_TESTING_RUN_USERS_H_

#include <cstdint>
#include <string>

#include "load_generation/runtime/user_pool.h"
#include "load_generation/stats/stats.h"

namespace loadgen::testing {

// Runs `users` users of `type` (no pauses) against `url` on the calling thread until they have
// completed `tasks` tasks between them, then stops them. Requests are recorded in `stats`.
void RunUsers(const std::string& url, const BehaviorSource& behaviors, const std::string& type,
              int users, int64_t tasks, Stats& stats);

}  // namespace loadgen::testing

#endif  // LOAD_GENERATION_TESTING_RUN_USERS_H_
