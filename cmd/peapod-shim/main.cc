// peapod-shim: the per-pod infra process. Wiring only: flags, setsid, ready pipe, the loop.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "base/log.h"
#include "runtime/spec.h"
#include "shim/shim.h"

namespace {

void report(int readyFd, const std::string& line) {
  if (readyFd < 0) return;
  (void)::write(readyFd, line.data(), line.size());
  ::close(readyFd);
}

int fail(int readyFd, const std::string& message) {
  peapod::log::error(message);
  std::string oneLine = message;
  for (char& c : oneLine) {
    if (c == '\n') c = ' ';
  }
  report(readyFd, "error: " + oneLine + "\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string sandboxPath;
  int readyFd = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--sandbox" && i + 1 < argc) sandboxPath = argv[++i];
    else if (a == "--ready-fd" && i + 1 < argc) readyFd = std::atoi(argv[++i]);
    else return fail(readyFd, "usage: peapod-shim --sandbox <sandbox.json> [--ready-fd N]");
  }
  if (sandboxPath.empty()) return fail(readyFd, "usage: peapod-shim --sandbox <sandbox.json> [--ready-fd N]");
  // Own session: the daemon's death or its terminal's hangup must not reach the pod.
  ::setsid();

  std::ifstream in(sandboxPath);
  if (!in) return fail(readyFd, "open " + sandboxPath + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  auto json = nlohmann::json::parse(ss.str(), nullptr, false);
  if (json.is_discarded()) return fail(readyFd, sandboxPath + ": malformed JSON");
  auto spec = peapod::runtime::sandboxSpecFromJson(json);
  if (!spec.ok()) return fail(readyFd, spec.error().message());

  auto shim = peapod::shim::Shim::create(*spec);
  if (!shim.ok()) return fail(readyFd, shim.error().wrap("start pod sandbox").message());
  report(readyFd, "ok\n");
  return (*shim)->run();
}
