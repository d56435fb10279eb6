#include "load_generation/behavior/declarative.h"

#include <optional>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "load_generation/behavior/user.h"
#include "load_generation/http/http_client.h"

namespace loadgen {
namespace {

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
    co_await u.http().Request(http::string_to_verb(request.method), path, body, options);
  }

  std::string Render(const Template& t, User& u,
                     std::vector<std::optional<std::string>>& drawn) const {
    return ExpandTemplate(t, drawn, [&](int index, std::string& out) { Draw(index, u, out); });
  }

  void Draw(int index, User& u, std::string& out) const {
    const ValueSource& source = type_->values[index];
    if (const auto* one_of = std::get_if<ValueSource::OneOf>(&source.kind)) {
      out += u.Choose(one_of->values);
    } else if (const auto* range = std::get_if<ValueSource::IntRange>(&source.kind)) {
      absl::StrAppend(&out, u.UniformInt(range->min, range->max));
    } else if (const auto* id = std::get_if<ValueSource::RandomId>(&source.kind)) {
      static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
      for (int i = 0; i < id->length; ++i) out.push_back(kAlphabet[u.UniformInt(0, 35)]);
    } else {
      const auto& lines = std::get<ValueSource::FileLines>(source.kind);
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
                                                           const FileRoot& files) {
  absl::StatusOr<std::vector<std::shared_ptr<const CompiledUserType>>> types =
      CompileDeclaredTypes(config, filename, files);
  if (!types.ok()) return types.status();
  DeclarativeTypes result;
  result.types_ = *std::move(types);
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
