// The transport-neutral side of exec, attach and port-forward: what a WebSocket or SPDY transport
// plugs into. A transport parses nothing of the pod; it moves bytes between its framing and a
// RemoteCommandSession (exec/attach) or a dialed TCP socket (port-forward), all on the daemon's
// io_context thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "server/beast.h"
#include "server/http_types.h"

namespace peapod::server::streaming {

// What the client asked for, from the query: ?command=a&command=b&container=c&stdin=true&...
struct RemoteCommandOptions {
  std::string ns, pod, container;     // container "" = the pod's only (or default) container
  std::vector<std::string> command;   // exec: argv (required); attach: empty
  bool attach = false;
  bool stdin = false, stdout = false, stderr = false, tty = false;
};

// Parses the exec/attach query. `rawQuery` is the undecoded query string (command= repeats, which
// Request::query cannot hold). Errors are the apiserver's 400 messages.
Result<RemoteCommandOptions> parseRemoteCommandOptions(const std::string& rawQuery, bool attach);

// The Status JSON the error channel carries at the end (kubelet's wording):
//   {"metadata":{},"status":"Success"}
nlohmann::json successStatus();
//   {"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: ...",
//    "reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}
nlohmann::json exitCodeStatus(int exitCode);
//   {"metadata":{},"status":"Failure","message":..., "reason":"InternalError","code":500} and friends
nlohmann::json failureStatus(int code, std::string_view reason, std::string_view message);

// Where a session's output goes: implemented by each transport. Writes are awaited one at a time
// per stream, but stdout and stderr may be written concurrently: a transport serialises its own
// connection writes (see AsyncLock).
class RemoteCommandOutput {
 public:
  virtual ~RemoteCommandOutput() = default;
  // stream 1 = stdout, 2 = stderr. False once the client is gone.
  virtual asio::awaitable<bool> write(int stream, std::string_view data) = 0;
};

// One running exec or attach. Every member runs on the io_context thread. The transport:
//   1. calls run(out) (once) and concurrently feeds writeStdin/closeStdin/resize from its reader,
//   2. when run() returns, sends the Status it returned on the error channel and closes,
//   3. if the client disappears first, calls cancel(): an exec's process is killed (an attach
//      just detaches) and run() returns soon after.
class RemoteCommandSession {
 public:
  virtual ~RemoteCommandSession() = default;
  // Delivers stdin bytes (waits while the process does not read). False once stdin is closed.
  virtual asio::awaitable<bool> writeStdin(std::string_view data) = 0;
  // Stdin EOF (WebSocket [255,0], SPDY FIN on the stdin stream).
  virtual void closeStdin() = 0;
  // A terminal size change (tty only; ignored otherwise).
  virtual void resize(uint16_t width, uint16_t height) = 0;
  // Pumps output into `out` until the process ended and its output is drained (exec) or the
  // container stopped (attach); returns the final Status.
  virtual asio::awaitable<nlohmann::json> run(RemoteCommandOutput& out) = 0;
  // The client went away.
  virtual void cancel() = 0;
};

// The pods behind the transports (implemented over the store and the node in pod_streams.cc).
class PodStreams {
 public:
  virtual ~PodStreams() = default;
  // Checks the pod and container before the upgrade, defaulting options.container. A non-empty
  // result is the error Response to send instead of 101 (404 pod, 400 container not valid...).
  virtual std::optional<Response> check(RemoteCommandOptions& options) = 0;
  // Starts the exec (or attaches). Never null: a failure to start (container not running,
  // executable not found) is a session whose run() returns that failure Status at once.
  virtual asio::awaitable<std::unique_ptr<RemoteCommandSession>> open(const RemoteCommandOptions& options) = 0;
  // Opens a TCP connection to 127.0.0.1:port inside the pod's network namespace (the host's for
  // hostNetwork pods), connected and ready for async reads and writes on the daemon's io_context.
  virtual asio::awaitable<Result<asio::ip::tcp::socket>> dial(const std::string& ns, const std::string& pod,
                                                              uint16_t port) = 0;
};

}  // namespace peapod::server::streaming
