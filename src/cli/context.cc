#include "cli/context.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/manifest.h"

namespace peapod::cli {

std::shared_ptr<Context> addGlobalFlags(CLI::App& app) {
  auto ctx = std::make_shared<Context>();
  const char* env = std::getenv("PEAPOD_SERVER");
  ctx->server = env && *env ? env : "unix:///run/peapod/peapod.sock";
  app.add_option("-s,--server", ctx->server, "API address: unix:///PATH or tcp://HOST:PORT (env PEAPOD_SERVER)")
      ->capture_default_str();
  app.add_option("-n,--namespace", ctx->ns, "namespace of the request")->capture_default_str();
  return ctx;
}

int printApiError(const HttpResponse& r) {
  auto s = nlohmann::json::parse(r.body, nullptr, false);
  if (s.is_discarded() || s.value("kind", "") != "Status") {
    std::cerr << "Error from server: " << r.body << "\n";
    return 1;
  }
  std::string reason = s.value("reason", "");
  std::string message = s.value("message", "");
  if (reason == "Invalid" && s.contains("details")) {
    // kubectl: `The Pod "x" is invalid: <cause>` or one "* cause" line per field.
    auto causes = s["details"].value("causes", nlohmann::json::array());
    std::cerr << "The " << s["details"].value("kind", "") << " \"" << s["details"].value("name", "")
              << "\" is invalid: ";
    if (causes.size() == 1) {
      std::cerr << causes[0].value("field", "") << ": " << causes[0].value("message", "") << "\n";
    } else {
      std::cerr << "\n";
      for (const auto& c : causes) std::cerr << "* " << c.value("field", "") << ": " << c.value("message", "") << "\n";
    }
    return 1;
  }
  std::cerr << "Error from server" << (reason.empty() ? "" : " (" + reason + ")") << ": " << message << "\n";
  return 1;
}

Result<std::vector<nlohmann::json>> readManifests(const std::string& file) {
  std::stringstream ss;
  if (file == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(file);
    if (!in) return Error("the path \"" + file + "\" does not exist");
    ss << in.rdbuf();
  }
  auto docs = api::parseManifests(ss.str());
  if (!docs.ok()) return std::move(docs).error().wrap("error parsing " + file);
  if (docs->empty()) return Error("no objects passed to apply (" + file + " is empty)");
  return docs;
}

std::string podsPath(const std::string& ns, const std::string& name) {
  std::string p = "/api/v1/namespaces/" + urlEncode(ns) + "/pods";
  if (!name.empty()) p += "/" + urlEncode(name);
  return p;
}

void exitWith(int code) { throw CLI::RuntimeError(code); }

}  // namespace peapod::cli
