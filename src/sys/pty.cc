#include "sys/pty.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace peapod::sys {

Result<Pty> openPty() {
  Pty p;
  p.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!p.master) return Error::sys("posix_openpt");
  if (::grantpt(p.master.get()) != 0) return Error::sys("grantpt");
  if (::unlockpt(p.master.get()) != 0) return Error::sys("unlockpt");
  char name[128];
  if (::ptsname_r(p.master.get(), name, sizeof name) != 0) return Error::sys("ptsname");
  p.slave.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!p.slave) return Error::sys("open", name);
  return p;
}

Status resizePty(int master, uint16_t width, uint16_t height) {
  winsize ws{};
  ws.ws_col = width;
  ws.ws_row = height;
  if (::ioctl(master, TIOCSWINSZ, &ws) != 0) return Error::sys("ioctl", "TIOCSWINSZ");
  return {};
}

}  // namespace peapod::sys
