// The stdio of a stream exec (kubectl exec/attach): the daemon creates pipes or a pty, keeps its
// ends for the transport and passes the child's ends to the shim (SCM_RIGHTS). Resizes go straight
// to the pty master (sys::resizePty); no byte of the session passes through the shim.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "sys/unique_fd.h"

namespace peapod::node {

struct ExecStdioWanted {
  bool stdin = false, stdout = false, stderr = false, tty = false;
};

struct ExecStdio {
  // The daemon's ends, close-on-exec. With a tty, stdoutRead is the pty master and stdinWrite a
  // dup of it (so each can be its own asio descriptor); there is no stderr.
  sys::UniqueFd stdinWrite, stdoutRead, stderrRead;
  bool tty = false;
  // The child's ends and their roles, for the shim's "stdio" field; close them once sent.
  std::vector<sys::UniqueFd> childFds;
  nlohmann::json roles = nlohmann::json::array();
};

Result<ExecStdio> makeExecStdio(const ExecStdioWanted& wanted);

}  // namespace peapod::node
