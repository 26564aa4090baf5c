// The daemon <-> shim protocol: one JSON object per datagram on AF_UNIX SOCK_SEQPACKET <runDir>/shim.sock.
//
// Requests carry an integer "id"; replies echo it with "ok" (and "error" when false):
//   {"id":1,"op":"start","spec":ContainerSpec}    -> {"id":1,"ok":true,"state":ContainerState}
//   {"id":2,"op":"signal","name":"web","signal":15} -> {"id":2,"ok":true}
//   {"id":3,"op":"state"}                           -> {"id":3,"ok":true,"containers":[ContainerState...]}
//   {"id":4,"op":"shutdown"}                        -> kill + reap all, remove cgroups, reply, exit 0
//   {"id":5,"op":"exec","name":"web","command":["cat","/tmp/x"],"timeoutMs":1000}
//       -> (when it exits) {"id":5,"ok":true,"exitCode":0,"signal":0,"output":"...","truncated":false}
//       -> (timeout: its process group is SIGKILLed) {"id":5,"ok":false,"timedOut":true,"error":"..."}
//     Runs inside the container (its cgroup, mount and PID namespaces, cwd, env, user); output is
//     stdout+stderr combined, capped at "outputLimit" bytes (default kExecOutputLimit). Replies to
//     exec come when it ends, so they can overtake replies to later requests: match on "id".
//     "mode" is "capture" (the only one now); a streaming mode (kubectl exec) will reply at once
//     with an "execId" and carry I/O in events of that id.
// Unsolicited, to every client: {"event":"exit","state":ContainerState} once a container's main
// process exited and its log pipes are drained.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "sys/unique_fd.h"

namespace peapod::runtime {

inline constexpr const char* kShimSocketName = "shim.sock";
inline constexpr size_t kMaxMessageBytes = 1 << 20;
inline constexpr size_t kExecOutputLimit = 10 * 1024;

// Sends one message as one datagram.
Status sendMessage(int fd, const nlohmann::json& message);
// Blocks for one message; an orderly EOF is Error("closed", 0).
Result<nlohmann::json> recvMessage(int fd);
// Connects to a shim's socket (blocking, close-on-exec).
Result<sys::UniqueFd> connectShim(const std::string& socketPath);

// Convenience for clients: sends a request and waits for the reply with the same id, skipping
// events (which are dropped). Returns the reply's error as Error when "ok" is false.
Result<nlohmann::json> callShim(int fd, nlohmann::json request);

}  // namespace peapod::runtime
