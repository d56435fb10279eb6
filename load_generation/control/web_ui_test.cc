#include "load_generation/control/web_ui.h"

#include "gtest/gtest.h"

namespace loadgen {
namespace {

TEST(WebUiTest, PageIsWithinItsSizeBudget) {
  EXPECT_GT(WebUiPage().size(), 1000u);
  EXPECT_LE(WebUiPage().size(), 300u * 1024) << "the page's budget is 300 KB";
}

TEST(WebUiTest, PageFetchesNothingFromElsewhere) {
  // Offline: no script, style, font or image from another host.
  for (const char* fetch : {"src=\"http", "href=\"http", "url(http", "import(", "fetch(\"http",
                            "src=\"//", "href=\"//"}) {
    EXPECT_EQ(WebUiPage().find(fetch), absl::string_view::npos) << fetch;
  }
}

TEST(WebUiTest, PageIsOneWholeDocument) {
  EXPECT_EQ(WebUiPage().substr(0, 15), absl::string_view("<!doctype html>"));
  EXPECT_NE(WebUiPage().find("</html>"), absl::string_view::npos);
}

}  // namespace
}  // namespace loadgen
