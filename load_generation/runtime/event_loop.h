#ifndef LOAD_GENERATION_RUNTIME_EVENT_LOOP_H_
#define LOAD_GENERATION_RUNTIME_EVENT_LOOP_H_

#include <cstdint>
#include <functional>

#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"

namespace loadgen {

// Runs `io` on the calling thread, as io.run() does. With a `busy_poll` window, the loop does not
// sleep as soon as it has nothing to do: it keeps polling (timers and sockets, without blocking)
// until `busy_poll` has passed since `progress` (called on this thread; a count of what the
// loop's users did, such as its stats shard's records) last moved or the loop last woke, and only
// then sleeps. A loop that is busy then never pays for waking a sleeping thread, whose cost and
// delay (tens of microseconds to milliseconds on virtual machines) make arrivals start late; it
// uses its core whole while busy. A busy-polling loop runs until io.stop(), even out of work.
//
// It polls inside one io.run(), so Asio's cache of freed blocks (which lives as long as a run(),
// poll() or run_one() call) serves every request: a poll() in turn made two allocations per
// request.
void RunEventLoop(boost::asio::io_context& io, absl::Duration busy_poll,
                  std::function<uint64_t()> progress);

}  // namespace loadgen

#endif  // LOAD_GENERATION_RUNTIME_EVENT_LOOP_H_
