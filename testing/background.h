// For e2e tests: a long-running command (kubectl/peapod port-forward) whose combined output is
// read until a pattern shows, and plain TCP clients to loopback.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

namespace peapod::testing {

class BackgroundCommand {
 public:
  // Starts argv (argv[0] searched in PATH) with stdout and stderr on one pipe.
  explicit BackgroundCommand(const std::vector<std::string>& argv);
  ~BackgroundCommand();  // SIGTERM, then reaped
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

  // Reads (bounded) until the output matches `re`; the first capture group, or the whole match,
  // or "" on timeout or EOF.
  std::string waitFor(const std::regex& re, std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
};

// A connected TCP socket to 127.0.0.1:port (close-on-exec), or -1.
int connectLoopback(int port);
// GET `path` over HTTP/1.0 from 127.0.0.1:port; the whole response ("" when nothing answers).
std::string httpGetLoopback(int port, const std::string& path);

}  // namespace peapod::testing
