#include "load_generation/wrk/run.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/ssl/context.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "load_generation/behavior/behavior.h"
#include "load_generation/behavior/user.h"
#include "load_generation/clock/clock.h"
#include "load_generation/config/config.h"
#include "load_generation/http/http_client.h"
#include "load_generation/http/target.h"
#include "load_generation/report/locust_csv.h"
#include "load_generation/report/report.h"
#include "load_generation/report/results.h"
#include "load_generation/runtime/engine.h"
#include "load_generation/wrk/report.h"
#include "load_generation/wrk/result.h"
#include "load_generation/wrk/script.h"

namespace loadgen {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

constexpr int64_t kMaxThreads = 1024;  // event loops, each with its thread and Lua state

// What one event loop (a wrk thread) has: its Lua state and what its users measured.
struct WrkThread {
  std::unique_ptr<WrkScript> script;
  bool dynamic = false;  // the script has request(); else every request is `fixed`
  bool wants_response = false;
  bool has_delay = false;
  std::string fixed;
  WireRequest fixed_parsed;

  int64_t requests = 0;
  int64_t bytes = 0;
  WrkErrors errors;
  LatencyHistogram latency;
  LatencyHistogram uncorrected_latency;
  std::vector<int64_t> per_second;               // responses in each second of the run
  std::map<std::string, int64_t> script_errors;  // by message

  void ScriptError(absl::string_view message) { ++script_errors[std::string(message)]; }
};

// The run's threads, each taken by the first event loop that asks.
class WrkThreads {
 public:
  explicit WrkThreads(std::vector<std::unique_ptr<WrkThread>> threads, SteadyTime start)
      : threads_(std::move(threads)), start_(start) {}

  // The calling event loop's thread: null if every one is taken by another loop.
  WrkThread* Bind() {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = bound_.try_emplace(std::this_thread::get_id(), nullptr);
    if (inserted && next_ < threads_.size()) it->second = threads_[next_++].get();
    return it->second;
  }
  SteadyTime start() const { return start_; }
  const std::vector<std::unique_ptr<WrkThread>>& all() const { return threads_; }

 private:
  std::vector<std::unique_ptr<WrkThread>> threads_;
  SteadyTime start_;
  std::mutex mu_;
  std::map<std::thread::id, WrkThread*> bound_;
  size_t next_ = 0;
};

// A wrk connection: each arrival, one request of the script's, its response counted as wrk
// counts it.
class WrkUserBehavior : public UserBehavior {
 public:
  explicit WrkUserBehavior(WrkThreads& threads) : threads_(threads) {}
  TaskTable Tasks() const override {
    return {{.weight = 1, .run = [this](User& u) { return Send(u); }, .name = "request"}};
  }

 private:
  Task Send(User& u) const;
  WrkThreads& threads_;
  mutable WrkThread* thread_ = nullptr;  // its loop's, once the user has run on it
};

Task WrkUserBehavior::Send(User& u) const {
  if (thread_ == nullptr) thread_ = threads_.Bind();
  WrkThread* t = thread_;
  if (t == nullptr) co_return;
  if (t->has_delay) {
    absl::StatusOr<double> ms = t->script->Delay();
    if (!ms.ok()) {
      t->ScriptError(ms.status().message());
    } else if (*ms > 0) {
      co_await u.Sleep(absl::Milliseconds(*ms));
    }
  }
  std::string dynamic_wire;
  WireRequest dynamic_parsed;
  const std::string* wire = &t->fixed;
  const WireRequest* parsed = &t->fixed_parsed;
  if (t->dynamic) {
    absl::StatusOr<std::string> made = t->script->Request();
    if (!made.ok()) {
      t->ScriptError(made.status().message());
      co_return;
    }
    absl::StatusOr<WireRequest> checked = ParseWireRequest(*made);
    if (!checked.ok()) {
      t->ScriptError(
          absl::StrCat("request() returned no HTTP request: ", checked.status().message()));
      co_return;
    }
    dynamic_wire = *std::move(made);
    dynamic_parsed = *std::move(checked);
    wire = &dynamic_wire;
    parsed = &dynamic_parsed;
  }
  const int64_t read_before = u.http().bytes_read();
  HttpResponse r = co_await u.http().Send(*wire, parsed->method, parsed->name);
  t->bytes += u.http().bytes_read() - read_before;
  switch (r.error()) {
    case HttpError::kResolve:
    case HttpError::kConnectionRefused:
    case HttpError::kConnect:
    case HttpError::kTls:
      ++t->errors.connect;
      break;
    case HttpError::kTimeout:
      ++t->errors.timeout;
      break;
    case HttpError::kReset:
    case HttpError::kBadResponse:
      ++t->errors.read;
      break;
    case HttpError::kBadRequest:
      ++t->errors.write;
      break;
    case HttpError::kNone:
    case HttpError::kStatus:
    case HttpError::kCancelled:
      break;
  }
  if (r.status() == 0) co_return;
  ++t->requests;
  if (r.status() > 399) ++t->errors.status;
  const absl::Duration delay = u.http().start_delay().value_or(absl::ZeroDuration());
  t->uncorrected_latency.Record(absl::ToInt64Microseconds(r.latency()));
  t->latency.Record(absl::ToInt64Microseconds(r.latency() + delay));
  const auto second = static_cast<size_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::steady_clock::now() - threads_.start())
                                              .count());
  if (t->per_second.size() <= second) t->per_second.resize(second + 1);
  ++t->per_second[second];
  if (t->wants_response) {
    std::vector<std::pair<absl::string_view, absl::string_view>> headers;
    r.ForEachHeader([&](absl::string_view name, absl::string_view value) {
      headers.emplace_back(name, value);
    });
    if (absl::Status s = t->script->Response(r.status(), headers, r.body()); !s.ok()) {
      t->ScriptError(s.message());
    }
  }
}

// As wrk checks its target before it starts: some address of it takes a connection.
absl::Status CheckReachable(const WrkUrl& url) {
  const std::string service = url.port.empty() ? url.scheme : url.port;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(url.host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("unable to resolve ", url.host, ":", service, " ", gai_strerror(rc)));
  }
  std::string why = "no address";
  bool reached = false;
  for (addrinfo* a = found; a != nullptr && !reached; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    reached = connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    if (!reached) why = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  if (reached) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("unable to connect to ", url.host, ":", service, " ", why));
}

// The one open phase that plays the command.
LoadConfig PhaseOf(const WrkOptions& options) {
  LoadConfig config;
  config.set_loops(1);
  config.set_stop_timeout_ms(0);  // as wrk: what is in flight at the end is not waited for
  config.set_request_timeout_ms(static_cast<int32_t>(options.timeout_ms));
  PhaseConfig& phase = *config.add_phases();
  phase.set_name("wrk2");
  phase.set_duration(static_cast<int32_t>(options.duration_s));
  phase.set_arrival_rate_per_s(static_cast<double>(options.rate));
  switch (options.distribution) {
    case ArrivalDistribution::kFixed:
      phase.set_arrival_distribution(PhaseConfig::FIXED);
      break;
    case ArrivalDistribution::kExponential:
      phase.set_arrival_distribution(PhaseConfig::EXPONENTIAL);
      break;
    case ArrivalDistribution::kNormal:
      // Paced, with gaps spread by a fifth of the mean gap (the DeathStarBench wrk2 sends
      // -D norm unpaced).
      phase.set_arrival_distribution(PhaseConfig::NORMAL);
      phase.set_arrival_stddev_ms(1000.0 / static_cast<double>(options.rate) / 5);
      break;
    case ArrivalDistribution::kZipf:
      phase.set_arrival_distribution(PhaseConfig::ZIPF);
      break;
  }
  phase.set_max_users(static_cast<int32_t>(options.connections));
  // wrk2 never drops a request: one that is late is sent late, its latency counted from when it
  // was due.
  phase.set_max_start_delay_ms(
      static_cast<int32_t>(std::min<int64_t>(options.duration_s * 1000, 3600000)));
  UserTypeConfig& type = *phase.add_user_types();
  type.set_name("wrk");
  type.set_ratio(1);
  return config;
}

// Writes `content` to `path` whole; false (with why on `err`) if it cannot.
bool WriteFile(const std::string& path, const std::string& content, std::ostream& err) {
  std::ofstream file(path, std::ios::trunc);
  file << content;
  file.close();
  if (file) return true;
  err << "cannot write " << path << ": " << std::strerror(errno) << "\n";
  return false;
}

// The rate of each thread in each whole second of the run (the part second at the end too,
// when the run was shorter than a second).
std::vector<double> RatesPerSecond(const WrkThreads& threads, absl::Duration runtime) {
  std::vector<double> rates;
  const auto whole = static_cast<size_t>(absl::ToInt64Seconds(runtime));
  for (const auto& t : threads.all()) {
    for (size_t s = 0; s < std::max<size_t>(whole, 1); ++s) {
      const double count = s < t->per_second.size() ? static_cast<double>(t->per_second[s]) : 0;
      rates.push_back(whole == 0 ? count / std::max(absl::ToDoubleSeconds(runtime), 1e-3) : count);
    }
  }
  return rates;
}

// Ends the process when the run did not end `waited` after it should have: a call into a
// thread's script has not returned (an endless loop), and will not. wrk would wait for ever.
// The report cannot be printed: the stuck thread holds its figures.
[[noreturn]] void GiveUp(const WrkThreads& threads, absl::Duration waited, std::ostream& out,
                         std::ostream& err) {
  bool named = false;
  for (size_t i = 0; i < threads.all().size(); ++i) {
    if (const char* function = threads.all()[i]->script->calling()) {
      err << "the script's " << function << "() on thread " << i + 1 << " has not returned "
          << absl::FormatDuration(waited) << " after the run's end (an endless loop?)\n";
      named = true;
    }
  }
  if (!named) err << "the run has not ended " << absl::FormatDuration(waited) << " after its end\n";
  err << "exiting without a report\n";
  out.flush();
  err.flush();
  std::_Exit(1);
}

}  // namespace

absl::StatusOr<WireRequest> ParseWireRequest(absl::string_view wire) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.header_limit(1 << 20);
  parser.body_limit(uint64_t{1} << 30);
  boost::system::error_code error;
  const size_t used = parser.put(boost::asio::buffer(wire.data(), wire.size()), error);
  if (!error && !parser.is_done()) error = http::error::need_more;
  if (error || used != wire.size()) {
    int line = 1;
    int column = 1;
    size_t line_begin = 0;
    for (size_t i = 0; i < used; ++i) {
      ++column;
      if (wire[i] == '\n') {
        column = 1;
        ++line;
        line_begin = i + 1;
      }
    }
    const std::string why = error == http::error::need_more ? "incomplete request"
                            : error                         ? error.message()
                                                            : "bytes after the request";
    // The line it is in, as the script or -H wrote it (escaped, cut short).
    absl::string_view text = wire.substr(line_begin);
    text = text.substr(0, text.find('\n'));
    if (absl::EndsWith(text, "\r")) text.remove_suffix(1);
    constexpr size_t kShown = 60;
    return absl::InvalidArgumentError(absl::StrCat(why, " at ", line, ":", column, ", in '",
                                                   absl::CHexEscape(text.substr(0, kShown)),
                                                   text.size() > kShown ? "...'" : "'"));
  }
  const auto& message = parser.get();
  WireRequest request;
  request.method = std::string(message.method_string());
  absl::string_view target(message.target().data(), message.target().size());
  if (size_t scheme = target.find("://"); scheme != absl::string_view::npos) {
    const size_t path = target.find('/', scheme + 3);
    target = path == absl::string_view::npos ? absl::string_view("/") : target.substr(path);
  }
  request.name = std::string(target.substr(0, target.find_first_of("?#")));
  return request;
}

int RunWrk(const WrkOptions& options, std::ostream& out, std::ostream& err,
           const std::atomic<bool>* interrupted) {
  if (options.rate > kMaxArrivalRate || options.connections > kMaxUsers ||
      options.threads > kMaxThreads || options.duration_s > kMaxDurationS) {
    err << "-R, -c, -t or -d is beyond what one run takes (rate <= " << kMaxArrivalRate
        << ", connections <= " << kMaxUsers << ", threads <= " << kMaxThreads
        << ", duration <= 1 year)\n";
    return 1;
  }
  // The main state (setup, done) and one per thread.
  absl::StatusOr<std::unique_ptr<WrkScript>> main =
      WrkScript::Load(options.script, options.url_parts, options.headers);
  if (!main.ok()) {
    err << main.status().message() << "\n";
    return 1;
  }
  std::vector<std::unique_ptr<WrkThread>> threads;
  for (int64_t i = 0; i < options.threads; ++i) {
    auto t = std::make_unique<WrkThread>();
    absl::StatusOr<std::unique_ptr<WrkScript>> script =
        WrkScript::Load(options.script, options.url_parts, options.headers);
    if (!script.ok()) {
      err << script.status().message() << "\n";
      return 1;
    }
    t->script = *std::move(script);
    absl::Status setup = (*main)->Setup(*t->script);
    if (setup.ok()) setup = t->script->Init(options.script_args);
    if (!setup.ok()) {
      err << setup.message() << "\n";
      return 1;
    }
    t->dynamic = t->script->HasFunction("request");
    t->wants_response = t->script->HasFunction("response");
    t->has_delay = t->script->HasFunction("delay");
    if (!t->dynamic) {
      absl::StatusOr<std::string> fixed = t->script->Request();
      if (!fixed.ok()) {
        err << fixed.status().message() << "\n";
        return 1;
      }
      absl::StatusOr<WireRequest> parsed = ParseWireRequest(*fixed);
      if (!parsed.ok()) {
        err << "the request (from the URL, -H and the script's wrk table) is not HTTP: "
            << parsed.status().message() << "\n";
        return 1;
      }
      t->fixed = *std::move(fixed);
      t->fixed_parsed = *std::move(parsed);
    }
    threads.push_back(std::move(t));
  }
  if (absl::Status s = CheckResultsOptions({.csv_prefix = options.csv_prefix}); !s.ok()) {
    err << s.message() << "\n";
    return 1;
  }
  if (absl::Status reachable = CheckReachable(options.url_parts); !reachable.ok()) {
    err << reachable.message() << "\n";
    return 1;
  }
  const WrkUrl& url = options.url_parts;
  absl::StatusOr<HttpTarget> target = ParseHttpTarget(absl::StrCat(
      url.scheme, "://", absl::StrContains(url.host, ':') ? "[" + url.host + "]" : url.host,
      url.port.empty() ? "" : ":" + url.port));
  if (!target.ok()) {
    err << target.status().message() << "\n";
    return 1;
  }

  out << WrkRunningHeader(options) << std::flush;
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  const LoadConfig config = PhaseOf(options);
  WrkThreads wrk_threads(std::move(threads), std::chrono::steady_clock::now());
  RealClock clock;
  EngineOptions engine_options{.threads = static_cast<int>(options.threads),
                               .seed = std::random_device()(),
                               .http = {.target = *target,
                                        .request_timeout = absl::Milliseconds(options.timeout_ms),
                                        .tls_context = &tls,
                                        .tls_verify = false},  // as wrk
                               .stop_timeout = absl::ZeroDuration(),
                               .busy_poll = options.busy_poll};
  const absl::Time start = clock.Now();
  bool results_lost = false;
  {
    Engine engine(
        config, engine_options,
        [&](absl::string_view) { return std::make_unique<WrkUserBehavior>(wrk_threads); }, clock);
    engine.Start(start);
    bool stopping = false;
    // Past the run's end (or a stop), the requests in flight are cut at once: what is still
    // running after a --timeout (at least a second) more is a script call that does not return.
    const absl::Duration patience =
        std::max(absl::Milliseconds(options.timeout_ms), absl::Seconds(1));
    absl::Time give_up = start + absl::Seconds(options.duration_s) + patience;
    while (!engine.WaitUntilDone(absl::Milliseconds(50))) {
      bool stop = interrupted != nullptr && interrupted->load();
      for (const auto& t : wrk_threads.all()) stop = stop || t->script->stop_requested();
      if (stop && !stopping) {
        engine.Stop();
        stopping = true;
        give_up = std::min(give_up, clock.Now() + patience);
      }
      if (clock.Now() > give_up) GiveUp(wrk_threads, patience, out, err);
    }
    if (!options.csv_prefix.empty()) {
      const StatsTable total = engine.stats().Total();
      const std::pair<const char*, std::string> files[] = {
          {"_stats.csv", LocustStatsCsv(total, clock.Now() - start)},
          {"_failures.csv", LocustFailuresCsv(total)},
          {"_phases.csv", PhasesCsv(PhaseRows(engine.stats().Completed(), total.Total()))}};
      for (const auto& [suffix, content] : files) {
        results_lost |= !WriteFile(options.csv_prefix + suffix, content, err);
      }
    }
  }
  WrkResult result;
  result.runtime = clock.Now() - start;
  std::map<std::string, int64_t> script_errors;
  for (const auto& t : wrk_threads.all()) {
    result.requests += t->requests;
    result.bytes += t->bytes;
    result.errors.Add(t->errors);
    result.latency.Merge(t->latency);
    result.uncorrected_latency.Merge(t->uncorrected_latency);
    for (const auto& [message, count] : t->script_errors) script_errors[message] += count;
  }
  result.requests_per_s = RatesPerSecond(wrk_threads, result.runtime);
  out << WrkReport(result, options.latency, options.u_latency) << std::flush;
  if ((*main)->HasFunction("done")) {
    if (absl::Status done = (*main)->Done(result); !done.ok()) {
      err << "done(): " << done.message() << "\n";
    }
  }
  for (const auto& [message, count] : script_errors) {
    err << "script error (" << count << (count == 1 ? " time" : " times") << "): " << message
        << "\n";
  }
  return results_lost ? kWrkExitResultsLost : 0;
}

}  // namespace loadgen
