// `peapod get pods [NAME...]`: kubectl's table, -o wide|yaml|json|name.
#include <CLI/CLI.hpp>
#include <iostream>

#include "api/manifest.h"
#include "cli/commands.h"
#include "cli/jsonpath.h"
#include "cli/pod_table.h"

namespace peapod::cli {
namespace {

struct GetOptions {
  std::string resource;
  std::vector<std::string> names;
  std::string output;
  bool allNamespaces = false;
  std::string selector;
};

bool isPodResource(const std::string& r) { return r == "pods" || r == "pod" || r == "po"; }

Result<std::vector<nlohmann::json>> fetch(const Context& ctx, const GetOptions& o) {
  auto client = ctx.client();
  std::vector<nlohmann::json> pods;
  if (!o.names.empty()) {
    for (const auto& name : o.names) {
      PEAPOD_ASSIGN_OR_RETURN(HttpResponse r, client.request("GET", podsPath(ctx.ns, name)));
      if (r.status != 200) {
        printApiError(r);
        exitWith(1);
      }
      pods.push_back(nlohmann::json::parse(r.body));
    }
    return pods;
  }
  std::string path = o.allNamespaces ? "/api/v1/pods" : podsPath(ctx.ns);
  if (!o.selector.empty()) path += "?labelSelector=" + urlEncode(o.selector);
  PEAPOD_ASSIGN_OR_RETURN(HttpResponse r, client.request("GET", path));
  if (r.status != 200) {
    printApiError(r);
    exitWith(1);
  }
  auto list = nlohmann::json::parse(r.body);
  for (auto& item : list["items"]) pods.push_back(std::move(item));
  return pods;
}

void print(const std::vector<nlohmann::json>& pods, const GetOptions& o, const Context& ctx) {
  bool single = o.names.size() == 1;
  nlohmann::json out = single ? pods[0]
                              : nlohmann::json{{"apiVersion", "v1"}, {"kind", "List"},
                                               {"metadata", {{"resourceVersion", ""}}}, {"items", pods}};
  if (o.output == "json" || o.output == "yaml") {
    std::cout << (o.output == "json" ? out.dump(4) + "\n" : api::toYaml(out));
    return;
  }
  if (o.output.rfind("jsonpath=", 0) == 0) {
    auto text = renderJsonPath(o.output.substr(9), out);
    if (!text.ok()) {
      std::cerr << "error: error parsing jsonpath " << o.output.substr(9) << ", " << text.error().message() << "\n";
      exitWith(1);
    }
    std::cout << *text;
    return;
  }
  if (o.output == "name") {
    for (const auto& p : pods) std::cout << "pod/" << p["metadata"].value("name", "") << "\n";
    return;
  }
  if (pods.empty()) {
    std::cerr << (o.allNamespaces ? "No resources found\n" : "No resources found in " + ctx.ns + " namespace.\n");
    return;
  }
  std::cout << podTable(pods, o.output == "wide", o.allNamespaces, WallClock::now());
}

}  // namespace

void registerGet(CLI::App& app, std::shared_ptr<Context> ctx) {
  auto o = std::make_shared<GetOptions>();
  auto* cmd = app.add_subcommand("get", "Show pods: kubectl's table, or the objects as YAML or JSON");
  cmd->add_option("resource", o->resource, "pods (or pod, po)")->required();
  cmd->add_option("names", o->names, "pod names (default: all in the namespace)");
  cmd->add_option("-o,--output", o->output, "wide, yaml, json, name or jsonpath=TEMPLATE")
      ->check([](const std::string& v) {
        bool ok = v.empty() || v == "wide" || v == "yaml" || v == "json" || v == "name" || v.rfind("jsonpath=", 0) == 0;
        return ok ? std::string() : "unable to match a printer suitable for the output format \"" + v +
                                        "\", allowed formats are: json,jsonpath,name,wide,yaml";
      });
  cmd->add_flag("-A,--all-namespaces", o->allNamespaces, "list pods in every namespace");
  cmd->add_option("-l,--selector", o->selector, "label selector, e.g. app=web,tier!=db");
  cmd->callback([ctx, o] {
    if (!isPodResource(o->resource)) {
      std::cerr << "error: the server doesn't have a resource type \"" << o->resource << "\"\n";
      exitWith(1);
    }
    auto pods = fetch(*ctx, *o);
    if (!pods.ok()) {
      std::cerr << "error: " << pods.error().message() << "\n";
      exitWith(1);
    }
    print(*pods, *o, *ctx);
  });
}

}  // namespace peapod::cli
