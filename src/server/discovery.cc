#include "server/discovery.h"

#include <nlohmann/json.hpp>

#include "server/api_status.h"

namespace peapod::server {
namespace {

nlohmann::json podsResource() {
  return {{"name", "pods"},
          {"singularName", "pod"},
          {"namespaced", true},
          {"kind", "Pod"},
          {"verbs", {"create", "delete", "get", "list"}},
          {"shortNames", {"po"}},
          {"categories", {"all"}}};
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
    nlohmann::json resources = nlohmann::json::array({podsResource()});
    resources.push_back({{"name", "pods/log"}, {"singularName", ""}, {"namespaced", true}, {"kind", "Pod"},
                         {"verbs", {"get"}}});
    return jsonResponse(200, nlohmann::json{{"kind", "APIResourceList"}, {"groupVersion", "v1"},
                                            {"resources", resources}}
                                 .dump());
  }
  if (path == "/apis") {
    return jsonResponse(200, nlohmann::json{{"kind", "APIGroupList"}, {"apiVersion", "v1"},
                                            {"groups", nlohmann::json::array()}}
                                 .dump());
  }
  return std::nullopt;
}

}  // namespace peapod::server
