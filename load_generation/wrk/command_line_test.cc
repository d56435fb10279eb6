#include "load_generation/wrk/command_line.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

WrkOptions Parse(const std::vector<std::string>& args) {
  absl::StatusOr<WrkOptions> options = ParseWrkCommandLine(args);
  EXPECT_TRUE(options.ok()) << options.status();
  return options.ok() ? *options : WrkOptions{};
}

std::string Error(const std::vector<std::string>& args) {
  absl::StatusOr<WrkOptions> options = ParseWrkCommandLine(args);
  EXPECT_FALSE(options.ok());
  return std::string(options.status().message());
}

TEST(WrkCommandLine, TakesOptionsAfterTheUrlAsAIOpsLabWritesThem) {
  const WrkOptions o =
      Parse({"-D", "exp", "-t", "2", "-c", "2", "-d", "10s", "-L", "-s", "/scripts/mixed.lua",
             "http://frontend:5000", "-R", "100", "--latency"});
  EXPECT_EQ(o.distribution, ArrivalDistribution::kExponential);
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.connections, 2);
  EXPECT_EQ(o.duration_s, 10);
  EXPECT_EQ(o.rate, 100);
  EXPECT_TRUE(o.latency);
  EXPECT_FALSE(o.u_latency);
  EXPECT_EQ(o.script, "/scripts/mixed.lua");
  EXPECT_EQ(o.url, "http://frontend:5000");
  EXPECT_EQ(o.url_parts.host, "frontend");
  EXPECT_EQ(o.url_parts.port, "5000");
  EXPECT_EQ(o.url_parts.path, "/");
  EXPECT_THAT(o.script_args, ElementsAre("http://frontend:5000"));
}

TEST(WrkCommandLine, DefaultsAreWrk2s) {
  const WrkOptions o = Parse({"-R1", "http://h/"});
  EXPECT_EQ(o.threads, 2);
  EXPECT_EQ(o.connections, 10);
  EXPECT_EQ(o.duration_s, 10);
  EXPECT_EQ(o.timeout_ms, 2000);
  EXPECT_EQ(o.distribution, ArrivalDistribution::kFixed);
}

TEST(WrkCommandLine, LongShortAttachedAndBundledForms) {
  const WrkOptions o =
      Parse({"--threads=4", "--connections", "8", "-d2m", "-LU", "--rate=1k", "--timeout", "3s",
             "-H", "X-A: 1", "--header=X-B: 2", "--dist", "zipf", "https://[::1]:8443/p?q=1"});
  EXPECT_EQ(o.threads, 4);
  EXPECT_EQ(o.connections, 8);
  EXPECT_EQ(o.duration_s, 120);
  EXPECT_TRUE(o.latency);
  EXPECT_TRUE(o.u_latency);
  EXPECT_EQ(o.rate, 1000);
  EXPECT_EQ(o.timeout_ms, 3000);
  EXPECT_THAT(o.headers, ElementsAre("X-A: 1", "X-B: 2"));
  EXPECT_EQ(o.distribution, ArrivalDistribution::kZipf);
  EXPECT_EQ(o.url_parts.scheme, "https");
  EXPECT_EQ(o.url_parts.host, "::1");
  EXPECT_EQ(o.url_parts.port, "8443");
  EXPECT_EQ(o.url_parts.path, "/p?q=1");
}

TEST(WrkCommandLine, CsvIsLoadgensLongOption) {
  EXPECT_EQ(Parse({"-R1", "--csv", "out/run", "http://h"}).csv_prefix, "out/run");
  EXPECT_EQ(Parse({"-R1", "http://h", "--csv=x"}).csv_prefix, "x");
  EXPECT_EQ(Parse({"-R1", "--busy_poll_us", "100", "http://h"}).busy_poll, absl::Microseconds(100));
  EXPECT_EQ(Parse({"-R1", "http://h"}).busy_poll, absl::ZeroDuration());
  EXPECT_EQ(Error({"-R1", "--busy_poll_us=2000000", "http://h"}),
            "invalid busy poll: '2000000' (0 to 1000000 microseconds)");
  EXPECT_EQ(Error({"-R1", "--csv", "http://h"}), "") << "the URL taken as its value leaves none";
}

TEST(WrkCommandLine, UThenUrlThenScriptArguments) {
  const WrkOptions o = Parse({"-R", "10", "http://h:1/x", "-U", "--", "-t", "a b", "c"});
  EXPECT_TRUE(o.u_latency);
  EXPECT_TRUE(o.latency) << "-U implies -L, as in wrk2";
  EXPECT_EQ(o.threads, 2) << "after --, options are the script's";
  EXPECT_THAT(o.script_args, ElementsAre("http://h:1/x", "-t", "a b", "c"));
}

TEST(WrkCommandLine, EverySuffix) {
  EXPECT_EQ(*ScanWrkMetric("7"), 7u);
  EXPECT_EQ(*ScanWrkMetric("1k"), 1000u);
  EXPECT_EQ(*ScanWrkMetric("2K"), 2000u);
  EXPECT_EQ(*ScanWrkMetric("3M"), 3000000u);
  EXPECT_EQ(*ScanWrkMetric("1g"), 1000000000u);
  EXPECT_EQ(*ScanWrkMetric("1T"), 1000000000000u);
  EXPECT_EQ(*ScanWrkMetric("1p"), 1000000000000000u);
  EXPECT_EQ(*ScanWrkTime("30"), 30u);
  EXPECT_EQ(*ScanWrkTime("10s"), 10u);
  EXPECT_EQ(*ScanWrkTime("10S"), 10u);
  EXPECT_EQ(*ScanWrkTime("2m"), 120u);
  EXPECT_EQ(*ScanWrkTime("1h"), 3600u);
  EXPECT_FALSE(ScanWrkMetric("1.5k").ok());
  EXPECT_FALSE(ScanWrkMetric("k").ok());
  EXPECT_FALSE(ScanWrkMetric("1x").ok());
  EXPECT_FALSE(ScanWrkTime("1d").ok());
  EXPECT_FALSE(ScanWrkTime("").ok());
}

TEST(WrkCommandLine, BadInputSaysWhatIsWrong) {
  EXPECT_THAT(Error({"-R", "1", "-x", "http://h"}), HasSubstr("invalid option -- 'x'"));
  EXPECT_THAT(Error({"-R", "1", "--bogus", "http://h"}),
              HasSubstr("unrecognized option '--bogus'"));
  EXPECT_THAT(Error({"-R", "1", "--latency=3", "http://h"}),
              HasSubstr("doesn't allow an argument"));
  EXPECT_THAT(Error({"http://h", "-R"}), HasSubstr("option '-R' needs a value"));
  EXPECT_THAT(Error({"http://h"}), HasSubstr("Throughput MUST be specified"));
  EXPECT_THAT(Error({"-R", "1", "-t", "4", "-c", "2", "http://h"}),
              HasSubstr("number of connections must be >= threads"));
  EXPECT_THAT(Error({"-R", "1", "ftp://h"}), HasSubstr("invalid URL: ftp://h"));
  EXPECT_THAT(Error({"-R", "1", "http://"}), HasSubstr("invalid URL"));
  EXPECT_THAT(Error({"-R", "1", "http://h:99999"}), HasSubstr("invalid URL"));
  EXPECT_THAT(Error({"-R", "1", "-D", "poisson", "http://h"}), HasSubstr("invalid distribution"));
  EXPECT_THAT(Error({"-R", "1", "-d", "10x", "http://h"}), HasSubstr("invalid time: '10x'"));
  EXPECT_EQ(Error({"-R", "1"}), "") << "no URL: just the usage";
  EXPECT_EQ(Error({"-h"}), "");
}

TEST(WrkCommandLine, VersionIsAFlagTheCallerPrints) {
  absl::StatusOr<WrkOptions> o = ParseWrkCommandLine({"-v", "-R", "5", "http://h"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->version);
}

TEST(WrkCommandLine, UsageIsWrk2s) {
  EXPECT_THAT(WrkUsage(), HasSubstr("Usage: wrk <options> <url>"));
  EXPECT_THAT(WrkUsage(), HasSubstr("    -R, --rate        <T>  work rate (throughput)"));
}

}  // namespace
}  // namespace loadgen
