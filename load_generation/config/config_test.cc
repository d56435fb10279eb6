#include "load_generation/config/config.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Message(const absl::Status& status) { return std::string(status.message()); }

const std::vector<std::string> kShopTypes = {"Weekend", "Normal", "Holiday"};

constexpr char kValid[] = R"pb(
  phases {
    user_types { name: "Normal" ratio: 1 min_wait_ms: 500 max_wait_ms: 1500 }
    duration: 50
    num_users: 100
    hatch_rate_per_s: 30
  }
)pb";

// The validation message for `text`, which must parse.
std::string ValidationError(const std::string& text) {
  absl::StatusOr<LoadConfig> config = ParseLoadConfig(text, "load.pbtxt");
  EXPECT_TRUE(config.ok()) << config.status();
  if (!config.ok()) return "";
  absl::Status status = ValidateLoadConfig(*config, "load.pbtxt", "hipster_shop", kShopTypes);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

std::string Phase(const std::string& body) { return "phases { " + body + " }"; }

constexpr char kNormal[] = "user_types { name: \"Normal\" ratio: 1 }";

TEST(ParseLoadConfig, ValidConfigParsesAndValidates) {
  absl::StatusOr<LoadConfig> config = ParseLoadConfig(kValid, "load.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(ValidateLoadConfig(*config, "load.pbtxt", "hipster_shop", kShopTypes).ok());
  EXPECT_EQ(StopTimeout(*config), absl::Seconds(5));
  EXPECT_EQ(RequestTimeout(*config), absl::Seconds(10));
  EXPECT_EQ(PhaseName(*config, 0), "phase0");
}

TEST(ParseLoadConfig, SyntaxErrorNamesFileLineAndColumn) {
  absl::StatusOr<LoadConfig> config = ParseLoadConfig("phases {\n  duration: 10\n", "a.pbtxt");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(config.status()), StartsWith("a.pbtxt:3:1: "));
}

TEST(ParseLoadConfig, UnknownField) {
  auto config = ParseLoadConfig("phases { num_usres: 3 }", "a.pbtxt");
  EXPECT_THAT(Message(config.status()),
              AllOf(StartsWith("a.pbtxt:1:"), HasSubstr("no field named \"num_usres\"")));
}

TEST(ParseLoadConfig, WrongType) {
  auto config = ParseLoadConfig("phases {\n duration: \"ten\" }", "a.pbtxt");
  EXPECT_THAT(Message(config.status()),
              AllOf(StartsWith("a.pbtxt:2:"), HasSubstr("Expected integer")));
}

TEST(ParseLoadConfig, OutOfRangeNumber) {
  auto config = ParseLoadConfig("phases { num_users: 99999999999 }", "a.pbtxt");
  EXPECT_THAT(Message(config.status()), AllOf(StartsWith("a.pbtxt:1:"), HasSubstr("out of range")));
}

TEST(ParseLoadConfig, BinaryContentIsRejectedBeforeParsing) {
  auto config = ParseLoadConfig(std::string("\x0a\x04\x10\x00\x18\x05", 6), "a.bin");
  EXPECT_THAT(Message(config.status()),
              AllOf(StartsWith("a.bin: not a text-format config"), HasSubstr("offset 3")));
  auto latin1 = ParseLoadConfig("phases { name: \"caf\xe9\" }", "b.pbtxt");
  EXPECT_THAT(Message(latin1.status()), HasSubstr("offset 19"));
}

TEST(ReadLoadConfig, UnreadableFileIsNamed) {
  auto config = ReadLoadConfig("/nonexistent/load.pbtxt");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(config.status()),
              HasSubstr("/nonexistent/load.pbtxt: cannot read config: No such file"));
  auto directory = ReadLoadConfig("/");
  EXPECT_EQ(Message(directory.status()),
            "/: cannot read config: is a directory, not a regular file");
}

TEST(ReadFileToString, NeverBlocksOnAFifoNorReadsADeviceForever) {
  const std::string fifo = ::testing::TempDir() + "/config.fifo";
  std::remove(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(Message(ReadFileToString(fifo).status()), "is a FIFO, not a regular file");
  EXPECT_EQ(Message(ReadFileToString("/dev/zero").status()), "is a device, not a regular file");
  EXPECT_EQ(Message(ReadLoadConfig(fifo).status()),
            fifo + ": cannot read config: is a FIFO, not a regular file");
}

TEST(ReadFileToString, RefusesAFileOverItsLimit) {
  const std::string path = ::testing::TempDir() + "/big.txt";
  std::ofstream(path) << std::string(1000, 'x');
  EXPECT_EQ(ReadFileToString(path, 1000)->size(), 1000u);
  EXPECT_EQ(Message(ReadFileToString(path, 999).status()),
            "is 1000 bytes, over the limit of 999 bytes");
  EXPECT_EQ(ReadFileToString(path, 999).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ReadLoadConfig, ReadsAFile) {
  std::string path = ::testing::TempDir() + "/load.pbtxt";
  std::ofstream(path) << kValid;
  auto config = ReadLoadConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->phases(0).num_users(), 100);
}

TEST(ValidateLoadConfig, ResponseHeaderLimit) {
  const std::string phase = Phase(std::string(kNormal) + " duration: 5");
  EXPECT_THAT(
      ValidationError("max_response_header_bytes: 100 " + phase),
      HasSubstr("load.pbtxt: max_response_header_bytes: must be in 1024..16777216, not 100"));
  absl::StatusOr<LoadConfig> config = ParseLoadConfig(phase, "load.pbtxt");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(MaxResponseHeaderBytes(*config), 65536);
}

TEST(ValidateLoadConfig, ResponseBodyLimit) {
  const std::string phase = Phase(std::string(kNormal) + " duration: 5");
  EXPECT_THAT(
      ValidationError("max_response_body_bytes: 1000 " + phase),
      HasSubstr("load.pbtxt: max_response_body_bytes: must be in 1024..1073741824, not 1000"));
  absl::StatusOr<LoadConfig> config = ParseLoadConfig(phase, "load.pbtxt");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(MaxResponseBodyBytes(*config), 64 << 20);
  config = ParseLoadConfig("max_response_body_bytes: 4096 " + phase, "load.pbtxt");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(MaxResponseBodyBytes(*config), 4096);
}

TEST(ValidateLoadConfig, NoPhases) {
  EXPECT_EQ(ValidationError(""), "load.pbtxt: phases: the config has no phases; add at least one");
}

TEST(ValidateLoadConfig, PhaseWithUsersButNoUserTypes) {
  EXPECT_EQ(ValidationError(Phase("duration: 5 num_users: 1 hatch_rate_per_s: 1")),
            "load.pbtxt: phases[0]: the phase has num_users but no user_types; add at least one "
            "(a phase with num_users: 0 and no user types is an idle one, a cooldown)");
}

TEST(ValidateLoadConfig, AnIdlePhaseNeedsNoUserTypes) {
  absl::StatusOr<LoadConfig> config = ParseLoadConfig(
      Phase(std::string(kNormal) + " duration: 5 num_users: 3 hatch_rate_per_s: 1") +
          Phase("name: \"cooldown\" duration: 15"),
      "load.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(ValidateLoadConfig(*config, "load.pbtxt", "app", {"Normal"}).ok());
}

TEST(ValidateLoadConfig, AFractionalSpawnRateStandsInForTheHatchRate) {
  const std::string users = std::string(kNormal) + " duration: 5 num_users: 3";
  EXPECT_THAT(ValidationError(Phase(users + " spawn_rate_per_s: 0")),
              HasSubstr("phases[0]: spawn_rate_per_s must be in (0, 1000000], not 0"));
  absl::StatusOr<LoadConfig> config =
      ParseLoadConfig(Phase(users + " spawn_rate_per_s: 0.5"), "load.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(ValidateLoadConfig(*config, "load.pbtxt", "app", {"Normal"}).ok());
  EXPECT_EQ(HatchRate(config->phases(0)), 0.5);
}

TEST(ValidateLoadConfig, DurationMustBePositive) {
  EXPECT_THAT(ValidationError(Phase(std::string(kNormal) + " duration: 0")),
              HasSubstr("load.pbtxt: phases[0]: duration must be in 1..31622400 seconds, not 0"));
}

TEST(ValidateLoadConfig, NegativeUsers) {
  EXPECT_THAT(ValidationError(Phase(std::string(kNormal) + " duration: 5 num_users: -3")),
              HasSubstr("phases[0]: num_users must be in 0..1000000, not -3"));
}

TEST(ValidateLoadConfig, HatchRateNeededWhenThereAreUsers) {
  EXPECT_THAT(ValidationError(Phase(std::string(kNormal) + " duration: 5 num_users: 3")),
              HasSubstr("phases[0]: hatch_rate_per_s must be > 0 when num_users > 0, not 0"));
}

TEST(ValidateLoadConfig, OpenPhases) {
  const std::string open = std::string(kNormal) + " duration: 5 arrival_rate_per_s: 100 ";
  absl::StatusOr<LoadConfig> config = ParseLoadConfig(
      Phase(open + "end_arrival_rate_per_s: 0 arrival_distribution: NORMAL "
                   "arrival_stddev_ms: 2.5 max_users: 7 max_start_delay_ms: 0") +
          Phase(open + "arrival_distribution: EXPONENTIAL") +
          Phase(std::string(kNormal) + " duration: 5 num_users: 3 hatch_rate_per_s: 1"),
      "load.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(ValidateLoadConfig(*config, "load.pbtxt", "app", {"Normal"}).ok());
  EXPECT_TRUE(IsOpen(config->phases(0)));
  EXPECT_FALSE(IsOpen(config->phases(2)));
  EXPECT_EQ(MaxBusyUsers(config->phases(0)), 7);
  EXPECT_EQ(MaxBusyUsers(config->phases(1)), 200);  // 100/s for 2 s
  EXPECT_EQ(MaxStartDelay(config->phases(0)), absl::ZeroDuration());
  EXPECT_EQ(MaxStartDelay(config->phases(1)), absl::Seconds(10));
}

TEST(ValidateLoadConfig, Thresholds) {
  const std::string peak = Phase(std::string(kNormal) +
                                 " name: \"peak\" duration: 5 "
                                 "num_users: 3 hatch_rate_per_s: 1");
  absl::StatusOr<LoadConfig> config =
      ParseLoadConfig(peak + R"pb(
                        thresholds { metric: "p95" below: 200 }
                        thresholds { metric: "p99" below: 500 request: "/cart" phase: "peak" }
                        thresholds { metric: "failure_ratio" below: 0.01 }
                        thresholds { metric: "rps" above: 100 phase: "peak" }
                      )pb",
                      "load.pbtxt");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(ValidateLoadConfig(*config, "load.pbtxt", "app", {"Normal"}).ok());

  EXPECT_THAT(ValidationError(peak + R"pb(thresholds { metric: "p42" below: 1 })pb"),
              HasSubstr("load.pbtxt: thresholds[0].metric: unknown metric 'p42'; the metrics: "
                        "p50, p90, p95, p99, p99.9, max, mean, failure_ratio, rps"));
  EXPECT_THAT(ValidationError(peak + R"pb(thresholds { metric: "p99" below: 1 phase: "pk" })pb"),
              HasSubstr("thresholds[0].phase: no phase 'pk' (the phases: peak)"));
  EXPECT_THAT(ValidationError(peak + R"pb(thresholds { metric: "p99" })pb"),
              HasSubstr("thresholds[0]: give exactly one bound: below or above"));
  EXPECT_THAT(ValidationError(peak + R"pb(thresholds { metric: "rps" below: 1 above: 2 })pb"),
              HasSubstr("thresholds[0]: give exactly one bound: below or above"));
  EXPECT_THAT(ValidationError(peak + R"pb(thresholds { metric: "rps" above: -1 })pb"),
              HasSubstr("thresholds[0]: a bound must be a number >= 0, not -1"));
  EXPECT_THAT(
      ValidationError(peak + R"pb(thresholds { metric: "rps" above: 1 abort_delay_s: 5 })pb"),
      HasSubstr("thresholds[0]: abort_delay_s applies only with abort_on_fail: true"));
  EXPECT_THAT(ValidationError(peak + R"pb(thresholds {
                                            metric: "rps"
                                            above: 1
                                            abort_on_fail: true
                                            abort_delay_s: -5
                                          })pb"),
              HasSubstr("thresholds[0]: abort_delay_s must be in 0..31622400, not -5"));
  // An unnamed phase is named as reports name it.
  EXPECT_TRUE(
      ValidateLoadConfig(
          *ParseLoadConfig(Phase(std::string(kNormal) + " duration: 5 num_users: 3 "
                                                        "hatch_rate_per_s: 1") +
                               R"pb(thresholds { metric: "max" below: 1 phase: "phase0" })pb",
                           "load.pbtxt"),
          "load.pbtxt", "app", {"Normal"})
          .ok());
}

TEST(ValidateLoadConfig, OpenPhaseContradictions) {
  const std::string normal = std::string(kNormal) + " duration: 5 ";
  EXPECT_THAT(ValidationError(Phase(normal + "arrival_rate_per_s: -5")),
              HasSubstr("phases[0].arrival_rate_per_s: must be in (0, 1000000], not -5"));
  EXPECT_THAT(ValidationError(Phase(normal + "arrival_rate_per_s: nan")),
              HasSubstr("phases[0].arrival_rate_per_s: must be in (0, 1000000], not nan"));
  EXPECT_THAT(ValidationError(Phase(normal + "arrival_rate_per_s: 5 end_arrival_rate_per_s: -1")),
              HasSubstr("phases[0].end_arrival_rate_per_s: must be in [0, 1000000], not -1"));
  EXPECT_THAT(ValidationError(Phase(normal + "arrival_rate_per_s: 5 arrival_distribution: NORMAL")),
              HasSubstr("phases[0].arrival_stddev_ms: a NORMAL arrival_distribution needs it in "
                        "(0, 86400000], not 0"));
  EXPECT_THAT(ValidationError(Phase(normal + "arrival_rate_per_s: 5 arrival_stddev_ms: 3")),
              HasSubstr("phases[0].arrival_stddev_ms: applies only to a NORMAL "
                        "arrival_distribution, not FIXED"));
  EXPECT_THAT(ValidationError(Phase(normal + "arrival_rate_per_s: 5 arrival_distribution: 7")),
              HasSubstr("phases[0].arrival_distribution: must be FIXED, EXPONENTIAL, NORMAL or "
                        "ZIPF, not 7"));
  EXPECT_THAT(ValidationError(Phase(normal + "arrival_rate_per_s: 5 num_users: 10")),
              HasSubstr("phases[0].num_users: does not apply in an open phase"));
  EXPECT_THAT(ValidationError(Phase(normal + "arrival_rate_per_s: 5 max_users: -1")),
              HasSubstr("phases[0].max_users: must be in 1..1000000, not -1"));
  EXPECT_THAT(ValidationError(Phase(normal + "arrival_rate_per_s: 5 max_start_delay_ms: -1")),
              HasSubstr("phases[0].max_start_delay_ms: must be in 0..3600000, not -1"));
  EXPECT_THAT(
      ValidationError(Phase("user_types { name: \"Normal\" ratio: 1 max_wait_ms: 10 } "
                            "duration: 5 arrival_rate_per_s: 5")),
      HasSubstr("phases[0].user_types[0]: min_wait_ms and max_wait_ms do not apply in an open "
                "phase"));
  EXPECT_THAT(ValidationError(Phase("duration: 5 arrival_rate_per_s: 5")),
              HasSubstr("phases[0]: an open phase (arrival_rate_per_s is set) needs user_types"));
  EXPECT_THAT(ValidationError(Phase(normal + "num_users: 1 hatch_rate_per_s: 1 max_users: 4 "
                                             "arrival_distribution: EXPONENTIAL")),
              HasSubstr("phases[0]: arrival_distribution, max_users apply only to an open phase; "
                        "set arrival_rate_per_s"));
}

TEST(ValidateLoadConfig, RatioMustBePositive) {
  EXPECT_THAT(ValidationError(Phase("user_types { name: \"Normal\" ratio: 0 } duration: 5")),
              HasSubstr("load.pbtxt: phases[0].user_types[0]: ratio must be > 0, not 0"));
}

TEST(ValidateLoadConfig, NegativeWait) {
  EXPECT_THAT(ValidationError(
                  Phase("user_types { name: \"Normal\" ratio: 1 min_wait_ms: -1 } duration: 5")),
              HasSubstr("phases[0].user_types[0]: min_wait_ms must be in 0..86400000, not -1"));
}

TEST(ValidateLoadConfig, MinWaitAboveMaxWait) {
  std::string text = Phase(std::string(kNormal) + " duration: 5") +
                     Phase(
                         "user_types { name: \"Normal\" ratio: 1 } user_types { name: "
                         "\"Weekend\" ratio: 2 min_wait_ms: 900 max_wait_ms: 200 } duration: 5");
  EXPECT_EQ(ValidationError(text),
            "load.pbtxt: phases[1].user_types[1]: min_wait_ms 900 > max_wait_ms 200");
}

TEST(ValidateLoadConfig, UserTypeTwiceInAPhase) {
  EXPECT_THAT(ValidationError(Phase(std::string(kNormal) + kNormal + " duration: 5")),
              HasSubstr("phases[0].user_types[1].name: user type 'Normal' appears twice"));
}

TEST(ValidateLoadConfig, UnknownUserTypeListsTheApplicationsTypes) {
  EXPECT_EQ(ValidationError(Phase("user_types { name: \"Weeknd\" ratio: 1 } duration: 5")),
            "load.pbtxt: phases[0].user_types[0].name: no behaviour 'WeekndUserBehavior' in "
            "application 'hipster_shop' (its user types: Holiday, Normal, Weekend)");
}

TEST(ValidateLoadConfig, BadRunSettings) {
  std::string text = std::string(kValid) +
                     "loops: -1 run_time_s: -5 stop_timeout_ms: -1 request_timeout_ms: 0 "
                     "connect_timeout_ms: -2";
  std::string message = ValidationError(text);
  EXPECT_THAT(message, HasSubstr("load.pbtxt: loops: must be >= 0, not -1"));
  EXPECT_THAT(message, HasSubstr("load.pbtxt: run_time_s: must be >= 0, not -5"));
  EXPECT_THAT(message, HasSubstr("load.pbtxt: stop_timeout_ms: must be >= 0, not -1"));
  EXPECT_THAT(message, HasSubstr("load.pbtxt: request_timeout_ms: must be > 0, not 0"));
  EXPECT_THAT(message, HasSubstr("load.pbtxt: connect_timeout_ms: must be > 0, not -2"));
}

TEST(ValidateLoadConfig, EveryBrokenRuleIsReportedOnItsOwnLine) {
  std::string message =
      ValidationError(Phase("user_types { name: \"Nope\" ratio: -1 } duration: -1 num_users: 5"));
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 3) << message;
}

TEST(ConfigDigest, ChangesWithContentOnly) {
  auto a = ParseLoadConfig(kValid, "a");
  auto b = ParseLoadConfig(std::string("# comment\n") + kValid, "b");
  auto c = ParseLoadConfig(std::string(kValid) + "loops: 2", "c");
  EXPECT_EQ(ConfigDigest(*a), ConfigDigest(*b));
  EXPECT_NE(ConfigDigest(*a), ConfigDigest(*c));
  EXPECT_EQ(ConfigDigest(*a).size(), 16u);
}

}  // namespace
}  // namespace loadgen
