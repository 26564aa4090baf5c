// `peapod logs POD [-c CONTAINER]`: a container's output, from the API's log subresource.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

namespace peapod::cli {

void registerLogs(CLI::App& app, std::shared_ptr<Context> ctx) {
  struct Options {
    std::string pod, container, tail;
    bool previous = false, timestamps = false, follow = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("logs", "Print a container's logs");
  cmd->add_option("pod", o->pod, "pod name")->required();
  cmd->add_option("-c,--container", o->container, "container name (needed when the pod has several)");
  cmd->add_flag("-p,--previous", o->previous, "the previous (crashed) instance of the container");
  cmd->add_flag("--timestamps", o->timestamps, "prefix each line with its RFC3339 time");
  cmd->add_flag("-f,--follow", o->follow, "keep printing output as the container writes it");
  cmd->add_option("--tail", o->tail, "only the last N lines");
  cmd->callback([ctx, o] {
    std::string path = podsPath(ctx->ns, o->pod) + "/log?";
    if (!o->container.empty()) path += "container=" + urlEncode(o->container) + "&";
    if (o->previous) path += "previous=true&";
    if (o->timestamps) path += "timestamps=true&";
    if (!o->tail.empty()) path += "tailLines=" + urlEncode(o->tail) + "&";
    if (o->follow) path += "follow=true&";
    path.pop_back();
    auto r = o->follow ? ctx->client().stream(path, [](std::string_view d) { std::cout << d << std::flush; })
                       : ctx->client().request("GET", path);
    if (!r.ok()) {
      std::cerr << "error: " << r.error().message() << "\n";
      exitWith(1);
    }
    if (r->status != 200) exitWith(printApiError(*r));
    if (!o->follow) std::cout << r->body << std::flush;
  });
}

}  // namespace peapod::cli
