// `peapod delete pod NAME...` / `peapod delete -f FILE`: graceful deletion, waiting until the
// pods are gone as kubectl does.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/commands.h"

namespace peapod::cli {
namespace {

struct DeleteOptions {
  std::vector<std::string> args;
  std::vector<std::string> files;
  int gracePeriod = -1;
  bool force = false;
  bool wait = true;
  std::string timeout = "0";
};

// Waits for the pod to disappear, as `kubectl delete` does by default.
bool waitGone(const Context& ctx, const std::string& ns, const std::string& name, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto client = ctx.client();
  auto pause = std::chrono::milliseconds(10);
  while (timeout.count() == 0 || std::chrono::steady_clock::now() < deadline) {
    auto r = client.request("GET", podsPath(ns, name));
    if (r.ok() && r->status == 404) return true;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
  return false;
}

int deleteOne(const Context& ctx, const DeleteOptions& o, const std::string& ns, const std::string& name) {
  nlohmann::json options = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"propagationPolicy", "Background"}};
  int grace = o.gracePeriod;
  if (o.force && grace < 0) grace = 0;
  if (grace == 0 && !o.force) grace = 1;  // kubectl: 0 without --force means "as fast as possible", 1s
  if (grace >= 0) options["gracePeriodSeconds"] = grace;
  if (o.force) std::cerr << "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n";
  auto r = ctx.client().request("DELETE", podsPath(ns, name), options.dump());
  if (!r.ok()) {
    std::cerr << "error: " << r.error().message() << "\n";
    return 1;
  }
  if (r->status != 200) return printApiError(*r);
  std::cout << "pod \"" << name << "\" " << (o.force ? "force deleted" : "deleted") << "\n";
  if (o.wait && !o.force && !waitGone(ctx, ns, name, std::chrono::seconds(std::stoi(o.timeout)))) {
    std::cerr << "error: timed out waiting for pod \"" << name << "\" to be deleted\n";
    return 1;
  }
  return 0;
}

}  // namespace

void registerDelete(CLI::App& app, std::shared_ptr<Context> ctx) {
  auto o = std::make_shared<DeleteOptions>();
  auto* cmd = app.add_subcommand("delete", "Delete pods gracefully (stop signal, grace period, then SIGKILL)");
  cmd->add_option("args", o->args, "pod NAME... (or pods NAME...)");
  cmd->add_option("-f,--filename", o->files, "delete the Pods named in this file");
  cmd->add_option("--grace-period", o->gracePeriod, "seconds to wait before SIGKILL (default: the pod's own)");
  cmd->add_flag("--force", o->force, "remove the pod object at once (with --grace-period=0)");
  cmd->add_option("--wait", o->wait, "wait for the pods to be gone")->capture_default_str();
  cmd->add_option("--timeout", o->timeout, "seconds to wait, 0 = forever")->capture_default_str();
  cmd->callback([ctx, o] {
    std::vector<std::pair<std::string, std::string>> targets;  // namespace, name
    for (const auto& f : o->files) {
      auto docs = readManifests(f);
      if (!docs.ok()) {
        std::cerr << "error: " << docs.error().message() << "\n";
        exitWith(1);
      }
      for (const auto& d : *docs) {
        std::string ns = d.value("metadata", nlohmann::json::object()).value("namespace", "");
        targets.emplace_back(ns.empty() ? ctx->ns : ns, d["metadata"].value("name", ""));
      }
    }
    auto args = o->args;
    if (!args.empty()) {
      std::string kind = args[0];
      if (size_t slash = kind.find('/'); slash != std::string::npos) {
        for (const auto& a : args) targets.emplace_back(ctx->ns, a.substr(a.find('/') + 1));
      } else if (kind == "pod" || kind == "pods" || kind == "po") {
        for (size_t i = 1; i < args.size(); ++i) targets.emplace_back(ctx->ns, args[i]);
      } else {
        std::cerr << "error: the server doesn't have a resource type \"" << kind << "\"\n";
        exitWith(1);
      }
    }
    if (targets.empty()) {
      std::cerr << "error: you must specify pods to delete: peapod delete pod NAME or peapod delete -f FILE\n";
      exitWith(1);
    }
    int rc = 0;
    for (const auto& [ns, name] : targets) rc |= deleteOne(*ctx, *o, ns, name);
    if (rc != 0) exitWith(rc);
  });
}

}  // namespace peapod::cli
