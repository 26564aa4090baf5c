// PodApi: the core/v1 pods resource — create, get, list, delete and the log subresource — over the
// object store; the node picks changes up from the store and writes status back through it.
#pragma once

#include <filesystem>
#include <string>

#include "server/http_types.h"
#include "store/object_store.h"

namespace peapod::server {

class PodApi {
 public:
  PodApi(store::ObjectStore& store, std::string nodeName, std::filesystem::path logDir)
      : store_(store), nodeName_(std::move(nodeName)), logDir_(std::move(logDir)) {}

  Response create(const Request& req, const std::string& ns);
  Response get(const std::string& ns, const std::string& name);
  Response list(const Request& req, const std::string& ns);  // ns "" = all namespaces
  Response remove(const Request& req, const std::string& ns, const std::string& name);
  Response log(const Request& req, const std::string& ns, const std::string& name);

 private:
  store::ObjectStore& store_;
  std::string nodeName_;
  std::filesystem::path logDir_;
};

}  // namespace peapod::server
