#include "load_generation/report/thresholds.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::HasSubstr;

ThresholdConfig Threshold(const std::string& text) {
  absl::StatusOr<LoadConfig> config = ParseLoadConfig("thresholds { " + text + " }", "t.pbtxt");
  EXPECT_TRUE(config.ok()) << config.status();
  return config->thresholds(0);
}

const std::vector<ThresholdResult> kResults = {
    {.threshold = Threshold(R"pb(metric: "p50" below: 51 request: "/" phase: "steady")pb"),
     .value = 50.25,
     .passed = true},
    {.threshold = Threshold(R"pb(metric: "p95" below: 1 request: "/<x>")pb"), .passed = false},
    {.threshold = Threshold(R"pb(metric: "rps" above: 100)pb"), .value = 80, .passed = false},
};

TEST(Thresholds, Names) {
  EXPECT_EQ(ThresholdName(kResults[0].threshold), "p50 of / in phase steady < 51 ms");
  EXPECT_EQ(ThresholdName(kResults[2].threshold), "rps > 100 req/s");
  EXPECT_EQ(ThresholdName(Threshold(R"pb(metric: "failure_ratio" below: 0.01)pb")),
            "failure_ratio < 0.01");
}

TEST(Thresholds, Table) {
  const std::string table = FormatThresholdTable(kResults);
  EXPECT_THAT(table, HasSubstr("p50 of / in phase steady < 51 ms  50.25 ms        PASS\n"));
  EXPECT_THAT(table, HasSubstr("no requests     FAIL\n"));
  EXPECT_THAT(table, HasSubstr("80 req/s        FAIL\n"));
  EXPECT_THAT(table, HasSubstr("2 of 3 thresholds failed\n"));
  EXPECT_THAT(FormatThresholdTable({kResults[0]}), HasSubstr("all thresholds passed"));
}

TEST(Thresholds, Csv) {
  const std::string csv = ThresholdsCsv(kResults);
  EXPECT_THAT(csv, HasSubstr("metric,request,phase,bound,limit,value,result\r\n"));
  EXPECT_THAT(csv, HasSubstr("p50,/,steady,below,51,50.25,pass\r\n"));
  EXPECT_THAT(csv, HasSubstr("p95,/<x>,,below,1,,fail\r\n"));
}

TEST(Thresholds, JUnit) {
  const std::string xml = ThresholdsJUnit(kResults, absl::Seconds(20));
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"loadgen\" tests=\"3\" failures=\"2\""));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"loadgen.thresholds\" "
                             "name=\"p50 of / in phase steady &lt; 51 ms\" time=\"0\"/>"));
  EXPECT_THAT(xml, HasSubstr("name=\"p95 of /&lt;x&gt; &lt; 1 ms\" time=\"0\">\n"
                             "      <failure message=\"value no requests\" type=\"threshold\">"));
}

}  // namespace
}  // namespace loadgen
