#ifndef LOAD_GENERATION_RUNTIME_EVENT_LOOP_H_
#define LOAD_GENERATION_RUNTIME_EVENT_LOOP_H_

#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"

namespace loadgen {

// Runs `io` on the calling thread until it is stopped or out of work, as io.run() does. With a
// `busy_poll` window, the loop does not sleep as soon as it has nothing to do: it keeps polling
// (timers and sockets, without blocking) until `busy_poll` has passed since it last ran
// something, and only then waits. A loop that is busy then never pays for waking a sleeping
// thread, whose cost and delay (tens of microseconds to milliseconds on virtual machines) make
// arrivals start late; it uses its core whole while busy.
void RunEventLoop(boost::asio::io_context& io, absl::Duration busy_poll);

}  // namespace loadgen

#endif  // LOAD_GENERATION_RUNTIME_EVENT_LOOP_H_
