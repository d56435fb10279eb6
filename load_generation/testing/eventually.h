#ifndef LOAD_GENERATION_TESTING_EVENTUALLY_H_
#define LOAD_GENERATION_TESTING_EVENTUALLY_H_

#include <chrono>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace loadgen::testing {

// Waits until `condition` holds, for at most 30 s: for tests on real threads, which wait for a
// state, never for a speed.
template <typename Condition>
bool Eventually(Condition condition) {
  const absl::Time limit = absl::Now() + absl::Seconds(30);
  while (!condition()) {
    if (absl::Now() > limit) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace loadgen::testing

#endif  // LOAD_GENERATION_TESTING_EVENTUALLY_H_
