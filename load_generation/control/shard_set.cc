#include "load_generation/control/shard_set.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace loadgen {

absl::Status FromGrpc(const grpc::Status& status, const std::string& where) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      where + status.error_message());
}

absl::StatusOr<std::vector<std::string>> ShardAddresses(const std::string& targets) {
  std::vector<std::string> list = absl::StrSplit(targets, ',', absl::SkipWhitespace());
  if (list.empty()) return absl::InvalidArgumentError("--targets names no shard");
  if (list.size() != 1) return list;
  const std::string& target = list[0];
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--targets=", targets, ": give HOST:PORT"));
  }
  std::string host = target.substr(0, colon);
  const std::string port = target.substr(colon + 1);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); error != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--targets=", targets, ": ", gai_strerror(error)));
  }
  std::set<std::string> addresses;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char ip[INET6_ADDRSTRLEN] = "";
    const void* where =
        a->ai_family == AF_INET6
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    inet_ntop(a->ai_family, where, ip, sizeof(ip));
    addresses.insert(a->ai_family == AF_INET6 ? absl::StrCat("[", ip, "]:", port)
                                              : absl::StrCat(ip, ":", port));
  }
  freeaddrinfo(found);
  return std::vector<std::string>(addresses.begin(), addresses.end());
}

ShardSet::ShardSet(Options options) : options_(std::move(options)) {
  if (options_.channel)
    stubs_["local"] = ::pl::demos::load_generation::LoadGenerator::NewStub(options_.channel);
}

std::vector<ShardSet::Shard> ShardSet::Shards() {
  std::vector<Shard> shards;
  std::lock_guard<std::mutex> lock(mu_);
  if (!sharded()) {
    shards.push_back({"local", stubs_["local"].get()});
    return shards;
  }
  absl::StatusOr<std::vector<std::string>> addresses = ShardAddresses(options_.targets);
  if (!addresses.ok()) return shards;
  for (const std::string& address : *addresses) {
    std::unique_ptr<Stub>& stub = stubs_[address];
    if (!stub) {
      stub = ::pl::demos::load_generation::LoadGenerator::NewStub(
          grpc::CreateChannel(address, options_.credentials ? options_.credentials
                                                            : grpc::InsecureChannelCredentials()));
    }
    shards.push_back({address, stub.get()});
  }
  return shards;
}

std::vector<ShardSet::Shard> ShardSet::Answering() {
  const std::vector<Shard> all = Shards();
  std::vector<::pl::demos::load_generation::Status> statuses;
  const std::vector<grpc::Status> answers =
      Ask(all, &Stub::GetStatus,
          std::vector<::pl::demos::load_generation::GetStatusRequest>(all.size()), statuses,
          options_.look_timeout);
  std::vector<Shard> answering;
  for (size_t i = 0; i < all.size(); ++i) {
    if (answers[i].ok()) answering.push_back(all[i]);
  }
  return answering;
}

}  // namespace loadgen
