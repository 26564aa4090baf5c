#include "cli/context.h"

#include <CLI/CLI.hpp>
#include <openssl/crypto.h>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/manifest.h"
#include "cli/endpoint.h"

namespace peapod::cli {

std::shared_ptr<Context> addGlobalFlags(CLI::App& app) {
  auto ctx = std::make_shared<Context>();
  auto choice = std::make_shared<EndpointChoice>();
  app.add_option("-s,--server", choice->server,
                 "API address: unix:///PATH, tcp://HOST:PORT or https://HOST:PORT (env PEAPOD_SERVER; default: the "
                 "kubeconfig's server, else " + std::string(kDefaultSocket) + ")");
  app.add_option("--kubeconfig", choice->kubeconfig,
                 "kubeconfig to reach the API over TLS with (env KUBECONFIG; else " + std::string(kDefaultKubeconfig) +
                     " when the unix socket is not reachable)");
  app.add_option("--token", choice->token, "bearer token for the API");
  app.add_option("--certificate-authority", choice->caFile, "CA certificate file to verify the https server with");
  app.add_flag("--insecure-skip-tls-verify", choice->insecure, "do not verify the https server's certificate");
  auto* nsOpt = app.add_option("-n,--namespace", ctx->ns, "namespace of the request")->capture_default_str();
  app.parse_complete_callback([&app, ctx, choice, nsOpt] {
    if (app.got_subcommand("daemon")) return;  // serves the API, does not call it
    if (const char* e = std::getenv("KUBECONFIG")) choice->envKubeconfig = e;
    if (const char* e = std::getenv("PEAPOD_SERVER")) choice->envServer = e;
    auto ep = chooseEndpoint(*choice);
    if (!ep.ok()) {
      std::cerr << "error: " << ep.error().message() << "\n";
      exitWith(1);
    }
    // TLS relays (exec, port-forward) run on a detached thread until their socket closes; keep
    // OpenSSL's exit-time cleanup from pulling state from under one still finishing.
    if (ep->tls()) OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
    ctx->endpoint = std::move(*ep);
    ctx->server = ctx->endpoint.server;
    if (nsOpt->count() == 0 && !ctx->endpoint.ns.empty()) ctx->ns = ctx->endpoint.ns;
  });
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
