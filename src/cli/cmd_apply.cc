// `peapod apply -f` and `peapod create -f`: send manifests to the API, like kubectl.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

namespace peapod::cli {
namespace {

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

std::string objectNamespace(const nlohmann::json& obj, const Context& ctx) {
  std::string ns = obj.value("metadata", nlohmann::json::object()).value("namespace", "");
  return ns.empty() ? ctx.ns : ns;
}

Status checkKind(const nlohmann::json& obj) {
  std::string kind = obj.value("kind", "");
  if (kind != "Pod") return Error("peapod manages Pods only; this object is kind \"" + kind + "\"");
  if (!obj.contains("metadata") || obj["metadata"].value("name", "").empty()) {
    return Error("resource name may not be empty");
  }
  return {};
}

// apply: create when missing; unchanged when the last applied configuration is the same.
int applyOne(const Context& ctx, nlohmann::json obj) {
  if (auto s = checkKind(obj); !s.ok()) {
    std::cerr << "error: " << s.error().message() << "\n";
    return 1;
  }
  std::string ns = objectNamespace(obj, ctx), name = obj["metadata"]["name"];
  std::string applied = obj.dump();
  auto client = ctx.client();
  auto current = client.request("GET", podsPath(ns, name));
  if (!current.ok()) {
    std::cerr << "error: " << current.error().message() << "\n";
    return 1;
  }
  if (current->status == 200) {
    auto live = nlohmann::json::parse(current->body, nullptr, false);
    std::string last = live.is_discarded() ? "" : live["metadata"].value("annotations", nlohmann::json::object())
                                                      .value(kLastApplied, "");
    if (nlohmann::json::parse(last, nullptr, false) == nlohmann::json::parse(applied)) {
      std::cout << "pod/" << name << " unchanged\n";
      return 0;
    }
    std::cerr << "error: pod/" << name << " exists with another configuration; changing a running pod "
              << "is not supported yet: delete it first (peapod delete pod " << name << ")\n";
    return 1;
  }
  if (current->status != 404) return printApiError(*current);
  obj["metadata"]["annotations"][kLastApplied] = applied + "\n";
  auto created = client.request("POST", podsPath(ns) + "?fieldManager=kubectl-client-side-apply", obj.dump());
  if (!created.ok()) {
    std::cerr << "error: " << created.error().message() << "\n";
    return 1;
  }
  if (created->status != 201) return printApiError(*created);
  std::cout << "pod/" << name << " created\n";
  return 0;
}

int createOne(const Context& ctx, const nlohmann::json& obj) {
  if (auto s = checkKind(obj); !s.ok()) {
    std::cerr << "error: " << s.error().message() << "\n";
    return 1;
  }
  auto r = ctx.client().request("POST", podsPath(objectNamespace(obj, ctx)) + "?fieldManager=kubectl-create",
                                obj.dump());
  if (!r.ok()) {
    std::cerr << "error: " << r.error().message() << "\n";
    return 1;
  }
  if (r->status != 201) return printApiError(*r);
  std::cout << "pod/" << obj["metadata"].value("name", "") << " created\n";
  return 0;
}

void addManifestVerb(CLI::App& app, std::shared_ptr<Context> ctx, const std::string& verb, const std::string& help,
                     int (*one)(const Context&, nlohmann::json)) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand(verb, help);
  cmd->add_option("-f,--filename", *files, "YAML or JSON file with one or more Pods (\"-\" reads stdin)")
      ->required();
  cmd->callback([ctx, files, one] {
    int rc = 0;
    for (const auto& f : *files) {
      auto docs = readManifests(f);
      if (!docs.ok()) {
        std::cerr << "error: " << docs.error().message() << "\n";
        exitWith(1);
      }
      for (auto& d : *docs) rc |= one(*ctx, std::move(d));
    }
    if (rc != 0) exitWith(rc);
  });
}

}  // namespace

void registerApply(CLI::App& app, std::shared_ptr<Context> ctx) {
  addManifestVerb(app, ctx, "apply", "Create the Pods in a file (unchanged ones are left alone)", applyOne);
  addManifestVerb(app, ctx, "create", "Create the Pods in a file; an existing Pod is an error",
                  [](const Context& c, nlohmann::json o) { return createOne(c, o); });
}

}  // namespace peapod::cli
