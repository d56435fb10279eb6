// Fuzzes the declarative user types' templates: compiling {{value}} templates from a request's
// path, body and header, expanding them with drawn values, and the check that keeps control
// characters off the wire. The input's lines are: the path, the body, a header name, its
// value, then the values of a one_of (named `a`; `n` is an int_range, `id` a random_id).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_split.h"
#include "load_generation/config/declared_types.h"
#include "load_generation/http/http_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loadgen;  // NOLINT: a fuzz target's entry point is outside the namespace
  const std::vector<std::string> lines =
      absl::StrSplit(absl::string_view(reinterpret_cast<const char*>(data), size), '\n');
  auto line = [&](size_t i) { return i < lines.size() ? lines[i] : std::string(); };

  LoadConfig config;
  auto* type = config.add_user_type_definitions();
  type->set_name("Fuzzed");
  auto* a = type->add_values();
  a->set_name("a");
  for (size_t i = 4; i < lines.size(); ++i) a->mutable_one_of()->add_values(lines[i]);
  auto* n = type->add_values();
  n->set_name("n");
  n->mutable_int_range()->set_min(0);
  n->mutable_int_range()->set_max(9);
  auto* id = type->add_values();
  id->set_name("id");
  id->mutable_random_id()->set_length(8);
  auto* request = type->add_tasks()->add_requests();
  type->mutable_tasks(0)->set_weight(1);
  request->set_path(line(0));
  request->set_body(line(1));
  auto* header = request->add_headers();
  header->set_name(line(2));
  header->set_value(line(3));

  static const FileRoot kNoFiles{.dir = "/nonexistent-fuzz", .confined_to = "/nonexistent-fuzz"};
  absl::StatusOr<std::vector<std::shared_ptr<const CompiledUserType>>> types =
      CompileDeclaredTypes(config, "fuzz.pbtxt", kNoFiles);
  if (!types.ok()) return 0;
  const CompiledUserType& compiled = *(*types)[0];
  // Each value in turn: the one_of's lines, a number, an id.
  int draws = 0;
  auto draw = [&](int index, std::string& out) {
    const auto& kind = compiled.values[index].kind;
    if (const auto* one_of = std::get_if<ValueSource::OneOf>(&kind)) {
      out += one_of->values[draws++ % one_of->values.size()];
    } else {
      out += std::to_string(draws++);
    }
  };
  for (const CompiledRequest& r : compiled.tasks[0].requests) {
    std::vector<std::optional<std::string>> drawn(compiled.values.size());
    const std::string path = ExpandTemplate(r.path, drawn, draw);
    const std::string body = ExpandTemplate(r.body, drawn, draw);
    std::vector<std::string> values;
    for (const auto& header : r.headers)
      values.push_back(ExpandTemplate(header.second, drawn, draw));
    std::vector<HttpHeader> headers;
    for (size_t i = 0; i < r.headers.size(); ++i)
      headers.push_back({r.headers[i].first, values[i]});
    UnsafeRequestText(path, headers);
  }
  return 0;
}
