#ifndef LOAD_GENERATION_WRK_SCRIPT_H_
#define LOAD_GENERATION_WRK_SCRIPT_H_

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "load_generation/wrk/command_line.h"
#include "load_generation/wrk/result.h"

struct lua_State;

namespace loadgen {

struct WrkScriptAccess;

// One Lua state (LuaJIT) running a wrk script with wrk's scripting API: the global `wrk` table
// (scheme, host, port, method, path, headers, body, thread; format, lookup, connect, time_us),
// a `socket` module with gettime() and sleep(), and the script's own globals and callbacks
// (setup, init, delay, request, response, done). A run has one per thread, as wrk does, and one
// more for setup() and done(). Not thread-safe: each is used by one thread at a time.
//
// Every call into the script reports a Lua error as InvalidArgument with Lua's message, which
// names the file and line ("mix.lua:12: attempt to index a nil value").
class WrkScript {
 public:
  // A state with LuaJIT's standard libraries and the `wrk` table filled from `url` and `headers`
  // ("Name: value", as -H gives them), that has run `file` (nothing when it is empty).
  static absl::StatusOr<std::unique_ptr<WrkScript>> Load(const std::string& file, const WrkUrl& url,
                                                         const std::vector<std::string>& headers);
  ~WrkScript();
  WrkScript(const WrkScript&) = delete;
  WrkScript& operator=(const WrkScript&) = delete;

  // Calls the script's setup(thread) in this state (the main one) for `thread`, a thread's own
  // state: thread:get(name) and thread:set(name, value) read and write that state's globals,
  // thread:stop() asks the run to end.
  absl::Status Setup(WrkScript& thread);
  // Sets wrk.thread, calls the script's init(args) (args[0] is the URL, then the arguments
  // after it) and makes the request a script without request() sends.
  absl::Status Init(const std::vector<std::string>& args);

  bool HasFunction(const char* name) const;
  // The next request: the script's request(), or the one Init made.
  absl::StatusOr<std::string> Request();
  // The script's delay(), in milliseconds.
  absl::StatusOr<double> Delay();
  // The script's response(status, headers, body).
  absl::Status Response(int status,
                        const std::vector<std::pair<absl::string_view, absl::string_view>>& headers,
                        absl::string_view body);
  // The script's done(summary, latency, requests), with wrk's objects.
  absl::Status Done(const WrkResult& result);

  // A global of the state, as Lua's tostring() shows it ("nil" when unset): for tests.
  std::string GlobalAsString(const char* name);
  // thread:stop() was called for this state.
  bool stop_requested() const { return stop_requested_.load(std::memory_order_relaxed); }
  // The function of the script being called now ("request", "delay", ...), or null: read from
  // another thread, to say which call has not returned.
  const char* calling() const { return calling_.load(std::memory_order_relaxed); }

 private:
  friend struct WrkScriptAccess;  // the C functions the script calls
  WrkScript(lua_State* state, std::string file);
  // Lua shortens a long file name in its messages to "...its/end.lua:3: ..."; this puts the
  // whole name back.
  std::string WithFullPath(std::string message) const;
  // Calls the function on top of the stack (below its `arguments`) in protected mode.
  absl::Status Call(int arguments, int results, const char* what);

  lua_State* L_;
  std::string file_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<const char*> calling_{nullptr};
};

}  // namespace loadgen

#endif  // LOAD_GENERATION_WRK_SCRIPT_H_
