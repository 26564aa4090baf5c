// ObjectApi: the simpler core/v1 resources around pods — namespaces (with their lifecycle:
// deleting one deletes its pods), nodes, events, configmaps and secrets — stored as JSON.
#pragma once

#include <functional>
#include <string>

#include "server/beast.h"
#include "server/http_types.h"
#include "store/object_store.h"

namespace peapod::server {

class WatchHub;

// Resources ObjectApi serves, and whether they live in a namespace.
bool isSimpleResource(const std::string& resource);
bool isNamespaced(const std::string& resource);

class ObjectApi {
 public:
  // deletePod: graceful deletion of one pod (what DELETE on it does), for namespace deletion.
  using DeletePod = std::function<void(const std::string& ns, const std::string& name)>;
  ObjectApi(asio::io_context& io, store::ObjectStore& store, DeletePod deletePod);
  ~ObjectApi();

  // Creates default, kube-system, kube-public and kube-node-lease when missing.
  void ensureSystemNamespaces();
  // True when the namespace exists and is not terminating (pods may be created in it).
  Response checkNamespaceWritable(const std::string& ns) const;  // status 200 when fine

  // The watch history later pages of a paged list are read from (at the first page's revision).
  void setHistory(const WatchHub* history) { history_ = history; }

  Response create(const Request& req, const std::string& resource, const std::string& ns);
  Response get(const Request& req, const std::string& resource, const std::string& ns, const std::string& name);
  Response list(const Request& req, const std::string& resource, const std::string& ns);
  Response update(const Request& req, const std::string& resource, const std::string& ns, const std::string& name);
  Response patch(const Request& req, const std::string& resource, const std::string& ns, const std::string& name);
  Response remove(const Request& req, const std::string& resource, const std::string& ns, const std::string& name);

 private:
  Response store(const std::string& resource, const std::string& ns, nlohmann::json obj, bool create, int code);
  void finishNamespaceIfEmpty(const std::string& ns);

  asio::io_context& io_;
  store::ObjectStore& store_;
  DeletePod deletePod_;
  int listenerId_;
  const WatchHub* history_ = nullptr;
};

}  // namespace peapod::server
