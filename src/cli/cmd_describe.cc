// `peapod describe pod NAME...`: the pod in kubectl's describe layout, with its events.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "cli/describe_pod.h"

namespace peapod::cli {
namespace {

// The pod's events; an API without events (404) shows "<none>", as kubectl tolerates.
nlohmann::json podEvents(HttpClient& client, const std::string& ns, const nlohmann::json& pod) {
  std::string selector = "involvedObject.name=" + pod["metadata"].value("name", "") +
                         ",involvedObject.namespace=" + ns + ",involvedObject.uid=" + pod["metadata"].value("uid", "");
  auto r = client.request("GET", "/api/v1/namespaces/" + urlEncode(ns) + "/events?fieldSelector=" + urlEncode(selector));
  if (!r.ok() || r->status != 200) return nlohmann::json::array();
  auto list = nlohmann::json::parse(r->body, nullptr, false);
  return list.is_discarded() ? nlohmann::json::array() : list.value("items", nlohmann::json::array());
}

}  // namespace

void registerDescribe(CLI::App& app, std::shared_ptr<Context> ctx) {
  auto args = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("describe", "Show a pod in detail: containers, states, conditions, volumes, events");
  cmd->add_option("args", *args, "pod NAME... (or pod/NAME); no name describes every pod")->required();
  cmd->callback([ctx, args] {
    std::string kind = (*args)[0];
    std::vector<std::string> names;
    if (size_t slash = kind.find('/'); slash != std::string::npos) {
      for (const auto& a : *args) names.push_back(a.substr(a.find('/') + 1));
    } else if (kind == "pod" || kind == "pods" || kind == "po") {
      names.assign(args->begin() + 1, args->end());
    } else {
      std::cerr << "error: the server doesn't have a resource type \"" << kind << "\"\n";
      exitWith(1);
    }
    auto client = ctx->client();
    std::vector<nlohmann::json> pods;
    if (names.empty()) {
      auto r = client.request("GET", podsPath(ctx->ns));
      if (!r.ok() || r->status != 200) exitWith(r.ok() ? printApiError(*r) : (std::cerr << "error: " << r.error().message() << "\n", 1));
      auto list = nlohmann::json::parse(r->body);
      for (auto& p : list["items"]) pods.push_back(std::move(p));
    }
    for (const auto& name : names) {
      auto r = client.request("GET", podsPath(ctx->ns, name));
      if (!r.ok()) {
        std::cerr << "error: " << r.error().message() << "\n";
        exitWith(1);
      }
      if (r->status != 200) exitWith(printApiError(*r));
      pods.push_back(nlohmann::json::parse(r->body));
    }
    for (size_t i = 0; i < pods.size(); ++i) {
      if (i > 0) std::cout << "\n\n";
      std::cout << describePod(pods[i], podEvents(client, ctx->ns, pods[i]), WallClock::now());
    }
  });
}

}  // namespace peapod::cli
