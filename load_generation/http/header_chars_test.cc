#include "load_generation/http/header_chars.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace loadgen::header_chars {
namespace {

TEST(HeaderChars, ClassesAreRfc9110s) {
  for (char c : std::string("aZ09!#$%&'*+-.^_`|~")) EXPECT_TRUE(Is(c, kToken)) << c;
  for (char c : std::string(" \t:;,\"()/<=>?@[\\]{}\x7f\x80")) EXPECT_FALSE(Is(c, kToken)) << c;
  for (char c : std::string(" \t~\x80\xff:")) EXPECT_TRUE(Is(c, kText)) << int{c};
  for (char c : std::string("\r\n\x7f\x1f", 4)) EXPECT_FALSE(Is(c, kText)) << int{c};
  EXPECT_FALSE(Is('\0', kText));
}

// Every way of finding the end of text agrees with the definition: on strings of every length
// from 0 to 40 made of the bytes at the edges of the classes, in every position of a word.
TEST(HeaderChars, TextEndAgreesWithTheDefinitionEveryWay) {
  const std::string edges(
      "\x00\x01\t\n\r\x1f\x20\x7e\x7f\x80\xff"
      "aZ:",
      14);
  std::mt19937 random(7);
  std::uniform_int_distribution<size_t> pick(0, edges.size() - 1), text(6, 13), flip(0, 9);
  for (int round = 0; round < 20000; ++round) {
    std::string s(static_cast<size_t>(round % 41), 'x');
    // Mostly text, as header values are, with a byte of any kind here and there.
    for (char& c : s) c = edges[flip(random) == 0 ? pick(random) : text(random)];
    const char* begin = s.data();
    const char* end = s.data() + s.size();
    const char* expected = TextEndByBytes(begin, end);
    EXPECT_EQ(TextEndByWords(begin, end) - begin, expected - begin) << s;
#if defined(__SSE2__)
    EXPECT_EQ(TextEndBy16(begin, end) - begin, expected - begin) << s;
#endif
    EXPECT_EQ(TextEnd(begin, end) - begin, expected - begin) << s;
  }
}

// Both ways of finding the end of a header name agree with the definition, on strings of every
// length from 0 to 40 made mostly of letters, digits and '-', with now and then a byte at an edge
// of the ranges the quick way tests or another token character.
TEST(HeaderChars, TokenEndAgreesWithTheDefinitionEveryWay) {
  const std::string common("aAzZ09-"), edges("@[`{/:,.\x80\xff\x00_!~ \t\r", 17);
  std::mt19937 random(11);
  std::uniform_int_distribution<size_t> pick_common(0, common.size() - 1),
      pick_edge(0, edges.size() - 1), flip(0, 15);
  for (int round = 0; round < 20000; ++round) {
    std::string s(static_cast<size_t>(round % 41), 'x');
    for (char& c : s)
      c = flip(random) == 0 ? edges[pick_edge(random)] : common[pick_common(random)];
    const char* begin = s.data();
    const char* end = s.data() + s.size();
    const char* expected = TokenEndByBytes(begin, end);
#if defined(__SSE2__)
    EXPECT_EQ(TokenEndBy16(begin, end) - begin, expected - begin) << s;
#endif
    EXPECT_EQ(TokenEnd(begin, end) - begin, expected - begin) << s;
  }
}

}  // namespace
}  // namespace loadgen::header_chars
