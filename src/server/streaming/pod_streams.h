// NodePodStreams: PodStreams over the object store (which pod, which container) and the node's
// pod workers (the pod's shim): stream execs with daemon-held pipes or a pty, attach to a running
// container's output, and TCP connections made inside the pod's network namespace.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "node/pod_manager.h"
#include "server/streaming/remote_command.h"
#include "store/object_store.h"
#include "sys/unique_fd.h"

namespace peapod::server::streaming {

std::unique_ptr<PodStreams> makeNodePodStreams(asio::io_context& io, store::ObjectStore& store,
                                               node::PodManager& node);

// A session that starts finished: run() returns `status` at once (a failure to start).
std::unique_ptr<RemoteCommandSession> failedSession(nlohmann::json status);

// Starts a stream exec through the pod's shim (exec_session.cc). `lookup` finds the pod's shim
// again later (to kill the process when the client leaves); it may return null once the pod is gone.
asio::awaitable<std::unique_ptr<RemoteCommandSession>> startExecSession(
    std::function<node::ShimConnection*()> lookup, const RemoteCommandOptions& options);

// Writes a client's input to a process's stdin; false once that is closed or gone.
asio::awaitable<bool> writeInput(std::optional<asio::posix::stream_descriptor>& stdin, std::string_view data);

// What attach follows: the log file of the container's current run, and whether it still runs;
// and where input goes for a container with stdin.
struct AttachTarget {
  std::filesystem::path logFile;
  std::function<bool()> stillRunning;
  sys::UniqueFd stdin;  // the container's stdin (pipe, or pty master with a tty); unset: no input
  bool tty = false;
  std::function<void()> endInput;  // stdinOnce: the shim closes the container's stdin; may be null
};
std::unique_ptr<RemoteCommandSession> startAttachSession(const asio::any_io_executor& ex, AttachTarget target);

}  // namespace peapod::server::streaming
