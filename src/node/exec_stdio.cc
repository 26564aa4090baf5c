#include "node/exec_stdio.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

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
    sys::UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) return Error::sys("posix_openpt");
    if (::grantpt(master.get()) != 0) return Error::sys("grantpt");
    if (::unlockpt(master.get()) != 0) return Error::sys("unlockpt");
    char name[128];
    if (::ptsname_r(master.get(), name, sizeof name) != 0) return Error::sys("ptsname");
    sys::UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) return Error::sys("open", name);
    if (wanted.stdin) {
      out.stdinWrite.reset(::fcntl(master.get(), F_DUPFD_CLOEXEC, 3));
      if (!out.stdinWrite) return Error::sys("dup", "pty master");
    }
    out.stdoutRead = std::move(master);
    out.childFds.push_back(std::move(slave));
    out.roles.push_back("tty");
    out.tty = true;
    return out;
  }
  if (wanted.stdin) PEAPOD_TRY(addPipe(out, out.stdinWrite, true, "stdin"));
  if (wanted.stdout) PEAPOD_TRY(addPipe(out, out.stdoutRead, false, "stdout"));
  if (wanted.stderr) PEAPOD_TRY(addPipe(out, out.stderrRead, false, "stderr"));
  return out;
}

Status resizeTerminal(int ptyMaster, uint16_t width, uint16_t height) {
  winsize ws{};
  ws.ws_col = width;
  ws.ws_row = height;
  if (::ioctl(ptyMaster, TIOCSWINSZ, &ws) != 0) return Error::sys("ioctl", "TIOCSWINSZ");
  return {};
}

}  // namespace peapod::node
