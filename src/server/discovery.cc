#include "server/discovery.h"

#include <nlohmann/json.hpp>

#include <vector>

#include "server/api_status.h"

namespace peapod::server {
namespace {

nlohmann::json resource(const char* name, const char* singular, bool namespaced, const char* kind,
                        std::vector<std::string> verbs, std::vector<std::string> shortNames = {},
                        bool inAll = false) {
  nlohmann::json r = {{"name", name}, {"singularName", singular}, {"namespaced", namespaced}, {"kind", kind},
                      {"verbs", verbs}};
  if (!shortNames.empty()) r["shortNames"] = shortNames;
  if (inAll) r["categories"] = {"all"};
  return r;
}

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get", "list", "patch",
                                            "update", "watch"};

nlohmann::json coreResources() {
  nlohmann::json r = nlohmann::json::array();
  r.push_back(resource("configmaps", "configmap", true, "ConfigMap", kAllVerbs, {"cm"}));
  r.push_back(resource("events", "event", true, "Event", kAllVerbs, {"ev"}));
  r.push_back(resource("namespaces", "namespace", false, "Namespace",
                       {"create", "delete", "get", "list", "patch", "update", "watch"}, {"ns"}));
  r.push_back(resource("nodes", "node", false, "Node", kAllVerbs, {"no"}));
  r.push_back(resource("nodes/status", "", false, "Node", {"get", "patch", "update"}));
  r.push_back(resource("pods", "pod", true, "Pod", kAllVerbs, {"po"}, true));
  r.push_back(resource("pods/log", "", true, "Pod", {"get"}));
  r.push_back(resource("pods/status", "", true, "Pod", {"get", "patch", "update"}));
  r.push_back(resource("secrets", "secret", true, "Secret", kAllVerbs));
  return r;
}

}  // namespace

std::optional<Response> discovery(const std::string& path) {
  if (path == "/version") {
    return jsonResponse(200, nlohmann::json{{"major", "1"},
                                            {"minor", "30"},
                                            {"gitVersion", "v1.30.0-peapod"},
                                            {"platform", "linux/amd64"}}
                                 .dump());
  }
  if (path == "/api") {
    return jsonResponse(200, nlohmann::json{{"kind", "APIVersions"}, {"versions", {"v1"}},
                                            {"serverAddressByClientCIDRs", nlohmann::json::array()}}
                                 .dump());
  }
  if (path == "/api/v1") {
    nlohmann::json resources = coreResources();
    return jsonResponse(200, nlohmann::json{{"kind", "APIResourceList"}, {"groupVersion", "v1"},
                                            {"resources", resources}}
                                 .dump());
  }
  if (path == "/apis") {
    return jsonResponse(200, nlohmann::json{{"kind", "APIGroupList"}, {"apiVersion", "v1"},
                                            {"groups", nlohmann::json::array()}}
                                 .dump());
  }
  if (path == "/openapi/v2" || path == "/swagger-2.0.0.pb-v1") {
    // The smallest OpenAPI v2 protobuf document kubectl accepts: swagger "2.0" and an info block,
    // no schemas, so kubectl validates nothing itself and asks the server (fieldValidation=Strict).
    static const unsigned char kDoc[] = {0x0a, 0x03, 0x32, 0x2e, 0x30, 0x12, 0x15, 0x0a, 0x0a, 0x4b,
                                         0x75, 0x62, 0x65, 0x72, 0x6e, 0x65, 0x74, 0x65, 0x73, 0x12,
                                         0x07, 0x76, 0x31, 0x2e, 0x33, 0x30, 0x2e, 0x30};
    Response r;
    r.contentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
    r.body.assign(reinterpret_cast<const char*>(kDoc), sizeof kDoc);
    return r;
  }
  return std::nullopt;
}

}  // namespace peapod::server
