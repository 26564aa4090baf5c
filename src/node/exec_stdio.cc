#include "node/exec_stdio.h"

#include <fcntl.h>
#include <unistd.h>

#include "sys/pty.h"

namespace peapod::node {
namespace {

// One pipe; `childReads` picks which end the child gets.
Status addPipe(ExecStdio& out, sys::UniqueFd& ours, bool childReads, const char* role) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::sys("pipe2", role);
  sys::UniqueFd r(fds[0]), w(fds[1]);
  ours = childReads ? std::move(w) : std::move(r);
  out.childFds.push_back(childReads ? std::move(r) : std::move(w));
  out.roles.push_back(role);
  return {};
}

}  // namespace

Result<ExecStdio> makeExecStdio(const ExecStdioWanted& wanted) {
  ExecStdio out;
  if (wanted.tty) {
    PEAPOD_ASSIGN_OR_RETURN(sys::Pty pty, sys::openPty());
    if (wanted.stdin) {
      out.stdinWrite.reset(::fcntl(pty.master.get(), F_DUPFD_CLOEXEC, 3));
      if (!out.stdinWrite) return Error::sys("dup", "pty master");
    }
    out.stdoutRead = std::move(pty.master);
    out.childFds.push_back(std::move(pty.slave));
    out.roles.push_back("tty");
    out.tty = true;
    return out;
  }
  if (wanted.stdin) PEAPOD_TRY(addPipe(out, out.stdinWrite, true, "stdin"));
  if (wanted.stdout) PEAPOD_TRY(addPipe(out, out.stdoutRead, false, "stdout"));
  if (wanted.stderr) PEAPOD_TRY(addPipe(out, out.stderrRead, false, "stderr"));
  return out;
}

}  // namespace peapod::node
