// What every peapod verb shares: the server address, the namespace, talking to the API and
// printing its errors the way kubectl does.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "cli/http_client.h"

namespace CLI {
class App;
}

namespace peapod::cli {

struct Context {
  std::string server;          // the chosen endpoint's address
  std::string ns = "default";  // -n / --namespace, else the kubeconfig context's namespace
  Endpoint endpoint;           // chosen once the command line is parsed (see chooseEndpoint)

  HttpClient client() const { return HttpClient(endpoint); }
};

// Adds --server, --kubeconfig, --token, --certificate-authority, --insecure-skip-tls-verify and
// -n/--namespace to the app; the returned context is filled in when parsing completes.
std::shared_ptr<Context> addGlobalFlags(CLI::App& app);

// "Error from server (NotFound): pods \"x\" not found" (kubectl's wording for a Status), or the
// body as is when it is not a Status. Returns 1, kubectl's exit code for a failed request.
int printApiError(const HttpResponse& response);

// Reads the objects in a YAML/JSON file ("-" is standard input), naming the file in errors.
Result<std::vector<nlohmann::json>> readManifests(const std::string& file);

// /api/v1/namespaces/{ns}/pods[/{name}]
std::string podsPath(const std::string& ns, const std::string& name = "");

// Ends the command with an exit code (CLI11 turns it into the process exit code).
[[noreturn]] void exitWith(int code);

}  // namespace peapod::cli
