// PodApi: the core/v1 pods resource — create, get, list, update, patch, delete, the status and log
// subresources — over the object store; the node picks changes up from the store and writes
// status back through it. Watches go through the WatchHub.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "api/types.h"
#include "server/http_types.h"
#include "store/object_store.h"

namespace peapod::server {

class WatchHub;

// Decodes a Pod honouring ?fieldValidation: Strict (and unset) refuse unknown fields, Ignore and
// Warn drop them (Warn lists them in `warnings`).
Result<api::Pod> decodePod(nlohmann::json body, const std::string& fieldValidation,
                           std::vector<std::string>* warnings = nullptr);
// A random version 4 UUID for metadata.uid.
std::string newObjectUid();
// A request body as JSON (YAML when the Content-Type says so).
Result<nlohmann::json> parseBody(const Request& req);

class PodApi {
 public:
  PodApi(store::ObjectStore& store, std::string nodeName, std::filesystem::path logDir)
      : store_(store), nodeName_(std::move(nodeName)), logDir_(std::move(logDir)) {}

  Response create(const Request& req, const std::string& ns);
  Response get(const Request& req, const std::string& ns, const std::string& name);
  Response list(const Request& req, const std::string& ns);  // ns "" = all namespaces
  // PUT of the pod or (status) of its status subresource; 409 on a resourceVersion conflict.
  Response update(const Request& req, const std::string& ns, const std::string& name, bool status);
  // PATCH (json, merge, strategic, apply) of the pod or its status; apply creates a missing pod.
  Response patch(const Request& req, const std::string& ns, const std::string& name, bool status);
  Response remove(const Request& req, const std::string& ns, const std::string& name);
  // The log subresource; with follow=true a stream that ends when the container stops.
  Response log(const Request& req, const std::string& ns, const std::string& name);

  // The watch history later pages of a paged list are read from (at the first page's revision).
  void setHistory(const WatchHub* history) { history_ = history; }

  // Kept for callers that have no request (unit tests).
  Response get(const std::string& ns, const std::string& name) { return get(Request{}, ns, name); }

 private:
  Response createObject(const Request& req, const std::string& ns, nlohmann::json body);
  // Validates `next` against the stored pod and stores it (the shared end of PUT and PATCH).
  Response commit(const Request& req, const std::string& ns, const std::string& name, nlohmann::json next,
                  const nlohmann::json& current, bool status);

  store::ObjectStore& store_;
  std::string nodeName_;
  std::filesystem::path logDir_;
  const WatchHub* history_ = nullptr;
};

}  // namespace peapod::server
