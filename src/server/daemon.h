// The `peapod daemon` process: the object store, the image store, the node's pod manager and the
// API server on one event loop. Pods outlive it: their shims keep running while it restarts.
#pragma once

#include <string>
#include <vector>

#include "node/config.h"

namespace CLI {
class App;
}

namespace peapod::server {

struct DaemonOptions {
  node::NodeConfig node;
  std::vector<std::string> listen;  // unix:///path, tcp://127.0.0.1:PORT
  bool verbose = false;
};

// Runs until SIGINT/SIGTERM; returns the process exit code.
int runDaemon(DaemonOptions options);

// Adds the `daemon` subcommand with its flags to the peapod command line.
void registerDaemonCommand(CLI::App& app);

}  // namespace peapod::server
