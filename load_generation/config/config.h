#ifndef LOAD_GENERATION_CONFIG_CONFIG_H_
#define LOAD_GENERATION_CONFIG_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/load_config.pb.h"

namespace loadgen {

using LoadConfig = ::pl::demos::load_generation::LocustConfigFile;
using PhaseConfig = ::pl::demos::load_generation::LocustPhaseConfig;
using ThresholdConfig = ::pl::demos::load_generation::Threshold;
using UserTypeConfig = ::pl::demos::load_generation::UserType;

// Whether errors about a file may quote its content. A file named by a control call may be any
// file the daemon can read: its errors give the place and not the content.
enum class Quote { kContent, kPlaceOnly };

// Parses `text` as a text-format LoadConfig. A syntax error, an unknown field, a value of the
// wrong type or out of range is an InvalidArgument error "FILE:LINE:COLUMN: what is wrong";
// binary content is rejected before parsing. No semantic checks (see ValidateLoadConfig).
absl::StatusOr<LoadConfig> ParseLoadConfig(absl::string_view text, absl::string_view filename,
                                           Quote quote = Quote::kContent);
// The same for any text-format message (an experiment file, ...), into `message`.
absl::Status ParseTextProto(absl::string_view text, absl::string_view filename,
                            google::protobuf::Message* message, Quote quote = Quote::kContent);

// The most a config (and a token or PEM file) may hold, and a file of lines for `file_lines`.
inline constexpr int64_t kMaxConfigBytes = 16 << 20;
inline constexpr int64_t kMaxValueFileBytes = 256 << 20;

// The content of the regular file at `path`, at most `max_bytes`; if it cannot be read, an error
// saying why (strerror, "is a FIFO, not a regular file", "is N bytes, over the limit of M"),
// never quoting the content. Never blocks on a FIFO or device, never reads without bound.
absl::StatusOr<std::string> ReadFileToString(const std::string& path,
                                             int64_t max_bytes = kMaxConfigBytes);

// Reads and parses the file at `path`; an unreadable file is an error naming it and why.
absl::StatusOr<LoadConfig> ReadLoadConfig(const std::string& path, Quote quote = Quote::kContent);

// Checks the rules a config must follow before anything runs. Each broken rule is reported as
// "FILE: FIELD PATH: rule", e.g. "load.pbtxt: phases[1].user_types[0]: min_wait_ms 900 >
// max_wait_ms 200", all in one InvalidArgument status, one per line. User type names must be in
// `known_user_types` (the application's behaviours), which the message lists otherwise.
absl::Status ValidateLoadConfig(const LoadConfig& config, absl::string_view filename,
                                absl::string_view application,
                                const std::vector<std::string>& known_user_types);

// The metrics a threshold may name (Threshold.metric).
const std::vector<std::string>& ThresholdMetrics();

// The most users a phase, or an override of its user count, may ask for.
inline constexpr int kMaxUsers = 1000000;
// The longest a phase may last, in seconds: a year and a day.
inline constexpr int kMaxPhaseSeconds = 366 * 24 * 3600;

// The highest arrival rate an open phase may ask for, per second.
inline constexpr double kMaxArrivalRate = 1e6;

// Whether a phase is open (sets arrival_rate_per_s): tasks start at a rate, not after pauses.
bool IsOpen(const PhaseConfig& phase);
// Users a closed phase starts (or stops) a second: spawn_rate_per_s if set, else
// hatch_rate_per_s.
double HatchRate(const PhaseConfig& phase);
// The highest rate an open phase asks for, at its start or its end.
double PeakArrivalRate(const PhaseConfig& phase);

// Settings with their defaults applied.
// How many users an open phase may keep busy at once, all shards together.
int MaxBusyUsers(const PhaseConfig& phase);
// How long an arrival of an open phase may wait for a user before it is dropped.
absl::Duration MaxStartDelay(const PhaseConfig& phase);
absl::Duration StopTimeout(const LoadConfig& config);
absl::Duration RequestTimeout(const LoadConfig& config);
int MaxResponseHeaderBytes(const LoadConfig& config);
int MaxResponseBodyBytes(const LoadConfig& config);
absl::Duration ConnectTimeout(const LoadConfig& config);
// The phase's name for reports: its `name`, or "phase<index>".
std::string PhaseName(const LoadConfig& config, int phase);

// A stable digest of the config's content (hex), to tell configs apart in status.
std::string ConfigDigest(const LoadConfig& config);

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONFIG_CONFIG_H_
