// peapod: the kubectl-like client verbs and the `daemon` that runs the node, in one binary.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "server/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{
      "peapod runs Kubernetes Pods on this machine, the way the kubelet does.\n"
      "Start the node with `peapod daemon`, then use the kubectl-like verbs below.\n"
      "Example: peapod image import build/images/busybox && peapod apply -f examples/two-containers.yaml"};
  app.require_subcommand(1);
  peapod::cli::registerCommands(app);
  peapod::server::registerDaemonCommand(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
