// The `peapod daemon` process: the object store, the image store, the node's pod manager and the
// API server on one event loop. Pods outlive it: their shims keep running while it restarts.
#pragma once

#include <filesystem>
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
  // TCP listeners serve TLS with the generated certificate and require the bearer token; the
  // unix socket (root-only by its mode) needs neither.
  std::filesystem::path kubeconfig = "/etc/peapod/kubeconfig";  // written at start, mode 0600
  std::filesystem::path pkiDir;                                 // default <data-dir>/pki
  std::filesystem::path manifestDir = "/etc/peapod/manifests";  // static pods, watched
  bool plainHttp = false;                                       // TCP without TLS (tests)
  bool verbose = false;
};

// Runs until SIGINT/SIGTERM; returns the process exit code.
int runDaemon(DaemonOptions options);

// Adds the `daemon` subcommand with its flags to the peapod command line.
void registerDaemonCommand(CLI::App& app);

}  // namespace peapod::server
