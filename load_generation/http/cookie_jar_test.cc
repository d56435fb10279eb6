#include "load_generation/http/cookie_jar.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loadgen {
namespace {

using Cookies = std::vector<std::pair<std::string, std::string>>;

TEST(CookieJar, KeepsWhatTheTargetSetsInOrder) {
  CookieJar jar;
  EXPECT_EQ(jar.header(), "");
  jar.Store("shop_session-id=abc; Path=/; HttpOnly");
  jar.Store("currency=EUR");
  EXPECT_EQ(jar.header(), "shop_session-id=abc; currency=EUR");
  EXPECT_EQ(jar.cookies(), (Cookies{{"shop_session-id", "abc"}, {"currency", "EUR"}}));
}

TEST(CookieJar, ReplacesAndExpires) {
  CookieJar jar;
  jar.Store("a=1");
  jar.Store("b=2");
  jar.Store("a=1; Max-Age=60");
  EXPECT_EQ(jar.header(), "a=1; b=2") << "the same value changes nothing";
  jar.Store("a=3");
  EXPECT_EQ(jar.header(), "a=3; b=2");
  jar.Store("b=; max-age=0");
  EXPECT_EQ(jar.header(), "a=3");
  jar.Store("never=set; Max-Age=-1");
  EXPECT_EQ(jar.header(), "a=3");
}

TEST(CookieJar, IgnoresMalformedHeaders) {
  CookieJar jar;
  for (const char* bad : {"", "noequals", "=value", " ; Path=/"}) jar.Store(bad);
  EXPECT_TRUE(jar.cookies().empty());
  EXPECT_EQ(jar.header(), "");
  jar.Store("  spaced = x ; Secure");
  EXPECT_EQ(jar.cookies(), (Cookies{{"spaced ", " x"}}));
}

}  // namespace
}  // namespace loadgen
