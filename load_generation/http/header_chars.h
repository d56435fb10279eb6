#ifndef LOAD_GENERATION_HTTP_HEADER_CHARS_H_
#define LOAD_GENERATION_HTTP_HEADER_CHARS_H_

// The characters of a response's header, as RFC 9110 classes them, and the scans for the end of a
// header name and of a line's text that the response parser's quick path makes for every line.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace loadgen::header_chars {

// A header name's characters (tchar), and a reason phrase's or header value's (anything but a
// control character, tab aside).
inline constexpr uint8_t kToken = 1, kText = 2;

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    if ((c >= 0x20 && c != 0x7f) || c == '\t') classes[c] |= kText;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      classes[c] |= kToken;
    }
  }
  for (const char* c = "!#$%&'*+-.^_`|~"; *c != '\0'; ++c) {
    classes[static_cast<uint8_t>(*c)] |= kToken;
  }
  return classes;
}
inline constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

inline bool Is(char c, uint8_t class_bit) {
  return (kClasses[static_cast<uint8_t>(c)] & class_bit) != 0;
}

// TextEnd(p, end): the first byte of [p, end) that is not text (a control character other than
// tab, or DEL), `end` if there is none. Three ways, which header_chars_test holds to the first;
// TextEnd is the fastest the machine has. Inlined where they are used, as the compiler would
// not: values are short, and the call was a fifth of the scan's cost.

// Byte by byte: the definition, and the way for what is left after whole words.
[[gnu::always_inline]] inline const char* TextEndByBytes(const char* p, const char* end) {
  while (p < end && Is(*p, kText)) ++p;
  return p;
}

// Eight bytes at a time: a word is looked at byte by byte only from its first byte that may not
// be text (below 0x20, tab included, or 0x7f). In a word read in memory order (little-endian),
// the lowest byte the test flags is always one of those: a false flag needs a borrow from a
// flagged byte below it.
[[gnu::always_inline]] inline const char* TextEndByWords(const char* p, const char* end) {
  static_assert(std::endian::native == std::endian::little);
  constexpr uint64_t kOnes = 0x0101010101010101, kHigh = 0x8080808080808080;
  for (; end - p >= 8; p += 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    const uint64_t del = x ^ (kOnes * 0x7f);  // a zero byte where x has 0x7f
    const uint64_t flagged = (((x - kOnes * 0x20) & ~x) | ((del - kOnes) & ~del)) & kHigh;
    if (flagged != 0) {
      for (int i = std::countr_zero(flagged) / 8; i < 8; ++i) {
        if (!Is(p[i], kText)) return p + i;
      }
    }
  }
  return TextEndByBytes(p, end);
}

#if defined(__SSE2__)
// Sixteen bytes at a time (8 % fewer nanoseconds per response than by words): bytes 0x00 to
// 0x1f and 0x7f are flagged (as signed bytes, 0x80 and up are negative: text), a flagged tab
// passed over.
[[gnu::always_inline]] inline const char* TextEndBy16(const char* p, const char* end) {
  const __m128i space = _mm_set1_epi8(0x20), minus_one = _mm_set1_epi8(-1);
  const __m128i del = _mm_set1_epi8(0x7f);
  for (; end - p >= 16; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i control = _mm_and_si128(_mm_cmplt_epi8(x, space), _mm_cmpgt_epi8(x, minus_one));
    auto flagged =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(control, _mm_cmpeq_epi8(x, del))));
    for (; flagged != 0; flagged &= flagged - 1) {
      const int i = std::countr_zero(flagged);
      if (p[i] != '\t') return p + i;
    }
  }
  return TextEndByBytes(p, end);
}
#endif

[[gnu::always_inline]] inline const char* TextEnd(const char* p, const char* end) {
#if defined(__SSE2__)
  return TextEndBy16(p, end);
#else
  return TextEndByWords(p, end);
#endif
}

// TokenEnd(p, end): the first byte of [p, end) that is not a token character, `end` if there is
// none. Two ways, which header_chars_test holds to the first.

// Byte by byte: the definition.
[[gnu::always_inline]] inline const char* TokenEndByBytes(const char* p, const char* end) {
  while (p < end && Is(*p, kToken)) ++p;
  return p;
}

#if defined(__SSE2__)
// Sixteen bytes at a time for what names are made of as a rule (letters, digits and '-'): the
// first other byte ends the name unless it is one of the other token characters ('_', '.' and
// such), from which the scan goes on byte by byte. Bytes from 0x80 are negative as signed bytes,
// so none is taken for a letter or a digit; setting bit 5 makes a letter lower-case and turns no
// other byte into one.
[[gnu::always_inline]] inline const char* TokenEndBy16(const char* p, const char* end) {
  const auto in = [](__m128i x, char low, char high) {
    return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(low - 1))),
                         _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(high + 1))));
  };
  for (; end - p >= 16; p += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i common = _mm_or_si128(
        _mm_or_si128(in(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 'z'), in(x, '0', '9')),
        _mm_cmpeq_epi8(x, _mm_set1_epi8('-')));
    const auto others = static_cast<unsigned>(~_mm_movemask_epi8(common)) & 0xffffU;
    if (others != 0) {
      const char* first = p + std::countr_zero(others);
      return Is(*first, kToken) ? TokenEndByBytes(first, end) : first;
    }
  }
  return TokenEndByBytes(p, end);
}
#endif

[[gnu::always_inline]] inline const char* TokenEnd(const char* p, const char* end) {
#if defined(__SSE2__)
  return TokenEndBy16(p, end);
#else
  return TokenEndByBytes(p, end);
#endif
}

}  // namespace loadgen::header_chars

#endif  // LOAD_GENERATION_HTTP_HEADER_CHARS_H_
