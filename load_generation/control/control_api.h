#ifndef LOAD_GENERATION_CONTROL_CONTROL_API_H_
#define LOAD_GENERATION_CONTROL_CONTROL_API_H_

// loadgen's own JSON routes, beside Locust's, on the daemon's HTTP listener and on a coordinator:
// every unary RPC of the control service (proto/control.proto) over HTTP, and the run's result
// files as downloads. The web UI is built on them.
//
//   POST /api/v1/<Rpc>   the request message as JSON (protobuf's JSON mapping; an empty body is
//                        the empty message), `Content-Type: application/json`; the answer message
//                        as JSON (field names as in the .proto, every field present). GET works
//                        for the calls that change nothing: GetStatus, GetStats, GetConfig,
//                        CheckConfig, ListApplications. An error is
//                        {"code": "FAILED_PRECONDITION", "message": "..."} with the HTTP status
//                        of its code (400, 401, 404, 409, 503, ...).
//   GET /phases.csv      the per-phase summary of the completed phase occurrences
//   GET /report.html     the HTML report of the run so far (tables; the charts over time are in
//                        the report a run writes with --html)
//
// On a coordinator every call goes to every shard: Start and Swarm number the shards and start
// them together, the others go unchanged; status and statistics are merged exactly (from the
// shards' histograms) over the shards that answer.

#include <optional>
#include <string>

#include "google/protobuf/message.h"
#include "load_generation/control/shard_set.h"
#include "load_generation/http/http_server.h"

namespace loadgen {

// A message as JSON, field names as in the .proto, every field present.
std::string ProtoJson(const google::protobuf::Message& message);

// The answer to a request for one of the routes above; none for another path.
std::optional<ServerResponse> ServeControlApi(ShardSet& shards, const ServerRequest& request);

}  // namespace loadgen

#endif  // LOAD_GENERATION_CONTROL_CONTROL_API_H_
