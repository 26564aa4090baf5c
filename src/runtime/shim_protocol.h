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
//     "mode" is "capture" (default) or "stream" (below).
//   {"id":6,"op":"exec","mode":"stream","name":"web","command":["sh"],"stdio":["stdin","stdout","stderr"]}
//     with the process's stdio attached as SCM_RIGHTS fds, one per "stdio" entry in order; an entry
//     "tty" is a pty slave that becomes stdin, stdout and stderr and the controlling terminal (the
//     process gets its own session). Missing streams are /dev/null. kubectl exec/attach: the daemon
//     keeps the other ends (pipes, pty master), so no I/O passes through the shim.
//       -> at once {"id":6,"ok":true,"execId":7,"pid":1234}
//       -> later, unsolicited to that client: {"event":"execExit","execId":7,"exitCode":0,"signal":0}
//     A stream exec is killed (its process group) when its client disconnects.
//   {"id":8,"op":"execSignal","execId":7,"signal":9} -> {"id":8,"ok":true}  (to its process group)
//   {"id":9,"op":"attach","name":"web"} -> {"id":9,"ok":true,"stdin":true,"tty":false} with the
//     container's stdin (pipe write end, or pty master with a tty) attached when "stdin" is true.
//   {"id":10,"op":"closeStdin","name":"web"} -> {"id":10,"ok":true}  (stdinOnce: input ends)
// Unsolicited, to every client: {"event":"exit","state":ContainerState} once a container's main
// process exited and its log pipes are drained.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "sys/unique_fd.h"

namespace peapod::runtime {

inline constexpr const char* kShimSocketName = "shim.sock";
inline constexpr size_t kMaxMessageBytes = 1 << 20;
inline constexpr size_t kExecOutputLimit = 10 * 1024;
inline constexpr size_t kMaxMessageFds = 4;

// Sends one message as one datagram.
Status sendMessage(int fd, const nlohmann::json& message);
// Sends one message with file descriptors attached (SCM_RIGHTS; the caller keeps its copies).
Status sendMessage(int fd, const nlohmann::json& message, const std::vector<int>& fds);
// Blocks for one message; an orderly EOF is Error("closed", 0). With `fds`, descriptors attached
// to the message are returned there (close-on-exec); without, they are closed.
Result<nlohmann::json> recvMessage(int fd, std::vector<sys::UniqueFd>* fds = nullptr);
// Connects to a shim's socket (blocking, close-on-exec).
Result<sys::UniqueFd> connectShim(const std::string& socketPath);

// Convenience for clients: sends a request and waits for the reply with the same id, skipping
// events (which are dropped). Returns the reply's error as Error when "ok" is false.
Result<nlohmann::json> callShim(int fd, nlohmann::json request);

}  // namespace peapod::runtime
