#include "load_generation/wrk/script.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "load_generation/wrk/command_line.h"
#include "lua.hpp"

namespace loadgen {

struct WrkScriptAccess {
  static lua_State* State(WrkScript* script) { return script->L_; }
  static void Stop(WrkScript* script) {
    script->stop_requested_.store(true, std::memory_order_relaxed);
  }
};

namespace {

lua_State* StateOf(WrkScript* script) { return WrkScriptAccess::State(script); }

constexpr int64_t kMaxDelayMs = kMaxDurationS * 1000;

// The `wrk` table's Lua half, written for this project after wrk's documented API. wrk.format
// writes the request line, Host (the request's own, else wrk.headers', else the URL's host and
// port), the other headers sorted by name, and Content-Length when there is a body.
constexpr char kPrelude[] = R"lua(
local wrk = {
  scheme = "http", host = "localhost", port = nil, method = "GET", path = "/",
  headers = {}, body = nil, thread = nil,
}

local function find_host(headers)
  for name, value in pairs(headers) do
    if string.lower(tostring(name)) == "host" then return value end
  end
  return nil
end

local function url_host()
  local host = wrk.host
  if string.find(host, ":", 1, true) then host = "[" .. host .. "]" end
  if wrk.port then host = host .. ":" .. wrk.port end
  return host
end

local function expect(value, types, what)
  if not string.find(types, type(value), 1, true) then
    error("wrk.format: " .. what .. " must be a " .. types .. ", not a " .. type(value), 0)
  end
end

function wrk.format(method, path, headers, body)
  method = method or wrk.method
  path = path or wrk.path
  headers = headers or wrk.headers
  body = body or wrk.body
  expect(method, "string", "the method (wrk.method or its 1st argument)")
  expect(path, "string or number", "the path (wrk.path or its 2nd argument)")
  expect(headers, "table", "the headers (wrk.headers or its 3rd argument)")
  if body then expect(body, "string or number", "the body (wrk.body or its 4th argument)") end
  local names = {}
  for name in pairs(headers) do
    local lower = string.lower(tostring(name))
    if lower ~= "host" and lower ~= "content-length" then names[#names + 1] = name end
  end
  table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
  local host = find_host(headers) or find_host(wrk.headers) or url_host()
  local lines = { method .. " " .. path .. " HTTP/1.1", "Host: " .. tostring(host) }
  for _, name in ipairs(names) do
    lines[#lines + 1] = tostring(name) .. ": " .. tostring(headers[name])
  end
  if body then lines[#lines + 1] = "Content-Length: " .. string.len(body) end
  lines[#lines + 1] = ""
  lines[#lines + 1] = body or ""
  return table.concat(lines, "\r\n")
end

function wrk.setup(thread)
  if type(setup) == "function" then setup(thread) end
end

function wrk.init(args)
  if type(init) == "function" then init(args) end
  local request = wrk.format()
  wrk.request = function() return request end
end

return wrk
)lua";

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// --- socket: gettime() and sleep(), what scripts written for wrk2 use of LuaSocket.
int SocketGettime(lua_State* L) {
  lua_pushnumber(L, WallSeconds());
  return 1;
}

int SocketSleep(lua_State* L) {
  const double seconds = luaL_checknumber(L, 1);
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return 0;
}

int OpenSocket(lua_State* L) {
  const luaL_Reg functions[] = {
      {"gettime", SocketGettime}, {"sleep", SocketSleep}, {nullptr, nullptr}};
  lua_newtable(L);
  luaL_register(L, nullptr, functions);
  return 1;
}

// --- wrk.lookup, wrk.connect and the addresses they use (userdata "wrk.addr").
struct Address {
  sockaddr_storage storage;
  socklen_t length;
  int family;
};

Address* CheckAddress(lua_State* L, int index) {
  return static_cast<Address*>(luaL_checkudata(L, index, "wrk.addr"));
}

int AddressToString(lua_State* L) {
  Address* a = CheckAddress(L, 1);
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  const int rc = getnameinfo(reinterpret_cast<sockaddr*>(&a->storage), a->length, host, sizeof host,
                             service, sizeof service, NI_NUMERICHOST | NI_NUMERICSERV);
  if (rc != 0) return luaL_error(L, "addr tostring failed: %s", gai_strerror(rc));
  lua_pushfstring(L, "%s:%s", host, service);
  return 1;
}

int WrkLookup(lua_State* L) {
  const char* host = luaL_checkstring(L, 1);
  const char* service = luaL_checkstring(L, 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host, service, &hints, &found); rc != 0) {
    return luaL_error(L, "unable to resolve %s:%s %s", host, service, gai_strerror(rc));
  }
  lua_newtable(L);
  int index = 1;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    auto* address = static_cast<Address*>(lua_newuserdata(L, sizeof(Address)));
    std::memcpy(&address->storage, a->ai_addr, a->ai_addrlen);
    address->length = a->ai_addrlen;
    address->family = a->ai_family;
    luaL_getmetatable(L, "wrk.addr");
    lua_setmetatable(L, -2);
    lua_rawseti(L, -2, index++);
  }
  freeaddrinfo(found);
  return 1;
}

int WrkConnect(lua_State* L) {
  Address* a = CheckAddress(L, 1);
  bool connected = false;
  if (const int fd = socket(a->family, SOCK_STREAM, 0); fd >= 0) {
    connected = connect(fd, reinterpret_cast<sockaddr*>(&a->storage), a->length) == 0;
    close(fd);
  }
  lua_pushboolean(L, connected);
  return 1;
}

int WrkTimeUs(lua_State* L) {
  lua_pushnumber(L, std::floor(WallSeconds() * 1e6));
  return 1;
}

// --- Values copied between states (thread:get and thread:set), as wrk copies them.
bool CopyValue(lua_State* from, lua_State* to, int index, int depth = 0) {
  index = index < 0 ? lua_gettop(from) + index + 1 : index;
  switch (lua_type(from, index)) {
    case LUA_TNIL:
      lua_pushnil(to);
      return true;
    case LUA_TBOOLEAN:
      lua_pushboolean(to, lua_toboolean(from, index));
      return true;
    case LUA_TNUMBER:
      lua_pushnumber(to, lua_tonumber(from, index));
      return true;
    case LUA_TSTRING: {
      size_t length = 0;
      const char* s = lua_tolstring(from, index, &length);
      lua_pushlstring(to, s, length);
      return true;
    }
    case LUA_TTABLE:
      if (depth > 64) return false;
      lua_newtable(to);
      lua_pushnil(from);
      while (lua_next(from, index) != 0) {
        if (!CopyValue(from, to, -2, depth + 1) || !CopyValue(from, to, -1, depth + 1)) {
          lua_pop(from, 2);
          return false;
        }
        lua_settable(to, -3);
        lua_pop(from, 1);
      }
      return true;
    default:
      return false;
  }
}

// --- The thread object setup(thread) gets (userdata "wrk.thread": the thread's script).
struct ThreadHandle {
  WrkScript* script;
};

WrkScript* CheckThread(lua_State* L) {
  return static_cast<ThreadHandle*>(luaL_checkudata(L, 1, "wrk.thread"))->script;
}

int ThreadGet(lua_State* L) {
  lua_State* thread = StateOf(CheckThread(L));
  const char* name = luaL_checkstring(L, 2);
  lua_getglobal(thread, name);
  const bool copied = CopyValue(thread, L, -1);
  lua_pop(thread, 1);
  if (!copied) return luaL_error(L, "cannot transfer global '%s' from the thread", name);
  return 1;
}

int ThreadSet(lua_State* L) {
  lua_State* thread = StateOf(CheckThread(L));
  const char* name = luaL_checkstring(L, 2);
  lua_settop(L, 3);
  if (!CopyValue(L, thread, 3)) {
    return luaL_error(L, "cannot transfer '%s' to thread", luaL_typename(L, 3));
  }
  lua_setglobal(thread, name);
  return 0;
}

int ThreadStop(lua_State* L) {
  WrkScriptAccess::Stop(CheckThread(L));
  return 0;
}

int ThreadIndex(lua_State* L) {
  CheckThread(L);
  const char* key = luaL_checkstring(L, 2);
  if (std::strcmp(key, "get") == 0) {
    lua_pushcfunction(L, ThreadGet);
  } else if (std::strcmp(key, "set") == 0) {
    lua_pushcfunction(L, ThreadSet);
  } else if (std::strcmp(key, "stop") == 0) {
    lua_pushcfunction(L, ThreadStop);
  } else if (std::strcmp(key, "addr") == 0) {
    // The address every connection goes to: the URL's, resolved.
    lua_getglobal(L, "wrk");
    lua_getfield(L, -1, "lookup");
    lua_getfield(L, -2, "host");
    lua_getfield(L, -3, "port");
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_getfield(L, -3, "scheme");
    }
    lua_call(L, 2, 1);
    lua_rawgeti(L, -1, 1);
  } else {
    lua_pushnil(L);
  }
  return 1;
}

int ThreadNewIndex(lua_State* L) {
  CheckThread(L);
  const char* key = luaL_checkstring(L, 2);
  if (std::strcmp(key, "addr") == 0) {
    return luaL_error(L,
                      "thread.addr cannot be set: every connection goes to the URL on the "
                      "command line");
  }
  return luaL_error(L, "cannot set '%s' on thread", key);
}

// --- The statistics done() gets (userdata "wrk.stats").
struct StatsObject {
  const LatencyHistogram* histogram;   // the latency, or
  const std::vector<double>* samples;  // the requests per second, sorted
};

StatsObject* CheckStats(lua_State* L) {
  return static_cast<StatsObject*>(luaL_checkudata(L, 1, "wrk.stats"));
}

int64_t StatsCount(const StatsObject& s) {
  return s.histogram ? s.histogram->Count() : static_cast<int64_t>(s.samples->size());
}

double StatsPercentile(const StatsObject& s, double p) {
  if (s.histogram) return static_cast<double>(WrkValueAtPercentile(*s.histogram, p));
  if (s.samples->empty()) return 0;
  const double rank = std::ceil(std::clamp(p, 0.0, 100.0) / 100 * s.samples->size());
  return (*s.samples)[std::max<size_t>(static_cast<size_t>(rank), 1) - 1];
}

int StatsPercentileFunction(lua_State* L) {
  lua_pushnumber(L, StatsPercentile(*CheckStats(L), luaL_checknumber(L, 2)));
  return 1;
}

// latency[i] (and latency(i)): the i-th smallest value, i in 1..#latency.
int StatsAt(lua_State* L, int index_argument) {
  StatsObject* s = CheckStats(L);
  const double count = static_cast<double>(StatsCount(*s));
  const double i = luaL_checknumber(L, index_argument);
  lua_pushnumber(L, count == 0 ? 0 : StatsPercentile(*s, 100.0 * i / count));
  return 1;
}

int StatsIndex(lua_State* L) {
  StatsObject* s = CheckStats(L);
  if (lua_type(L, 2) == LUA_TNUMBER) return StatsAt(L, 2);
  const char* key = luaL_checkstring(L, 2);
  if (std::strcmp(key, "percentile") == 0) {
    lua_pushcfunction(L, StatsPercentileFunction);
    return 1;
  }
  SampleFigures f;
  if (s->histogram) {
    const LatencyHistogram& h = *s->histogram;
    f = {.min = static_cast<double>(h.Min()),
         .max = static_cast<double>(h.Max()),
         .mean = h.Mean(),
         .stdev = WrkStdDev(h)};
  } else {
    f = FiguresOf(*s->samples);
  }
  const std::pair<const char*, double> fields[] = {
      {"min", f.min}, {"max", f.max}, {"mean", f.mean}, {"stdev", f.stdev}};
  for (const auto& [name, value] : fields) {
    if (std::strcmp(key, name) == 0) {
      lua_pushnumber(L, value);
      return 1;
    }
  }
  lua_pushnil(L);
  return 1;
}

int StatsLength(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(StatsCount(*CheckStats(L))));
  return 1;
}

int StatsCall(lua_State* L) { return StatsAt(L, 2); }

void PushStats(lua_State* L, StatsObject object) {
  *static_cast<StatsObject*>(lua_newuserdata(L, sizeof(StatsObject))) = object;
  luaL_getmetatable(L, "wrk.stats");
  lua_setmetatable(L, -2);
}

// A thread object (userdata "wrk.thread") for `script`'s state.
void PushThread(lua_State* L, WrkScript* script) {
  static_cast<ThreadHandle*>(lua_newuserdata(L, sizeof(ThreadHandle)))->script = script;
  luaL_getmetatable(L, "wrk.thread");
  lua_setmetatable(L, -2);
}

void SetNumber(lua_State* L, const char* name, double value) {
  lua_pushnumber(L, value);
  lua_setfield(L, -2, name);
}

}  // namespace

WrkScript::WrkScript(lua_State* state, std::string file) : L_(state), file_(std::move(file)) {}

std::string WrkScript::WithFullPath(std::string message) const {
  if (!absl::StartsWith(message, "...")) return message;
  const size_t colon = message.find(':');
  const absl::string_view shown = absl::string_view(message).substr(3, colon - 3);
  if (colon == std::string::npos || !absl::EndsWith(file_, shown)) return message;
  return absl::StrCat(file_, message.substr(colon));
}

WrkScript::~WrkScript() { lua_close(L_); }

absl::StatusOr<std::unique_ptr<WrkScript>> WrkScript::Load(
    const std::string& file, const WrkUrl& url, const std::vector<std::string>& headers) {
  lua_State* L = luaL_newstate();
  if (L == nullptr) return absl::ResourceExhaustedError("cannot make a Lua state");
  std::unique_ptr<WrkScript> script(new WrkScript(L, file));
  luaL_openlibs(L);
  const luaL_Reg address[] = {{"__tostring", AddressToString}, {nullptr, nullptr}};
  const luaL_Reg thread[] = {
      {"__index", ThreadIndex}, {"__newindex", ThreadNewIndex}, {nullptr, nullptr}};
  const luaL_Reg stats[] = {
      {"__index", StatsIndex}, {"__len", StatsLength}, {"__call", StatsCall}, {nullptr, nullptr}};
  for (const auto& [name, functions] :
       {std::pair{"wrk.addr", address}, {"wrk.thread", thread}, {"wrk.stats", stats}}) {
    luaL_newmetatable(L, name);
    luaL_register(L, nullptr, functions);
    lua_pop(L, 1);
  }

  // require "socket" finds ours.
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, OpenSocket);
  lua_setfield(L, -2, "socket");
  lua_pop(L, 2);

  if (luaL_loadbuffer(L, kPrelude, sizeof kPrelude - 1, "=wrk") != 0) {
    return absl::InternalError(lua_tostring(L, -1));
  }
  if (absl::Status s = script->Call(0, 1, "wrk"); !s.ok()) return s;
  lua_pushvalue(L, -1);
  lua_setglobal(L, "wrk");
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "wrk");
  lua_pop(L, 2);

  // The wrk table on top: the URL's parts, the -H headers, the C functions.
  lua_pushstring(L, url.scheme.c_str());
  lua_setfield(L, -2, "scheme");
  lua_pushstring(L, url.host.c_str());
  lua_setfield(L, -2, "host");
  if (url.port.empty()) {
    lua_pushnil(L);
  } else {
    lua_pushstring(L, url.port.c_str());
  }
  lua_setfield(L, -2, "port");
  lua_pushstring(L, url.path.c_str());
  lua_setfield(L, -2, "path");
  lua_pushcfunction(L, WrkLookup);
  lua_setfield(L, -2, "lookup");
  lua_pushcfunction(L, WrkConnect);
  lua_setfield(L, -2, "connect");
  lua_pushcfunction(L, WrkTimeUs);
  lua_setfield(L, -2, "time_us");
  lua_getfield(L, -1, "headers");
  for (const std::string& header : headers) {
    // As wrk: "Name: value"; anything else is ignored.
    const size_t colon = header.find(':');
    if (colon == std::string::npos || colon + 1 >= header.size() || header[colon + 1] != ' ') {
      continue;
    }
    lua_pushlstring(L, header.data(), colon);
    lua_pushstring(L, header.c_str() + colon + 2);
    lua_settable(L, -3);
  }
  lua_pop(L, 2);

  if (!file.empty()) {
    if (luaL_loadfile(L, file.c_str()) != 0) {
      std::string message = script->WithFullPath(lua_tostring(L, -1));
      lua_pop(L, 1);
      return absl::InvalidArgumentError(message);
    }
    if (absl::Status s = script->Call(0, 0, file.c_str()); !s.ok()) return s;
  }
  return script;
}

absl::Status WrkScript::Call(int arguments, int results, const char* what) {
  calling_.store(what, std::memory_order_relaxed);
  const int failed = lua_pcall(L_, arguments, results, 0);
  calling_.store(nullptr, std::memory_order_relaxed);
  if (failed == 0) return absl::OkStatus();
  const char* message = lua_tostring(L_, -1);
  std::string text =
      message ? WithFullPath(message) : absl::StrCat(what, ": an error that is not a string");
  lua_pop(L_, 1);
  return absl::InvalidArgumentError(text);
}

bool WrkScript::HasFunction(const char* name) const {
  lua_getglobal(L_, name);
  const bool is_function = lua_isfunction(L_, -1);
  lua_pop(L_, 1);
  return is_function;
}

absl::Status WrkScript::Setup(WrkScript& thread) {
  lua_getglobal(L_, "wrk");
  lua_getfield(L_, -1, "setup");
  lua_remove(L_, -2);
  PushThread(L_, &thread);
  return Call(1, 0, "setup");
}

absl::Status WrkScript::Init(const std::vector<std::string>& args) {
  lua_getglobal(L_, "wrk");
  PushThread(L_, this);
  lua_setfield(L_, -2, "thread");
  lua_getfield(L_, -1, "init");
  lua_remove(L_, -2);
  lua_newtable(L_);
  for (size_t i = 0; i < args.size(); ++i) {
    lua_pushlstring(L_, args[i].data(), args[i].size());
    lua_rawseti(L_, -2, static_cast<int>(i));
  }
  return Call(1, 0, "init");
}

absl::StatusOr<std::string> WrkScript::Request() {
  lua_getglobal(L_, "request");
  if (!lua_isfunction(L_, -1)) {
    lua_pop(L_, 1);
    lua_getglobal(L_, "wrk");
    lua_getfield(L_, -1, "request");
    lua_remove(L_, -2);
  }
  if (absl::Status s = Call(0, 1, "request"); !s.ok()) return s;
  std::string request;
  if (lua_type(L_, -1) == LUA_TSTRING) {
    size_t length = 0;
    const char* bytes = lua_tolstring(L_, -1, &length);
    request.assign(bytes, length);
  }
  const int type = lua_type(L_, -1);
  lua_pop(L_, 1);
  if (type != LUA_TSTRING) {
    return absl::InvalidArgumentError(
        absl::StrCat("request() returned a ", lua_typename(L_, type), ", not a string"));
  }
  return request;
}

absl::StatusOr<double> WrkScript::Delay() {
  lua_getglobal(L_, "delay");
  if (absl::Status s = Call(0, 1, "delay"); !s.ok()) return s;
  const bool number = lua_type(L_, -1) == LUA_TNUMBER;
  const double ms = lua_tonumber(L_, -1);
  lua_pop(L_, 1);
  if (!number) return absl::InvalidArgumentError("delay() returned something that is not a number");
  // Longer than a run may last is a mistake, not a wait.
  if (!(ms >= 0 && ms <= kMaxDelayMs)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "delay() returned ", ms, ", not a number of milliseconds from 0 to ", kMaxDelayMs));
  }
  return ms;
}

absl::Status WrkScript::Response(
    int status, const std::vector<std::pair<absl::string_view, absl::string_view>>& headers,
    absl::string_view body) {
  lua_getglobal(L_, "response");
  lua_pushinteger(L_, status);
  lua_createtable(L_, 0, static_cast<int>(headers.size()));
  for (const auto& [name, value] : headers) {
    lua_pushlstring(L_, name.data(), name.size());
    lua_pushlstring(L_, value.data(), value.size());
    lua_rawset(L_, -3);
  }
  lua_pushlstring(L_, body.data(), body.size());
  return Call(3, 0, "response");
}

absl::Status WrkScript::Done(const WrkResult& result) {
  std::vector<double> samples = result.requests_per_s;
  std::sort(samples.begin(), samples.end());
  lua_getglobal(L_, "done");
  lua_newtable(L_);
  SetNumber(L_, "duration", static_cast<double>(absl::ToInt64Microseconds(result.runtime)));
  SetNumber(L_, "requests", static_cast<double>(result.requests));
  SetNumber(L_, "bytes", static_cast<double>(result.bytes));
  lua_newtable(L_);
  SetNumber(L_, "connect", static_cast<double>(result.errors.connect));
  SetNumber(L_, "read", static_cast<double>(result.errors.read));
  SetNumber(L_, "write", static_cast<double>(result.errors.write));
  SetNumber(L_, "status", static_cast<double>(result.errors.status));
  SetNumber(L_, "timeout", static_cast<double>(result.errors.timeout));
  lua_setfield(L_, -2, "errors");
  PushStats(L_, {.histogram = &result.latency, .samples = nullptr});
  PushStats(L_, {.histogram = nullptr, .samples = &samples});
  return Call(3, 0, "done");
}

std::string WrkScript::GlobalAsString(const char* name) {
  lua_getglobal(L_, "tostring");
  lua_getglobal(L_, name);
  lua_call(L_, 1, 1);
  std::string value = lua_tostring(L_, -1);
  lua_pop(L_, 1);
  return value;
}

}  // namespace loadgen
