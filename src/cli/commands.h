// The peapod verbs (kubectl's, for pods on this node, plus image management).
#pragma once

#include <memory>

#include "cli/context.h"

namespace CLI {
class App;
}

namespace peapod::cli {

// Registers every client verb on the app.
void registerCommands(CLI::App& app);

// One registration function per verb group, each in its own file.
void registerApply(CLI::App& app, std::shared_ptr<Context> ctx);   // apply, create
void registerGet(CLI::App& app, std::shared_ptr<Context> ctx);     // get
void registerDescribe(CLI::App& app, std::shared_ptr<Context> ctx);  // describe
void registerLogs(CLI::App& app, std::shared_ptr<Context> ctx);    // logs
void registerPortForward(CLI::App& app, std::shared_ptr<Context> ctx);  // port-forward
void registerExec(CLI::App& app, std::shared_ptr<Context> ctx);    // exec, attach
void registerDelete(CLI::App& app, std::shared_ptr<Context> ctx);  // delete
void registerWait(CLI::App& app, std::shared_ptr<Context> ctx);    // wait
void registerImage(CLI::App& app, std::shared_ptr<Context> ctx);   // image import, images
void registerCompletion(CLI::App& app);                             // completion bash
void registerKubeconfig(CLI::App& app);                             // kubeconfig

}  // namespace peapod::cli
