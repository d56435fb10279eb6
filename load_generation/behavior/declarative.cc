#include "load_generation/behavior/declarative.h"

#include <map>
#include <optional>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "load_generation/behavior/user.h"
#include "load_generation/http/http_client.h"

namespace loadgen {

// A string with {{value}} holes: literal pieces and value indices, in order.
struct Template {
  struct Piece {
    std::string literal;
    int value = -1;  // index into the type's values; -1 for a literal
  };
  std::vector<Piece> pieces;
};

struct CompiledRequest {
  http::verb method = http::verb::get;
  Template path;
  Template body;
  std::vector<std::pair<std::string, Template>> headers;
  std::string name;
  std::vector<int> expect_status;
};

struct CompiledTask {
  int weight = 1;
  std::string name;
  std::vector<CompiledRequest> requests;
};

struct Generator {
  struct Lines {
    std::vector<std::string> lines;
    bool sequential = false;
  };
  std::variant<std::vector<std::string>, std::pair<int64_t, int64_t>, int, Lines> kind;
};

struct CompiledUserType {
  std::string name;
  std::vector<Generator> values;
  std::vector<CompiledRequest> on_start;
  std::vector<CompiledRequest> on_stop;
  std::vector<CompiledTask> tasks;
};

namespace {

class Errors {
 public:
  void Add(const std::string& path, absl::string_view rule) {
    list_.push_back(absl::StrCat(path, ": ", rule));
  }
  bool empty() const { return list_.empty(); }
  absl::Status ToStatus(absl::string_view filename) const {
    std::vector<std::string> lines;
    for (const std::string& e : list_) lines.push_back(absl::StrCat(filename, ": ", e));
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }

 private:
  std::vector<std::string> list_;
};

bool ValidValueName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

Template ParseTemplate(absl::string_view text, const std::map<std::string, int>& values,
                       const std::string& path, Errors& errors) {
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
  absl::StatusOr<std::string> content = ReadFileToString(path);
  if (!content.ok()) return content.status();
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (!line.empty()) lines.emplace_back(line);
  }
  return lines;
}

CompiledRequest CompileRequest(const pl::demos::load_generation::RequestTemplate& r,
                               const std::map<std::string, int>& values, const std::string& path,
                               Errors& errors) {
  static const std::map<std::string, http::verb, std::less<>> kMethods = {
      {"GET", http::verb::get},     {"POST", http::verb::post},      {"PUT", http::verb::put},
      {"PATCH", http::verb::patch}, {"DELETE", http::verb::delete_}, {"HEAD", http::verb::head}};
  CompiledRequest out;
  if (!r.method().empty()) {
    auto it = kMethods.find(r.method());
    if (it == kMethods.end()) {
      errors.Add(
          path + ".method",
          absl::StrCat("'", r.method(), "' is not one of GET, POST, PUT, PATCH, DELETE, HEAD"));
    } else {
      out.method = it->second;
    }
  }
  if (r.path().empty() || r.path()[0] != '/') {
    errors.Add(path + ".path", absl::StrCat("must start with '/', not '", r.path(), "'"));
  }
  out.path = ParseTemplate(r.path(), values, path + ".path", errors);
  out.body = ParseTemplate(r.body(), values, path + ".body", errors);
  for (int h = 0; h < r.headers_size(); ++h) {
    const std::string header_path = absl::StrCat(path, ".headers[", h, "]");
    if (r.headers(h).name().empty()) errors.Add(header_path + ".name", "is empty");
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

// Plays one declarative user type; one instance per user, holding its place in sequential
// files.
class DeclarativeBehavior : public UserBehavior {
 public:
  explicit DeclarativeBehavior(std::shared_ptr<const CompiledUserType> type)
      : type_(std::move(type)), cursors_(type_->values.size(), -1) {}

  TaskTable Tasks() const override {
    std::vector<WeightedTask> tasks;
    for (const CompiledTask& task : type_->tasks) {
      tasks.push_back(
          {task.weight, [this, &task](User& u) { return SendAll(u, task.requests); }, task.name});
    }
    return TaskTable(std::move(tasks));
  }
  Task OnStart(User& u) override { return SendAll(u, type_->on_start); }
  Task OnStop(User& u) override { return SendAll(u, type_->on_stop); }

 private:
  Task SendAll(User& u, const std::vector<CompiledRequest>& requests) const {
    for (const CompiledRequest& request : requests) {
      co_await Send(u, request);
      if (u.http().cancelled()) co_return;
    }
  }

  Task Send(User& u, const CompiledRequest& request) const {
    // Each value is drawn once per request: every {{name}} in it shows the same value.
    std::vector<std::optional<std::string>> drawn(type_->values.size());
    std::string path = Render(request.path, u, drawn);
    std::string body = Render(request.body, u, drawn);
    std::vector<std::string> header_values;
    for (const auto& [name, value] : request.headers) {
      header_values.push_back(Render(value, u, drawn));
    }
    std::vector<HttpHeader> headers;
    for (size_t i = 0; i < request.headers.size(); ++i) {
      headers.push_back(HttpHeader{request.headers[i].first, header_values[i]});
    }
    RequestOptions options;
    options.name = request.name;
    options.headers = headers;
    if (!request.expect_status.empty()) {
      const std::vector<int>* expected = &request.expect_status;
      options.check = [expected](const HttpResponse& r) {
        for (int status : *expected) {
          if (r.status() == status) return std::string();
        }
        return absl::StrCat("HTTP ", r.status(), " (expected ", absl::StrJoin(*expected, " or "),
                            ")");
      };
    }
    co_await u.http().Request(request.method, path, std::move(body), options);
  }

  std::string Render(const Template& t, User& u,
                     std::vector<std::optional<std::string>>& drawn) const {
    std::string out;
    for (const Template::Piece& piece : t.pieces) {
      if (piece.value < 0) {
        out += piece.literal;
        continue;
      }
      std::optional<std::string>& value = drawn[piece.value];
      if (!value) {
        value.emplace();
        Draw(piece.value, u, *value);
      }
      out += *value;
    }
    return out;
  }

  void Draw(int index, User& u, std::string& out) const {
    const Generator& g = type_->values[index];
    if (const auto* one_of = std::get_if<std::vector<std::string>>(&g.kind)) {
      out += u.Choose(*one_of);
    } else if (const auto* range = std::get_if<std::pair<int64_t, int64_t>>(&g.kind)) {
      absl::StrAppend(&out, u.UniformInt(range->first, range->second));
    } else if (const int* length = std::get_if<int>(&g.kind)) {
      static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
      for (int i = 0; i < *length; ++i) out.push_back(kAlphabet[u.UniformInt(0, 35)]);
    } else {
      const auto& lines = std::get<Generator::Lines>(g.kind);
      const int64_t count = static_cast<int64_t>(lines.lines.size());
      if (!lines.sequential) {
        out += lines.lines[u.UniformInt(0, count - 1)];
        return;
      }
      int64_t& cursor = cursors_[index];
      if (cursor < 0) cursor = u.UniformInt(0, count - 1);  // users start spread out
      out += lines.lines[cursor];
      cursor = (cursor + 1) % count;
    }
  }

  std::shared_ptr<const CompiledUserType> type_;
  mutable std::vector<int64_t> cursors_;  // per value: next line of a sequential file
};

}  // namespace

absl::StatusOr<DeclarativeTypes> DeclarativeTypes::Compile(const LoadConfig& config,
                                                           absl::string_view filename,
                                                           absl::string_view config_dir) {
  Errors errors;
  DeclarativeTypes result;
  std::map<std::string, int> seen_types;
  for (int t = 0; t < config.user_type_definitions_size(); ++t) {
    const auto& def = config.user_type_definitions(t);
    const std::string path = absl::StrCat("user_type_definitions[", t, "]");
    auto type = std::make_shared<CompiledUserType>();
    type->name = def.name();
    if (!ValidValueName(def.name())) {
      errors.Add(path + ".name",
                 absl::StrCat("'", def.name(), "' is not a name (letters, digits and '_')"));
    } else if (!seen_types.emplace(def.name(), t).second) {
      errors.Add(path + ".name", absl::StrCat("user type '", def.name(), "' is defined twice"));
    }
    std::map<std::string, int> values;
    for (int v = 0; v < def.values_size(); ++v) {
      const auto& value = def.values(v);
      const std::string value_path = absl::StrCat(path, ".values[", v, "]");
      if (!ValidValueName(value.name())) {
        errors.Add(value_path + ".name",
                   absl::StrCat("'", value.name(), "' is not a name (letters, digits and '_')"));
      } else if (!values.emplace(value.name(), v).second) {
        errors.Add(value_path + ".name",
                   absl::StrCat("value '", value.name(), "' is defined twice"));
      }
      Generator g;
      switch (value.kind_case()) {
        case pl::demos::load_generation::ValueGenerator::kOneOf:
          if (value.one_of().values().empty()) errors.Add(value_path + ".one_of", "has no values");
          g.kind = std::vector<std::string>(value.one_of().values().begin(),
                                            value.one_of().values().end());
          break;
        case pl::demos::load_generation::ValueGenerator::kIntRange:
          if (value.int_range().min() > value.int_range().max()) {
            errors.Add(value_path + ".int_range", absl::StrCat("min ", value.int_range().min(),
                                                               " > max ", value.int_range().max()));
          }
          g.kind = std::make_pair(value.int_range().min(), value.int_range().max());
          break;
        case pl::demos::load_generation::ValueGenerator::kRandomId:
          if (value.random_id().length() < 1 || value.random_id().length() > 128) {
            errors.Add(value_path + ".random_id",
                       absl::StrCat("length must be in 1..128, not ", value.random_id().length()));
          }
          g.kind = value.random_id().length();
          break;
        case pl::demos::load_generation::ValueGenerator::kFileLines: {
          std::string file = value.file_lines().path();
          if (!file.empty() && file[0] != '/' && !config_dir.empty()) {
            file = absl::StrCat(config_dir, "/", file);
          }
          Generator::Lines lines;
          lines.sequential =
              value.file_lines().order() == pl::demos::load_generation::FileLines::SEQUENTIAL;
          absl::StatusOr<std::vector<std::string>> read = ReadLines(file);
          if (!read.ok()) {
            errors.Add(value_path + ".file_lines.path",
                       absl::StrCat("cannot read '", file, "': ", read.status().message()));
          } else if (read->empty()) {
            errors.Add(value_path + ".file_lines.path", absl::StrCat("'", file, "' has no lines"));
          } else {
            lines.lines = *std::move(read);
          }
          g.kind = std::move(lines);
          break;
        }
        case pl::demos::load_generation::ValueGenerator::KIND_NOT_SET:
          errors.Add(value_path, "has no kind: set one_of, int_range, random_id or file_lines");
          break;
      }
      type->values.push_back(std::move(g));
    }
    for (int r = 0; r < def.on_start_size(); ++r) {
      type->on_start.push_back(CompileRequest(def.on_start(r), values,
                                              absl::StrCat(path, ".on_start[", r, "]"), errors));
    }
    for (int r = 0; r < def.on_stop_size(); ++r) {
      type->on_stop.push_back(
          CompileRequest(def.on_stop(r), values, absl::StrCat(path, ".on_stop[", r, "]"), errors));
    }
    if (def.tasks().empty()) errors.Add(path + ".tasks", "the type has no tasks; add at least one");
    for (int k = 0; k < def.tasks_size(); ++k) {
      const auto& task = def.tasks(k);
      const std::string task_path = absl::StrCat(path, ".tasks[", k, "]");
      if (task.weight() <= 0) {
        errors.Add(task_path, absl::StrCat("weight must be > 0, not ", task.weight()));
      }
      if (task.requests().empty()) errors.Add(task_path, "the task has no requests");
      CompiledTask compiled{task.weight(), task.name(), {}};
      for (int r = 0; r < task.requests_size(); ++r) {
        compiled.requests.push_back(CompileRequest(
            task.requests(r), values, absl::StrCat(task_path, ".requests[", r, "]"), errors));
      }
      type->tasks.push_back(std::move(compiled));
    }
    result.types_.push_back(std::move(type));
  }
  if (!errors.empty()) return errors.ToStatus(filename);
  return result;
}

std::vector<std::string> DeclarativeTypes::names() const {
  std::vector<std::string> names;
  for (const auto& type : types_) names.push_back(type->name);
  return names;
}

std::unique_ptr<UserBehavior> DeclarativeTypes::Create(absl::string_view type) const {
  for (const auto& t : types_) {
    if (t->name == type) return std::make_unique<DeclarativeBehavior>(t);
  }
  return nullptr;
}

}  // namespace loadgen
