// PodManager: the node's kubelet. Keeps one PodWorker per pod assigned to this node and reports
// status changes and finished deletions back to whoever owns the API objects.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "api/types.h"
#include "base/result.h"
#include "image/store.h"
#include "network/host_ports.h"
#include "network/ipam.h"
#include "node/asio.h"
#include "node/config.h"
#include "node/env.h"
#include "node/image_puller.h"
#include "node/pod_worker.h"

namespace peapod::node {

class PodManager {
 public:
  struct Callbacks {
    std::function<void(const api::Pod&)> statusChanged;  // write pod.status to the API object
    std::function<void(const api::Pod&)> terminated;     // graceful deletion finished: delete it
    // A Kubernetes Event about the pod: type "Normal"/"Warning", reason ("Started"), message.
    std::function<void(const api::Pod&, const std::string&, const std::string&, const std::string&)> event;
  };

  PodManager(asio::io_context& io, NodeConfig config, image::Store& images, Callbacks callbacks);
  ~PodManager();

  // Prepares the node: directories, the bridge. Call once before any pod.
  Status start();

  // The desired state of a pod changed (created, updated, deletion requested).
  void syncPod(const api::Pod& pod);
  // The pod object was removed outright (forced deletion): kill it without grace.
  void forgetPod(const std::string& uid);
  // New images are in the store: pods waiting for an image try again.
  void imagesChanged();
  // Where ConfigMaps and Secrets are read (envFrom, keyRefs, volumes); call after start().
  void setObjectSource(const ObjectSource* objects) { facts_.objects = objects; }
  // A ConfigMap or Secret of namespace `ns` changed or appeared: the pods there refresh their
  // volumes and retry what waited for it.
  void objectsChanged(const std::string& ns);

  const NodeConfig& config() const { return config_; }
  asio::io_context& io() { return io_; }
  image::Store& images() { return images_; }
  // Pull policies, shared pulls, back-off, in-use tracking and image GC (image_puller.h).
  ImagePuller& imagePuller() { return *imagePuller_; }
  network::Ipam& ipam() { return *ipam_; }
  network::HostPorts& hostPorts() { return hostPorts_; }
  const NodeFacts& facts() const { return facts_; }
  const Callbacks& callbacks() const { return callbacks_; }
  void recordEvent(const api::Pod& pod, const std::string& type, const std::string& reason,
                   const std::string& message) {
    if (callbacks_.event) callbacks_.event(pod, type, reason, message);
  }
  // The shim connection of a pod's sandbox (exec, attach, port-forward); null when the pod has
  // none here (not started yet, finished, or unknown).
  ShimConnection* shimFor(const std::string& uid) const {
    auto it = workers_.find(uid);
    return it == workers_.end() ? nullptr : it->second->shim();
  }
  // A worker that has finished for good asks to be dropped (deferred, never inside itself).
  void release(const std::string& uid);

 private:
  asio::io_context& io_;
  NodeConfig config_;
  image::Store& images_;
  Callbacks callbacks_;
  std::unique_ptr<ImagePuller> imagePuller_;  // before workers_: outlives them
  std::unique_ptr<network::Ipam> ipam_;
  network::HostPorts hostPorts_{io_};  // before workers_: their leases go first
  NodeFacts facts_;
  std::map<std::string, std::unique_ptr<PodWorker>> workers_;  // by uid
};

}  // namespace peapod::node
