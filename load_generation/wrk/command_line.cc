#include "load_generation/wrk/command_line.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace loadgen {
namespace {

// An integer followed by nothing, the base unit, or one of `units` (each `scale` times the one
// before it), compared without case.
absl::StatusOr<uint64_t> ScanUnits(absl::string_view text, absl::string_view base,
                                   std::initializer_list<absl::string_view> units, uint64_t scale,
                                   absl::string_view what) {
  size_t digits = 0;
  while (digits < text.size() && absl::ascii_isdigit(text[digits])) ++digits;
  uint64_t number = 0;
  if (digits == 0 || !absl::SimpleAtoi(text.substr(0, digits), &number)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid ", what, ": '", text, "'"));
  }
  const absl::string_view unit = text.substr(digits);
  if (unit.empty() || (!base.empty() && absl::EqualsIgnoreCase(unit, base))) return number;
  uint64_t factor = 1;
  for (absl::string_view u : units) {
    factor *= scale;
    if (absl::EqualsIgnoreCase(unit, u)) return number * factor;
  }
  return absl::InvalidArgumentError(absl::StrCat("invalid ", what, ": '", text, "'"));
}

// Long options only (loadgen's).
constexpr char kCsv = 1, kBusyPoll = 2;

struct Option {
  char short_name;
  absl::string_view long_name;
  bool takes_value;
};

constexpr Option kOptions[] = {
    {'t', "threads", true}, {'c', "connections", true},    {'d', "duration", true},
    {'R', "rate", true},    {'D', "dist", true},           {'s', "script", true},
    {'H', "header", true},  {'L', "latency", false},       {'U', "u_latency", false},
    {'T', "timeout", true}, {'B', "batch_latency", false}, {'v', "version", false},
    {'h', "help", false},   {kCsv, "csv", true},           {kBusyPoll, "busy_poll_us", true},
};

const Option* FindShort(char c) {
  for (const Option& o : kOptions) {
    if (o.short_name == c && c != kCsv && c != kBusyPoll) return &o;
  }
  return nullptr;
}

const Option* FindLong(absl::string_view name) {
  for (const Option& o : kOptions) {
    if (o.long_name == name) return &o;
  }
  return nullptr;
}

absl::Status Apply(const Option& option, absl::string_view value, WrkOptions& out) {
  auto set = [](absl::StatusOr<uint64_t> scanned, int64_t& field) -> absl::Status {
    if (!scanned.ok()) return scanned.status();
    field = static_cast<int64_t>(*scanned);
    return absl::OkStatus();
  };
  switch (option.short_name) {
    case 't':
      return set(ScanWrkMetric(value), out.threads);
    case 'c':
      return set(ScanWrkMetric(value), out.connections);
    case 'd':
      return set(ScanWrkTime(value), out.duration_s);
    case 'R':
      return set(ScanWrkMetric(value), out.rate);
    case 'T': {
      absl::Status status = set(ScanWrkTime(value), out.timeout_ms);
      out.timeout_ms *= 1000;
      return status;
    }
    case 'D':
      if (value == "fixed") {
        out.distribution = ArrivalDistribution::kFixed;
      } else if (value == "exp") {
        out.distribution = ArrivalDistribution::kExponential;
      } else if (value == "norm") {
        out.distribution = ArrivalDistribution::kNormal;
      } else if (value == "zipf") {
        out.distribution = ArrivalDistribution::kZipf;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid distribution: '", value, "' (fixed, exp, norm or zipf)"));
      }
      return absl::OkStatus();
    case 's':
      out.script = std::string(value);
      return absl::OkStatus();
    case 'H':
      out.headers.emplace_back(value);
      return absl::OkStatus();
    case 'L':
      out.latency = true;
      return absl::OkStatus();
    case 'U':
      out.latency = out.u_latency = true;
      return absl::OkStatus();
    case 'B':  // batch latency: requests are never pipelined here, so each is its own batch
      return absl::OkStatus();
    case 'v':
      out.version = true;
      return absl::OkStatus();
    case kCsv:
      out.csv_prefix = std::string(value);
      return absl::OkStatus();
    case kBusyPoll: {
      absl::StatusOr<uint64_t> us = ScanWrkMetric(value);
      if (!us.ok() || *us > 1000000) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid busy poll: '", value, "' (0 to 1000000 microseconds)"));
      }
      out.busy_poll = absl::Microseconds(static_cast<int64_t>(*us));
      return absl::OkStatus();
    }
    default:  // -h
      return absl::InvalidArgumentError("");
  }
}

}  // namespace

absl::StatusOr<WrkUrl> ParseWrkUrl(absl::string_view url) {
  const absl::Status invalid = absl::InvalidArgumentError(absl::StrCat("invalid URL: ", url));
  WrkUrl parts;
  const size_t scheme_end = url.find("://");
  if (scheme_end == absl::string_view::npos) return invalid;
  parts.scheme = absl::AsciiStrToLower(url.substr(0, scheme_end));
  if (parts.scheme != "http" && parts.scheme != "https") return invalid;
  absl::string_view rest = url.substr(scheme_end + 3);
  const size_t slash = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, slash);
  parts.path = slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (parts.path[0] != '/') parts.path = "/" + parts.path;
  if (authority.find('@') != absl::string_view::npos) return invalid;
  if (absl::StartsWith(authority, "[")) {  // [v6]:port
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return invalid;
    parts.host = std::string(authority.substr(1, close - 1));
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return invalid;
      parts.port = std::string(after.substr(1));
    }
  } else {
    const size_t colon = authority.rfind(':');
    parts.host = std::string(authority.substr(0, colon));
    if (colon != absl::string_view::npos) parts.port = std::string(authority.substr(colon + 1));
  }
  int port = 0;
  if (parts.host.empty() || (!parts.port.empty() &&
                             (!absl::SimpleAtoi(parts.port, &port) || port <= 0 || port > 65535))) {
    return invalid;
  }
  return parts;
}

absl::StatusOr<uint64_t> ScanWrkMetric(absl::string_view text) {
  return ScanUnits(text, "", {"k", "M", "G", "T", "P"}, 1000, "number");
}

absl::StatusOr<uint64_t> ScanWrkTime(absl::string_view text) {
  return ScanUnits(text, "s", {"m", "h"}, 60, "time");
}

absl::StatusOr<WrkOptions> ParseWrkCommandLine(const std::vector<std::string>& args) {
  WrkOptions out;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {  // the rest is the script's
      positional.insert(positional.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    // The value of an option that takes one: after '=' (long), attached (short) or next.
    auto value_of = [&](std::optional<absl::string_view> attached,
                        absl::string_view spelled) -> absl::StatusOr<std::string> {
      if (attached) return std::string(*attached);
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("option '", spelled, "' needs a value"));
      }
      return args[++i];
    };
    if (absl::StartsWith(arg, "--")) {
      absl::string_view name = absl::string_view(arg).substr(2);
      std::optional<absl::string_view> attached;
      if (size_t eq = name.find('='); eq != absl::string_view::npos) {
        attached = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const Option* option = FindLong(name);
      if (option == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("unrecognized option '", arg, "'"));
      }
      if (!option->takes_value && attached) {
        return absl::InvalidArgumentError(
            absl::StrCat("option '--", name, "' doesn't allow an argument"));
      }
      std::string value;
      if (option->takes_value) {
        absl::StatusOr<std::string> v = value_of(attached, arg);
        if (!v.ok()) return v.status();
        value = *v;
      }
      if (absl::Status s = Apply(*option, value, out); !s.ok()) return s;
      continue;
    }
    // Short options, bundled as getopt allows: -LU, -t2, -t 2.
    for (size_t j = 1; j < arg.size(); ++j) {
      const Option* option = FindShort(arg[j]);
      if (option == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid option -- '", arg.substr(j, 1), "'"));
      }
      std::string value;
      if (option->takes_value) {
        std::optional<absl::string_view> attached;
        if (j + 1 < arg.size()) attached = absl::string_view(arg).substr(j + 1);
        absl::StatusOr<std::string> v = value_of(attached, absl::StrCat("-", arg.substr(j, 1)));
        if (!v.ok()) return v.status();
        value = *v;
        j = arg.size();
      }
      if (absl::Status s = Apply(*option, value, out); !s.ok()) return s;
    }
  }
  if (positional.empty()) return absl::InvalidArgumentError("");
  if (out.threads <= 0) return absl::InvalidArgumentError("number of threads must be > 0");
  if (out.duration_s <= 0) return absl::InvalidArgumentError("duration must be > 0");
  out.url = positional.front();
  absl::StatusOr<WrkUrl> parts = ParseWrkUrl(out.url);
  if (!parts.ok()) return parts.status();
  out.url_parts = *std::move(parts);
  if (out.connections <= 0 || out.connections < out.threads) {
    return absl::InvalidArgumentError("number of connections must be >= threads");
  }
  if (out.rate <= 0) {
    return absl::InvalidArgumentError("Throughput MUST be specified with the --rate or -R option");
  }
  out.script_args = std::move(positional);
  return out;
}

std::string WrkUsage() {
  return "Usage: wrk <options> <url>\n"
         "  Options:\n"
         "    -c, --connections <N>  Connections to keep open\n"
         "    -D, --dist        <S>  fixed, exp, norm or zipf: gaps between requests\n"
         "    -d, --duration    <T>  Duration of test\n"
         "    -t, --threads     <N>  Number of threads to use\n"
         "\n"
         "    -s, --script      <S>  Load Lua script file\n"
         "    -H, --header      <H>  Add header to request\n"
         "    -L  --latency          Print latency statistics\n"
         "    -U  --u_latency        Print uncorrected latency statistics\n"
         "        --timeout     <T>  Socket/request timeout\n"
         "    -B, --batch_latency    Measure latency of whole\n"
         "                           batches of pipelined ops\n"
         "                           (as opposed to each op)\n"
         "    -v, --version          Print version details\n"
         "    -R, --rate        <T>  work rate (throughput)\n"
         "                           in requests/sec (total)\n"
         "                           [Required Parameter]\n"
         "\n"
         "\n"
         "  Numeric arguments may include a SI unit (1k, 1M, 1G)\n"
         "  Time arguments may include a time unit (2s, 2m, 2h)\n"
         "\n"
         "  loadgen adds:\n"
         "        --csv         <P>  Write P_stats.csv, P_failures.csv (Locust's)\n"
         "                           and P_phases.csv\n"
         "        --busy_poll_us <N> Poll N us before sleeping: requests go\n"
         "                           out on time at high rates\n";
}

}  // namespace loadgen
