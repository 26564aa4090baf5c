// `peapod kubeconfig`: prints the kubeconfig the daemon wrote, for kubectl and other clients.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "cli/commands.h"

namespace peapod::cli {

void registerKubeconfig(CLI::App& app) {
  auto path = std::make_shared<std::string>("/etc/peapod/kubeconfig");
  auto* cmd = app.add_subcommand("kubeconfig", "Print the kubeconfig (CA, server, token) that kubectl can use as is");
  cmd->add_option("--path", *path, "the file `peapod daemon --kubeconfig` wrote")->capture_default_str();
  cmd->callback([path] {
    std::ifstream in(*path);
    if (!in) {
      std::cerr << "error: cannot read " << *path << " (it is written when `peapod daemon` starts with a TCP listener)\n";
      exitWith(1);
    }
    std::cout << in.rdbuf();
  });
}

}  // namespace peapod::cli
