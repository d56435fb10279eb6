#include "load_generation/http/form.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace loadgen {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> Decode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else if (i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 && HexDigit(text[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2]));
      i += 2;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("bad %-escape at byte ", i, " of '", text, "'"));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseForm(absl::string_view body) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (absl::string_view field : absl::StrSplit(body, '&', absl::SkipEmpty())) {
    const std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(field, absl::MaxSplits('=', 1));
    absl::StatusOr<std::string> name = Decode(parts.first);
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> value = Decode(parts.second);
    if (!value.ok()) return value.status();
    fields.emplace_back(*std::move(name), *std::move(value));
  }
  return fields;
}

}  // namespace loadgen
