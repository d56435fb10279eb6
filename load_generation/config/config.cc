#include "load_generation/config/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "load_generation/config/field_errors.h"

namespace loadgen {
namespace {

constexpr int kDefaultStopTimeoutMs = 5000;
constexpr int kDefaultRequestTimeoutMs = 10000;
constexpr int kDefaultMaxResponseHeaderBytes = 64 << 10;
constexpr int kDefaultMaxResponseBodyBytes = 64 << 20;
constexpr int kDefaultConnectTimeoutMs = 5000;
constexpr int kMaxWaitMs = 24 * 3600 * 1000;
constexpr int kDefaultMaxStartDelayMs = 10000;
constexpr int kMaxStartDelayMs = 3600 * 1000;

// The rules of an open phase: a rate, a distribution with what it needs, no closed-phase users.
void CheckOpenPhase(const PhaseConfig& phase, const std::string& path, FieldErrors& check) {
  const auto field = [&](absl::string_view name) { return absl::StrCat(path, ".", name); };
  const double rate = phase.arrival_rate_per_s();
  if (!(rate > 0 && rate <= kMaxArrivalRate)) {
    check.Add(field("arrival_rate_per_s"), absl::StrCat("must be in (0, 1000000], not ", rate));
  }
  if (phase.has_end_arrival_rate_per_s()) {
    const double end = phase.end_arrival_rate_per_s();
    if (!(end >= 0 && end <= kMaxArrivalRate)) {
      check.Add(field("end_arrival_rate_per_s"),
                absl::StrCat("must be in [0, 1000000], not ", end));
    }
  }
  if (phase.num_users() != 0) {
    check.Add(field("num_users"),
              "does not apply in an open phase (arrival_rate_per_s is set); bound the busy users "
              "with max_users instead");
  }
  if (!PhaseConfig::ArrivalDistribution_IsValid(phase.arrival_distribution())) {
    check.Add(field("arrival_distribution"),
              absl::StrCat("must be FIXED, EXPONENTIAL, NORMAL or ZIPF, not ",
                           phase.arrival_distribution()));
  }
  const double stddev = phase.arrival_stddev_ms();
  if (phase.arrival_distribution() == PhaseConfig::NORMAL) {
    if (!(stddev > 0 && stddev <= kMaxWaitMs)) {
      check.Add(field("arrival_stddev_ms"),
                absl::StrCat("a NORMAL arrival_distribution needs it in (0, ", kMaxWaitMs,
                             "], not ", stddev));
    }
  } else if (stddev != 0) {
    check.Add(field("arrival_stddev_ms"),
              absl::StrCat("applies only to a NORMAL arrival_distribution, not ",
                           PhaseConfig::ArrivalDistribution_Name(phase.arrival_distribution())));
  }
  if (phase.max_users() < 0 || phase.max_users() > kMaxUsers) {
    check.Add(field("max_users"),
              absl::StrCat("must be in 1..", kMaxUsers, ", not ", phase.max_users()));
  }
  if (phase.has_max_start_delay_ms() &&
      (phase.max_start_delay_ms() < 0 || phase.max_start_delay_ms() > kMaxStartDelayMs)) {
    check.Add(field("max_start_delay_ms"), absl::StrCat("must be in 0..", kMaxStartDelayMs,
                                                        ", not ", phase.max_start_delay_ms()));
  }
}

// Open-phase fields in a closed phase: a mistake, probably a missing arrival_rate_per_s.
void CheckClosedOnlyFields(const PhaseConfig& phase, const std::string& path, FieldErrors& check) {
  std::vector<std::string> set;
  if (phase.has_end_arrival_rate_per_s()) set.push_back("end_arrival_rate_per_s");
  if (phase.arrival_distribution() != PhaseConfig::FIXED) set.push_back("arrival_distribution");
  if (phase.arrival_stddev_ms() != 0) set.push_back("arrival_stddev_ms");
  if (phase.max_users() != 0) set.push_back("max_users");
  if (phase.has_max_start_delay_ms()) set.push_back("max_start_delay_ms");
  if (!set.empty()) {
    check.Add(path, absl::StrCat(absl::StrJoin(set, ", "),
                                 " apply only to an open phase; set arrival_rate_per_s"));
  }
}

// Keeps the parser's first error with its position, 1-based as editors show it.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  FirstError(absl::string_view filename, Quote quote) : filename_(filename), quote_(quote) {}
  void AddError(int line, int column, const std::string& message) override {
    if (!message_.empty()) return;
    // The parser's messages quote the tokens they stumble on.
    message_ = absl::StrCat(filename_, ":", line + 1, ":", column + 1, ": ",
                            quote_ == Quote::kContent ? message : "not a valid load config");
  }
  void AddWarning(int, int, const std::string&) override {}
  const std::string& message() const { return message_; }

 private:
  std::string filename_;
  Quote quote_;
  std::string message_;
};

// The offset of the first byte that cannot be in a text file (NUL or invalid UTF-8), or npos.
size_t FirstNonTextByte(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return i;
    const size_t length = c < 0x80             ? 1
                          : (c & 0xE0) == 0xC0 ? 2
                          : (c & 0xF0) == 0xE0 ? 3
                          : (c & 0xF8) == 0xF0 ? 4
                                               : 0;
    if (length == 0 || i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return i;
    }
    i += length;
  }
  return absl::string_view::npos;
}

}  // namespace

absl::StatusOr<LoadConfig> ParseLoadConfig(absl::string_view text, absl::string_view filename,
                                           Quote quote) {
  LoadConfig config;
  if (absl::Status parsed = ParseTextProto(text, filename, &config, quote); !parsed.ok()) {
    return parsed;
  }
  return config;
}

absl::Status ParseTextProto(absl::string_view text, absl::string_view filename,
                            google::protobuf::Message* message, Quote quote) {
  if (size_t bad = FirstNonTextByte(text); bad != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        quote == Quote::kContent
            ? absl::StrFormat("%s: not a text-format config (binary byte 0x%02x at offset %d)",
                              filename, static_cast<unsigned char>(text[bad]), bad)
            : absl::StrFormat("%s: not a text-format config (binary at offset %d)", filename, bad));
  }
  FirstError errors(filename, quote);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), message)) {
    return absl::InvalidArgumentError(
        errors.message().empty() ? absl::StrCat(filename, ": cannot parse") : errors.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path, int64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO does not wait for a writer (it is refused below).
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return absl::NotFoundError(std::strerror(errno));
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    const char* kind = S_ISDIR(info.st_mode)    ? "a directory"
                       : S_ISFIFO(info.st_mode) ? "a FIFO"
                       : S_ISSOCK(info.st_mode) ? "a socket"
                                                : "a device";
    return absl::FailedPreconditionError(absl::StrCat("is ", kind, ", not a regular file"));
  }
  if (info.st_size > max_bytes) {
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("is ", info.st_size, " bytes, over the limit of ", max_bytes, " bytes"));
  }
  std::string content;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      return absl::UnavailableError(std::strerror(err));
    }
    content.append(buffer, n);
    if (static_cast<int64_t>(content.size()) > max_bytes) {  // it grew while being read
      close(fd);
      return absl::FailedPreconditionError(
          absl::StrCat("grew over the limit of ", max_bytes, " bytes while being read"));
    }
  }
  close(fd);
  return content;
}

absl::StatusOr<LoadConfig> ReadLoadConfig(const std::string& path, Quote quote) {
  absl::StatusOr<std::string> content = ReadFileToString(path);
  if (!content.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read config: ", content.status().message()));
  }
  return ParseLoadConfig(*content, path, quote);
}

namespace {

void CheckThresholds(const LoadConfig& config, FieldErrors& check) {
  absl::flat_hash_set<std::string> phases;
  for (int p = 0; p < config.phases_size(); ++p) phases.insert(PhaseName(config, p));
  for (int t = 0; t < config.thresholds_size(); ++t) {
    const ThresholdConfig& threshold = config.thresholds(t);
    const std::string path = absl::StrCat("thresholds[", t, "]");
    const std::vector<std::string>& metrics = ThresholdMetrics();
    if (std::find(metrics.begin(), metrics.end(), threshold.metric()) == metrics.end()) {
      check.Add(path + ".metric", absl::StrCat("unknown metric '", threshold.metric(),
                                               "'; the metrics: ", absl::StrJoin(metrics, ", ")));
    }
    if (threshold.has_below() == threshold.has_above()) {
      check.Add(path, "give exactly one bound: below or above");
    }
    for (const double bound : {threshold.below(), threshold.above()}) {
      if (!std::isfinite(bound) || bound < 0) {
        check.Add(path, absl::StrCat("a bound must be a number >= 0, not ", bound));
      }
    }
    if (!std::isfinite(threshold.abort_delay_s()) || threshold.abort_delay_s() < 0 ||
        threshold.abort_delay_s() > kMaxPhaseSeconds) {
      check.Add(path, absl::StrCat("abort_delay_s must be in 0..", kMaxPhaseSeconds, ", not ",
                                   threshold.abort_delay_s()));
    } else if (threshold.abort_delay_s() > 0 && !threshold.abort_on_fail()) {
      check.Add(path, "abort_delay_s applies only with abort_on_fail: true");
    }
    if (!threshold.phase().empty() && !phases.contains(threshold.phase())) {
      std::vector<std::string> names(phases.begin(), phases.end());
      std::sort(names.begin(), names.end());
      check.Add(path + ".phase", absl::StrCat("no phase '", threshold.phase(),
                                              "' (the phases: ", absl::StrJoin(names, ", "), ")"));
    }
  }
}

}  // namespace

const std::vector<std::string>& ThresholdMetrics() {
  static const auto* metrics = new std::vector<std::string>{
      "p50", "p90", "p95", "p99", "p99.9", "max", "mean", "failure_ratio", "rps"};
  return *metrics;
}

absl::Status ValidateLoadConfig(const LoadConfig& config, absl::string_view filename,
                                absl::string_view application,
                                const std::vector<std::string>& known_user_types) {
  FieldErrors check;
  if (config.phases().empty()) check.Add("phases", "the config has no phases; add at least one");
  if (config.loops() < 0) check.Add("loops", absl::StrCat("must be >= 0, not ", config.loops()));
  if (config.run_time_s() < 0) {
    check.Add("run_time_s", absl::StrCat("must be >= 0, not ", config.run_time_s()));
  }
  if (config.has_stop_timeout_ms() && config.stop_timeout_ms() < 0) {
    check.Add("stop_timeout_ms", absl::StrCat("must be >= 0, not ", config.stop_timeout_ms()));
  }
  if (config.has_request_timeout_ms() && config.request_timeout_ms() <= 0) {
    check.Add("request_timeout_ms", absl::StrCat("must be > 0, not ", config.request_timeout_ms()));
  }
  if (config.has_max_response_header_bytes() && (config.max_response_header_bytes() < 1024 ||
                                                 config.max_response_header_bytes() > (16 << 20))) {
    check.Add("max_response_header_bytes",
              absl::StrCat("must be in 1024..16777216, not ", config.max_response_header_bytes()));
  }
  if (config.has_max_response_body_bytes() &&
      (config.max_response_body_bytes() < 1024 || config.max_response_body_bytes() > (1 << 30))) {
    check.Add("max_response_body_bytes",
              absl::StrCat("must be in 1024..1073741824, not ", config.max_response_body_bytes()));
  }
  if (config.has_connect_timeout_ms() && config.connect_timeout_ms() <= 0) {
    check.Add("connect_timeout_ms", absl::StrCat("must be > 0, not ", config.connect_timeout_ms()));
  }

  CheckThresholds(config, check);

  std::vector<std::string> sorted_types = known_user_types;
  std::sort(sorted_types.begin(), sorted_types.end());
  for (int p = 0; p < config.phases_size(); ++p) {
    const PhaseConfig& phase = config.phases(p);
    const std::string path = absl::StrCat("phases[", p, "]");
    if (phase.duration() <= 0 || phase.duration() > kMaxPhaseSeconds) {
      check.Add(path, absl::StrCat("duration must be in 1..", kMaxPhaseSeconds, " seconds, not ",
                                   phase.duration()));
    }
    if (phase.num_users() < 0 || phase.num_users() > kMaxUsers) {
      check.Add(path,
                absl::StrCat("num_users must be in 0..", kMaxUsers, ", not ", phase.num_users()));
    }
    const bool open = IsOpen(phase);
    if (open) CheckOpenPhase(phase, path, check);
    if (!open) CheckClosedOnlyFields(phase, path, check);
    if (phase.has_spawn_rate_per_s() &&
        !(phase.spawn_rate_per_s() > 0 && phase.spawn_rate_per_s() <= kMaxUsers)) {
      check.Add(path, absl::StrCat("spawn_rate_per_s must be in (0, ", kMaxUsers, "], not ",
                                   phase.spawn_rate_per_s()));
    } else if (phase.num_users() > 0 && HatchRate(phase) <= 0 && !open) {
      check.Add(path, absl::StrCat("hatch_rate_per_s must be > 0 when num_users > 0, not ",
                                   phase.hatch_rate_per_s()));
    }
    if (phase.hatch_rate_per_s() < 0) {
      check.Add(path,
                absl::StrCat("hatch_rate_per_s must be >= 0, not ", phase.hatch_rate_per_s()));
    }
    if (phase.user_types().empty() && open) {
      check.Add(path,
                "an open phase (arrival_rate_per_s is set) needs user_types to serve its "
                "arrivals; add at least one");
    } else if (phase.user_types().empty() && phase.num_users() > 0) {
      check.Add(path,
                "the phase has num_users but no user_types; add at least one (a phase "
                "with num_users: 0 and no user types is an idle one, a cooldown)");
    }
    absl::flat_hash_set<std::string> seen;
    for (int u = 0; u < phase.user_types_size(); ++u) {
      const UserTypeConfig& type = phase.user_types(u);
      const std::string type_path = absl::StrCat(path, ".user_types[", u, "]");
      if (type.name().empty()) {
        check.Add(type_path, "name is empty");
      } else if (!std::binary_search(sorted_types.begin(), sorted_types.end(), type.name())) {
        check.Add(
            type_path + ".name",
            absl::StrCat("no behaviour '", type.name(), "UserBehavior' in application '",
                         application.empty() ? "(none)" : application, "' (its user types: ",
                         sorted_types.empty() ? "none" : absl::StrJoin(sorted_types, ", "), ")"));
      }
      if (!type.name().empty() && !seen.insert(type.name()).second) {
        check.Add(type_path + ".name",
                  absl::StrCat("user type '", type.name(), "' appears twice in the phase"));
      }
      if (type.ratio() <= 0) {
        check.Add(type_path, absl::StrCat("ratio must be > 0, not ", type.ratio()));
      }
      if (type.min_wait_ms() < 0 || type.min_wait_ms() > kMaxWaitMs) {
        check.Add(type_path, absl::StrCat("min_wait_ms must be in 0..", kMaxWaitMs, ", not ",
                                          type.min_wait_ms()));
      }
      if (type.max_wait_ms() < 0 || type.max_wait_ms() > kMaxWaitMs) {
        check.Add(type_path, absl::StrCat("max_wait_ms must be in 0..", kMaxWaitMs, ", not ",
                                          type.max_wait_ms()));
      }
      if (type.min_wait_ms() > type.max_wait_ms()) {
        check.Add(type_path, absl::StrCat("min_wait_ms ", type.min_wait_ms(), " > max_wait_ms ",
                                          type.max_wait_ms()));
      }
      if (open && (type.min_wait_ms() != 0 || type.max_wait_ms() != 0)) {
        check.Add(type_path,
                  "min_wait_ms and max_wait_ms do not apply in an open phase (arrival_rate_per_s "
                  "is set): an arrival runs one task, with no pause; remove them");
      }
    }
  }
  return check.ToStatus(filename);
}

bool IsOpen(const PhaseConfig& phase) { return phase.arrival_rate_per_s() != 0; }

double HatchRate(const PhaseConfig& phase) {
  return phase.has_spawn_rate_per_s() ? phase.spawn_rate_per_s() : phase.hatch_rate_per_s();
}

double PeakArrivalRate(const PhaseConfig& phase) {
  return std::max(phase.arrival_rate_per_s(),
                  phase.has_end_arrival_rate_per_s() ? phase.end_arrival_rate_per_s() : 0.0);
}

int MaxBusyUsers(const PhaseConfig& phase) {
  if (phase.max_users() > 0) return phase.max_users();
  const double users = std::ceil(PeakArrivalRate(phase) * 2);
  if (!(users > 10)) return 10;  // NaN too: an unvalidated config never makes a bad bound
  return users < 10000 ? static_cast<int>(users) : 10000;
}

absl::Duration MaxStartDelay(const PhaseConfig& phase) {
  return absl::Milliseconds(phase.has_max_start_delay_ms() ? phase.max_start_delay_ms()
                                                           : kDefaultMaxStartDelayMs);
}

absl::Duration StopTimeout(const LoadConfig& config) {
  return absl::Milliseconds(config.has_stop_timeout_ms() ? config.stop_timeout_ms()
                                                         : kDefaultStopTimeoutMs);
}

int MaxResponseHeaderBytes(const LoadConfig& config) {
  return config.has_max_response_header_bytes() ? config.max_response_header_bytes()
                                                : kDefaultMaxResponseHeaderBytes;
}

int MaxResponseBodyBytes(const LoadConfig& config) {
  return config.has_max_response_body_bytes() ? config.max_response_body_bytes()
                                              : kDefaultMaxResponseBodyBytes;
}

absl::Duration RequestTimeout(const LoadConfig& config) {
  return absl::Milliseconds(config.has_request_timeout_ms() ? config.request_timeout_ms()
                                                            : kDefaultRequestTimeoutMs);
}

absl::Duration ConnectTimeout(const LoadConfig& config) {
  return absl::Milliseconds(config.has_connect_timeout_ms() ? config.connect_timeout_ms()
                                                            : kDefaultConnectTimeoutMs);
}

std::string PhaseName(const LoadConfig& config, int phase) {
  if (phase >= 0 && phase < config.phases_size() && !config.phases(phase).name().empty()) {
    return config.phases(phase).name();
  }
  return absl::StrCat("phase", phase);
}

std::string ConfigDigest(const LoadConfig& config) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  config.SerializeToCodedStream(&coded);
  coded.Trim();
  // FNV-1a, 64 bits: stable across builds and machines, unlike absl::Hash.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return absl::StrFormat("%016x", h);
}

}  // namespace loadgen
