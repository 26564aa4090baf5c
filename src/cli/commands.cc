#include "cli/commands.h"

#include <CLI/CLI.hpp>

namespace peapod::cli {

void registerCommands(CLI::App& app) {
  auto ctx = addGlobalFlags(app);
  app.fallthrough();  // like kubectl: -n and --server work before or after the verb
  registerApply(app, ctx);
  registerGet(app, ctx);
  registerDescribe(app, ctx);
  registerLogs(app, ctx);
  registerPortForward(app, ctx);
  registerExec(app, ctx);
  registerDelete(app, ctx);
  registerWait(app, ctx);
  registerImage(app, ctx);
  registerCompletion(app);
  registerKubeconfig(app);
}

}  // namespace peapod::cli
