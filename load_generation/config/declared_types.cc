#include "load_generation/config/declared_types.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "load_generation/config/field_errors.h"

namespace loadgen {
namespace {

namespace proto = ::pl::demos::load_generation;

// A type's values by name, with their index.
using ValueNames = std::map<std::string, int>;

bool ValidName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

// Whether `text` holds a CR, LF or other control character (a tab too, unless `tab_ok`):
// in a path or header it would smuggle headers or whole requests.
bool HasControlCharacter(absl::string_view text, bool tab_ok) {
  for (unsigned char c : text) {
    if ((c < 0x20 && !(tab_ok && c == '\t')) || c == 0x7f) return true;
  }
  return false;
}

Template ParseTemplate(absl::string_view text, const ValueNames& values, const std::string& path,
                       FieldErrors& errors) {
  Template out;
  std::string literal;
  while (!text.empty()) {
    size_t open = text.find("{{");
    if (open == absl::string_view::npos) {
      literal.append(text.data(), text.size());
      break;
    }
    literal.append(text.data(), open);
    size_t close = text.find("}}", open + 2);
    if (close == absl::string_view::npos) {
      errors.Add(path, "'{{' without a closing '}}'");
      return out;
    }
    const std::string name(text.substr(open + 2, close - open - 2));
    auto it = values.find(name);
    if (it == values.end()) {
      std::vector<std::string> defined;
      for (const auto& [n, i] : values) defined.push_back(n);
      errors.Add(path, absl::StrCat("unknown value {{", name, "}} (defined: ",
                                    defined.empty() ? "none" : absl::StrJoin(defined, ", "), ")"));
    } else {
      if (!literal.empty()) out.pieces.push_back({std::move(literal), -1});
      literal.clear();
      out.pieces.push_back({"", it->second});
    }
    text.remove_prefix(close + 2);
  }
  if (!literal.empty()) out.pieces.push_back({std::move(literal), -1});
  return out;
}

absl::StatusOr<std::vector<std::string>> ReadLines(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFileToString(path, kMaxValueFileBytes);
  if (!content.ok()) return content.status();
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (!line.empty()) lines.emplace_back(line);
  }
  return lines;
}

// The value step: one generator, its file read.
ValueSource CompileValue(const proto::ValueGenerator& value, const FileRoot& files,
                         const std::string& path, FieldErrors& errors) {
  switch (value.kind_case()) {
    case proto::ValueGenerator::kOneOf:
      if (value.one_of().values().empty()) errors.Add(path + ".one_of", "has no values");
      return {ValueSource::OneOf{{value.one_of().values().begin(), value.one_of().values().end()}}};
    case proto::ValueGenerator::kIntRange:
      if (value.int_range().min() > value.int_range().max()) {
        errors.Add(path + ".int_range", absl::StrCat("min ", value.int_range().min(), " > max ",
                                                     value.int_range().max()));
      }
      return {ValueSource::IntRange{value.int_range().min(), value.int_range().max()}};
    case proto::ValueGenerator::kRandomId:
      if (value.random_id().length() < 1 || value.random_id().length() > 128) {
        errors.Add(path + ".random_id",
                   absl::StrCat("length must be in 1..128, not ", value.random_id().length()));
      }
      return {ValueSource::RandomId{value.random_id().length()}};
    case proto::ValueGenerator::kFileLines: {
      const std::string& named = value.file_lines().path();
      ValueSource::FileLines lines;
      lines.sequential = value.file_lines().order() == proto::FileLines::SEQUENTIAL;
      absl::StatusOr<std::string> file = files.Resolve(named);
      if (!file.ok()) {
        errors.Add(path + ".file_lines.path", std::string(file.status().message()));
        return {std::move(lines)};
      }
      absl::StatusOr<std::vector<std::string>> read = ReadLines(*file);
      if (!read.ok()) {
        errors.Add(path + ".file_lines.path",
                   absl::StrCat("cannot read '", *file, "': ", read.status().message()));
      } else if (read->empty()) {
        errors.Add(path + ".file_lines.path", absl::StrCat("'", *file, "' has no lines"));
      } else {
        lines.lines = *std::move(read);
      }
      return {std::move(lines)};
    }
    case proto::ValueGenerator::KIND_NOT_SET:
      break;
  }
  errors.Add(path, "has no kind: set one_of, int_range, random_id or file_lines");
  return {};
}

// The request step: its method checked, its templates parsed against the type's values.
CompiledRequest CompileRequest(const proto::RequestTemplate& r, const ValueNames& values,
                               const std::string& path, FieldErrors& errors) {
  static const auto* kMethods =
      new std::vector<std::string>{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
  CompiledRequest out;
  if (!r.method().empty()) {
    if (std::find(kMethods->begin(), kMethods->end(), r.method()) == kMethods->end()) {
      errors.Add(path + ".method",
                 absl::StrCat("'", r.method(), "' is not one of ", absl::StrJoin(*kMethods, ", ")));
    } else {
      out.method = r.method();
    }
  }
  if (r.path().empty() || r.path()[0] != '/') {
    errors.Add(path + ".path", absl::StrCat("must start with '/', not '", r.path(), "'"));
  }
  if (HasControlCharacter(r.path(), false) || absl::StrContains(r.path(), ' ')) {
    errors.Add(path + ".path", "has a space, CR, LF or other control character");
  }
  out.path = ParseTemplate(r.path(), values, path + ".path", errors);
  out.body = ParseTemplate(r.body(), values, path + ".body", errors);
  for (int h = 0; h < r.headers_size(); ++h) {
    const std::string header_path = absl::StrCat(path, ".headers[", h, "]");
    const std::string& name = r.headers(h).name();
    if (name.empty()) errors.Add(header_path + ".name", "is empty");
    if (HasControlCharacter(name, false) || absl::StrContains(name, ' ') ||
        absl::StrContains(name, ':')) {
      errors.Add(header_path + ".name", "is not an HTTP token (a space, ':' or control character)");
    }
    if (HasControlCharacter(r.headers(h).value(), true)) {
      errors.Add(header_path + ".value", "has a CR, LF or other control character");
    }
    out.headers.emplace_back(r.headers(h).name(), ParseTemplate(r.headers(h).value(), values,
                                                                header_path + ".value", errors));
  }
  for (int s = 0; s < r.expect_status_size(); ++s) {
    if (r.expect_status(s) < 100 || r.expect_status(s) > 599) {
      errors.Add(absl::StrCat(path, ".expect_status[", s, "]"),
                 absl::StrCat("must be an HTTP status in 100..599, not ", r.expect_status(s)));
    }
  }
  out.expect_status.assign(r.expect_status().begin(), r.expect_status().end());
  out.name = r.name().empty() ? r.path() : r.name();
  return out;
}

std::vector<CompiledRequest> CompileRequests(
    const google::protobuf::RepeatedPtrField<proto::RequestTemplate>& requests,
    const ValueNames& values, const std::string& path, FieldErrors& errors) {
  std::vector<CompiledRequest> out;
  for (int r = 0; r < requests.size(); ++r) {
    out.push_back(CompileRequest(requests[r], values, absl::StrCat(path, "[", r, "]"), errors));
  }
  return out;
}

// The user-type step: its values, then its requests and tasks, which refer to them.
CompiledUserType CompileUserType(const proto::DeclarativeUserType& def, const FileRoot& files,
                                 const std::string& path, FieldErrors& errors) {
  CompiledUserType type;
  type.name = def.name();
  ValueNames values;
  for (int v = 0; v < def.values_size(); ++v) {
    const auto& value = def.values(v);
    const std::string value_path = absl::StrCat(path, ".values[", v, "]");
    if (!ValidName(value.name())) {
      errors.Add(value_path + ".name",
                 absl::StrCat("'", value.name(), "' is not a name (letters, digits and '_')"));
    } else if (!values.emplace(value.name(), v).second) {
      errors.Add(value_path + ".name", absl::StrCat("value '", value.name(), "' is defined twice"));
    }
    type.values.push_back(CompileValue(value, files, value_path, errors));
  }
  type.on_start = CompileRequests(def.on_start(), values, path + ".on_start", errors);
  type.on_stop = CompileRequests(def.on_stop(), values, path + ".on_stop", errors);
  if (def.tasks().empty()) errors.Add(path + ".tasks", "the type has no tasks; add at least one");
  for (int k = 0; k < def.tasks_size(); ++k) {
    const auto& task = def.tasks(k);
    const std::string task_path = absl::StrCat(path, ".tasks[", k, "]");
    if (task.weight() <= 0) {
      errors.Add(task_path, absl::StrCat("weight must be > 0, not ", task.weight()));
    }
    if (task.requests().empty()) errors.Add(task_path, "the task has no requests");
    type.tasks.push_back(
        {task.weight(), task.name(),
         CompileRequests(task.requests(), values, task_path + ".requests", errors)});
  }
  return type;
}

}  // namespace

std::string ExpandTemplate(const Template& t, std::vector<std::optional<std::string>>& drawn,
                           absl::FunctionRef<void(int index, std::string& out)> draw) {
  std::string out;
  for (const Template::Piece& piece : t.pieces) {
    if (piece.value < 0) {
      out += piece.literal;
      continue;
    }
    std::optional<std::string>& value = drawn[piece.value];
    if (!value) draw(piece.value, value.emplace());
    out += *value;
  }
  return out;
}

absl::StatusOr<std::vector<std::shared_ptr<const CompiledUserType>>> CompileDeclaredTypes(
    const LoadConfig& config, absl::string_view filename, const FileRoot& files) {
  FieldErrors errors;
  std::vector<std::shared_ptr<const CompiledUserType>> types;
  std::map<std::string, int> seen;
  for (int t = 0; t < config.user_type_definitions_size(); ++t) {
    const auto& def = config.user_type_definitions(t);
    const std::string path = absl::StrCat("user_type_definitions[", t, "]");
    if (!ValidName(def.name())) {
      errors.Add(path + ".name",
                 absl::StrCat("'", def.name(), "' is not a name (letters, digits and '_')"));
    } else if (!seen.emplace(def.name(), t).second) {
      errors.Add(path + ".name", absl::StrCat("user type '", def.name(), "' is defined twice"));
    }
    types.push_back(
        std::make_shared<const CompiledUserType>(CompileUserType(def, files, path, errors)));
  }
  if (!errors.empty()) return errors.ToStatus(filename);
  return types;
}

}  // namespace loadgen
