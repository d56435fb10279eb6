#ifndef LOAD_GENERATION_WRK_COMMAND_LINE_H_
#define LOAD_GENERATION_WRK_COMMAND_LINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "load_generation/plan/arrivals.h"

namespace loadgen {

// The parts of wrk's URL argument, as its scripts see them in the `wrk` table.
struct WrkUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  std::string port;    // "" when the URL names none
  std::string path;    // from the first '/' after the host, query included; "/" when none
};
// InvalidArgument("invalid URL: ...") unless `url` is http(s)://host[:port][/path].
absl::StatusOr<WrkUrl> ParseWrkUrl(absl::string_view url);

// The longest a run may last (-d): a year. A script's delay() longer than that is a mistake.
inline constexpr int64_t kMaxDurationS = int64_t{365} * 24 * 3600;

// wrk2's command line, as its users write it:
//   wrk -t2 -c10 -d30s -R2000 [-D fixed|exp|norm|zipf] [-s script.lua] [-H "K: V"] [-L] [-U]
//       [--timeout 2s] URL [-- script args]
// Options may come before or after the URL, as getopt allows.
struct WrkOptions {
  int64_t threads = 2;
  int64_t connections = 10;
  int64_t duration_s = 10;
  int64_t rate = 0;  // requests per second, all threads together; required
  ArrivalDistribution distribution = ArrivalDistribution::kFixed;
  std::string script;                // "" for none
  std::vector<std::string> headers;  // "Name: value", as given
  bool latency = false;              // -L: the latency distribution and percentile spectrum
  bool u_latency = false;            // -U: also the uncorrected one
  int64_t timeout_ms = 2000;
  bool version = false;
  // --csv PREFIX (loadgen's, not wrk2's): PREFIX_stats.csv and PREFIX_failures.csv as Locust
  // writes them (per method and path), PREFIX_phases.csv (the run as one open phase).
  std::string csv_prefix;
  // --busy_poll_us N (loadgen's): each thread polls N us before it sleeps (EngineOptions).
  absl::Duration busy_poll;
  std::string url;
  WrkUrl url_parts;
  // What init(args) gets: the URL at index 0, then the arguments after it and after "--".
  std::vector<std::string> script_args;
};

// Parses `args` (without the program's name). InvalidArgument says what is wrong; the caller
// prints it and WrkUsage(), and exits 1, as wrk2 does. `-v` alone is not an error here: the
// caller prints the version when `version` is set, before anything else.
absl::StatusOr<WrkOptions> ParseWrkCommandLine(const std::vector<std::string>& args);

// wrk2's usage text.
std::string WrkUsage();

// wrk2's numbers: an integer with an optional SI suffix (k, M, G, T, P; any case), "1k" = 1000.
absl::StatusOr<uint64_t> ScanWrkMetric(absl::string_view text);
// wrk2's times in seconds: an integer with an optional unit (s, m, h; any case), "2m" = 120.
absl::StatusOr<uint64_t> ScanWrkTime(absl::string_view text);

}  // namespace loadgen

#endif  // LOAD_GENERATION_WRK_COMMAND_LINE_H_
