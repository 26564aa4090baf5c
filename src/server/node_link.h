// NodeLink: the glue between the object store and the node (what the apiserver and the kubelet's
// API client are to each other): pod changes flow to the node; status, events and finished
// deletions flow back; static pods from the manifest dir get mirror objects that an API deletion
// cannot stop.
#pragma once

#include <map>
#include <string>

#include "node/pod_manager.h"
#include "server/beast.h"
#include "node/static_pods.h"
#include "store/object_store.h"

namespace peapod::server {

class NodeLink {
 public:
  NodeLink(asio::io_context& io, store::ObjectStore& store, std::string nodeName)
      : io_(io), store_(store), nodeName_(std::move(nodeName)) {}

  // What the node calls back with (status, finished deletions, events).
  node::PodManager::Callbacks nodeCallbacks();
  // What the static pod source calls back with (mirror objects).
  node::StaticPodSource::Callbacks staticCallbacks();

  // Subscribes the node to pod changes and hands it the pods already stored (a restarted daemon
  // adopts them). Call once, after node.start().
  void attach(node::PodManager& node);
  void setStaticSource(const node::StaticPodSource* source) { static_ = source; }

  // Records a Kubernetes Event about a pod; a repeat of the same reason and message counts up.
  void recordEvent(const api::Pod& pod, const std::string& type, const std::string& reason,
                   const std::string& message);

 private:
  const api::Pod* staticPod(const std::string& uid) const;
  void recreateMirror(const std::string& uid, const nlohmann::json& lastStatus);

  asio::io_context& io_;
  store::ObjectStore& store_;
  std::string nodeName_;
  const node::StaticPodSource* static_ = nullptr;
  std::map<std::string, std::string> eventNames_;  // uid/reason/message -> Event name
  uint64_t eventSeq_ = 0;
};

}  // namespace peapod::server
