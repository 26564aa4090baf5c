// Pseudo-terminals for containers and execs with `tty: true`.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "sys/unique_fd.h"

namespace peapod::sys {

struct Pty {
  UniqueFd master, slave;  // both close-on-exec and not the caller's controlling terminal
};

// A new pty pair from /dev/ptmx.
Result<Pty> openPty();

// TIOCSWINSZ on a pty master (the foreground process gets SIGWINCH).
Status resizePty(int master, uint16_t width, uint16_t height);

}  // namespace peapod::sys
