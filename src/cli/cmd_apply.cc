// `peapod apply -f` and `peapod create -f`: send manifests to the API, like kubectl.
#include <CLI/CLI.hpp>
#include <cctype>
#include <iostream>

#include "cli/commands.h"

namespace peapod::cli {
namespace {

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

// The kinds apply and create handle, their resource and whether they live in a namespace.
struct KindInfo {
  const char* kind;
  const char* resource;
  bool namespaced;
};
constexpr KindInfo kKinds[] = {{"Pod", "pods", true},
                               {"ConfigMap", "configmaps", true},
                               {"Secret", "secrets", true},
                               {"Namespace", "namespaces", false}};

const KindInfo* kindInfo(const nlohmann::json& obj) {
  std::string kind = obj.value("kind", "");
  for (const auto& k : kKinds) {
    if (kind == k.kind) return &k;
  }
  return nullptr;
}

std::string objectNamespace(const nlohmann::json& obj, const Context& ctx) {
  std::string ns = obj.value("metadata", nlohmann::json::object()).value("namespace", "");
  return ns.empty() ? ctx.ns : ns;
}

// /api/v1[/namespaces/{ns}]/{resource}[/{name}]
std::string objectPath(const KindInfo& k, const nlohmann::json& obj, const Context& ctx, const std::string& name = "") {
  if (k.resource == std::string("pods")) return podsPath(objectNamespace(obj, ctx), name);
  std::string p = "/api/v1/";
  if (k.namespaced) p += "namespaces/" + urlEncode(objectNamespace(obj, ctx)) + "/";
  p += k.resource;
  if (!name.empty()) p += "/" + urlEncode(name);
  return p;
}

// "configmap/settings": kubectl's name for an object in its messages.
std::string displayName(const KindInfo& k, const std::string& name) {
  std::string kind = k.kind;
  for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return kind + "/" + name;
}

Result<const KindInfo*> checkKind(const nlohmann::json& obj) {
  const KindInfo* k = kindInfo(obj);
  if (!k) {
    return Error("peapod applies Pods, ConfigMaps, Secrets and Namespaces; this object is kind \"" +
                 obj.value("kind", "") + "\"");
  }
  if (!obj.contains("metadata") || obj["metadata"].value("name", "").empty()) {
    return Error("resource name may not be empty");
  }
  return k;
}

// apply: create when missing; unchanged when the last applied configuration is the same;
// otherwise a patch with the new configuration (strategic for Pods, as kubectl sends it).
int applyOne(const Context& ctx, nlohmann::json obj) {
  auto k = checkKind(obj);
  if (!k.ok()) {
    std::cerr << "error: " << k.error().message() << "\n";
    return 1;
  }
  const KindInfo& kind = **k;
  std::string name = obj["metadata"]["name"];
  std::string applied = obj.dump();
  auto client = ctx.client();
  auto current = client.request("GET", objectPath(kind, obj, ctx, name));
  if (!current.ok()) {
    std::cerr << "error: " << current.error().message() << "\n";
    return 1;
  }
  obj["metadata"]["annotations"][kLastApplied] = applied + "\n";
  if (current->status == 200) {
    auto live = nlohmann::json::parse(current->body, nullptr, false);
    std::string last = live.is_discarded() ? "" : live["metadata"].value("annotations", nlohmann::json::object())
                                                      .value(kLastApplied, "");
    if (nlohmann::json::parse(last, nullptr, false) == nlohmann::json::parse(applied)) {
      std::cout << displayName(kind, name) << " unchanged\n";
      return 0;
    }
    bool pod = kind.resource == std::string("pods");
    auto patched = client.request("PATCH", objectPath(kind, obj, ctx, name) + "?fieldManager=kubectl-client-side-apply",
                                  obj.dump(),
                                  pod ? "application/strategic-merge-patch+json" : "application/merge-patch+json");
    if (!patched.ok()) {
      std::cerr << "error: " << patched.error().message() << "\n";
      return 1;
    }
    if (patched->status != 200) return printApiError(*patched);
    std::cout << displayName(kind, name) << " configured\n";
    return 0;
  }
  if (current->status != 404) return printApiError(*current);
  auto created = client.request("POST", objectPath(kind, obj, ctx) + "?fieldManager=kubectl-client-side-apply", obj.dump());
  if (!created.ok()) {
    std::cerr << "error: " << created.error().message() << "\n";
    return 1;
  }
  if (created->status != 201) return printApiError(*created);
  std::cout << displayName(kind, name) << " created\n";
  return 0;
}

int createOne(const Context& ctx, const nlohmann::json& obj) {
  auto k = checkKind(obj);
  if (!k.ok()) {
    std::cerr << "error: " << k.error().message() << "\n";
    return 1;
  }
  auto r = ctx.client().request("POST", objectPath(**k, obj, ctx) + "?fieldManager=kubectl-create", obj.dump());
  if (!r.ok()) {
    std::cerr << "error: " << r.error().message() << "\n";
    return 1;
  }
  if (r->status != 201) return printApiError(*r);
  std::cout << displayName(**k, obj["metadata"].value("name", "")) << " created\n";
  return 0;
}

void addManifestVerb(CLI::App& app, std::shared_ptr<Context> ctx, const std::string& verb, const std::string& help,
                     int (*one)(const Context&, nlohmann::json)) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand(verb, help);
  cmd->add_option("-f,--filename", *files, "YAML or JSON file with Pods, ConfigMaps, Secrets, Namespaces (\"-\" reads stdin)")
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
  addManifestVerb(app, ctx, "apply", "Create or update the objects in a file (unchanged ones are left alone)", applyOne);
  addManifestVerb(app, ctx, "create", "Create the objects in a file; an existing one is an error",
                  [](const Context& c, nlohmann::json o) { return createOne(c, o); });
}

}  // namespace peapod::cli
