// `peapod wait --for=condition=Ready pod/NAME`: block until a pod condition holds (or it is gone).
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/commands.h"

namespace peapod::cli {
namespace {

// The value of condition `type` ("True"/"False"), or "" when absent; phase-like shortcuts for
// pods that finished (kubectl waits on conditions only).
std::string conditionStatus(const nlohmann::json& pod, const std::string& type) {
  for (const auto& c : pod["status"].value("conditions", nlohmann::json::array())) {
    if (c.value("type", "") == type) return c.value("status", "");
  }
  return "";
}

}  // namespace

void registerWait(CLI::App& app, std::shared_ptr<Context> ctx) {
  struct Options {
    std::vector<std::string> targets;
    std::string forWhat;
    std::string timeout = "30s";
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("wait", "Wait until pods meet a condition: --for=condition=Ready or --for=delete");
  cmd->add_option("targets", o->targets, "pod/NAME ...")->required();
  cmd->add_option("--for", o->forWhat, "condition=NAME[=VALUE] or delete")->required();
  cmd->add_option("--timeout", o->timeout, "give up after this long (e.g. 30s, 2m)")->capture_default_str();
  cmd->callback([ctx, o] {
    std::string cond, want = "True";
    bool forDelete = o->forWhat == "delete";
    if (!forDelete) {
      if (o->forWhat.rfind("condition=", 0) != 0) {
        std::cerr << "error: unrecognized condition: \"" << o->forWhat << "\"\n";
        exitWith(1);
      }
      cond = o->forWhat.substr(10);
      if (size_t eq = cond.find('='); eq != std::string::npos) {
        want = cond.substr(eq + 1);
        cond.resize(eq);
      }
    }
    std::string t = o->timeout;
    double secs = std::stod(t) * (t.back() == 'm' ? 60 : 1);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(secs * 1000));
    auto client = ctx->client();
    for (const auto& target : o->targets) {
      std::string name = target.substr(target.find('/') + 1);
      auto pause = std::chrono::milliseconds(10);
      while (true) {
        auto r = client.request("GET", podsPath(ctx->ns, name));
        if (!r.ok()) {
          std::cerr << "error: " << r.error().message() << "\n";
          exitWith(1);
        }
        if (r->status == 404 && forDelete) break;
        if (r->status == 404) exitWith(printApiError(*r));
        if (r->status == 200 && !forDelete) {
          auto pod = nlohmann::json::parse(r->body);
          if (conditionStatus(pod, cond) == want) {
            std::cout << "pod/" << name << " condition met\n";
            break;
          }
        }
        if (std::chrono::steady_clock::now() >= deadline) {
          std::cerr << "error: timed out waiting for the condition on pods/" << name << "\n";
          exitWith(1);
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(200));
      }
    }
  });
}

}  // namespace peapod::cli
