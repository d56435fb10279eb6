#include "load_generation/http/form.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(ParseForm, FieldsInOrderDecodedWithRepeatsKept) {
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> form = ParseForm(
      "user_count=50&spawn_rate=2.5&host=http%3A%2F%2Ffrontend%3A80&user_classes=Normal"
      "&user_classes=Weekend&note=a+b%20c&empty=&flag");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_THAT(*form, ElementsAre(Pair("user_count", "50"), Pair("spawn_rate", "2.5"),
                                 Pair("host", "http://frontend:80"), Pair("user_classes", "Normal"),
                                 Pair("user_classes", "Weekend"), Pair("note", "a b c"),
                                 Pair("empty", ""), Pair("flag", "")));
  EXPECT_TRUE(ParseForm("")->empty());
}

TEST(ParseForm, ABrokenEscapeIsNamed) {
  EXPECT_THAT(ParseForm("host=%zz").status().message(),
              HasSubstr("bad %-escape at byte 0 of '%zz'"));
  EXPECT_THAT(ParseForm("host=ab%4").status().message(), HasSubstr("bad %-escape at byte 2"));
}

}  // namespace
}  // namespace loadgen
