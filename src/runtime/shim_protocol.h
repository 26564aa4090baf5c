// The daemon <-> shim protocol: one JSON object per datagram on AF_UNIX SOCK_SEQPACKET <runDir>/shim.sock.
//
// Requests carry an integer "id"; replies echo it with "ok" (and "error" when false):
//   {"id":1,"op":"start","spec":ContainerSpec}    -> {"id":1,"ok":true,"state":ContainerState}
//   {"id":2,"op":"signal","name":"web","signal":15} -> {"id":2,"ok":true}
//   {"id":3,"op":"state"}                           -> {"id":3,"ok":true,"containers":[ContainerState...]}
//   {"id":4,"op":"shutdown"}                        -> kill + reap all, remove cgroups, reply, exit 0
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
