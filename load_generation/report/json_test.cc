#include "load_generation/report/json.h"

#include <limits>

#include "gtest/gtest.h"

namespace loadgen {
namespace {

TEST(JsonString, EscapesWhatJsonAndHtmlNeed) {
  EXPECT_EQ(JsonString("plain /cart"), "\"plain /cart\"");
  EXPECT_EQ(JsonString("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
  EXPECT_EQ(JsonString("<script>&"), "\"\\u003cscript\\u003e\\u0026\"");
  EXPECT_EQ(JsonString("caf\xc3\xa9"), "\"caf\xc3\xa9\"") << "UTF-8 passes as it is";
}

TEST(JsonNumber, WholeNumbersWithoutDecimalsAndNullForWhatJsonCannotHold) {
  EXPECT_EQ(JsonNumber(42), "42");
  EXPECT_EQ(JsonNumber(-3), "-3");
  EXPECT_EQ(JsonNumber(0.125), "0.125");
  EXPECT_EQ(JsonNumber(1234.5678), "1234.5678");
  EXPECT_EQ(JsonNumber(1e20), "1e+20");
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(JsonNumber(std::numeric_limits<double>::infinity()), "null");
}

}  // namespace
}  // namespace loadgen
