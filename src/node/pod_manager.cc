#include "node/pod_manager.h"

#include "base/log.h"
#include "node/node_facts.h"

namespace peapod::node {

PodManager::PodManager(asio::io_context& io, NodeConfig config, image::Store& images, Callbacks callbacks)
    : io_(io),
      config_(std::move(config)),
      images_(images),
      callbacks_(std::move(callbacks)),
      imagePuller_(std::make_unique<ImagePuller>(io_, images_, config_)) {}

PodManager::~PodManager() = default;

Status PodManager::start() {
  std::error_code ec;
  for (const auto& dir : {config_.runDir / "pods", config_.dataDir / "pods", config_.logDir}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error("create " + dir.string() + ": " + ec.message());
  }
  PEAPOD_ASSIGN_OR_RETURN(network::Ipam ipam, network::Ipam::create(config_.bridge.cidr));
  ipam_ = std::make_unique<network::Ipam>(std::move(ipam));
  // Addresses of sandboxes a previous daemon left running, before any pod allocates.
  for (const auto& ip : sandboxAddresses(config_)) ipam_->reserve(ip);
  PEAPOD_TRY(network::ensureBridge(config_.bridge));
  facts_ = discoverNodeFacts(config_);
  return {};
}

void PodManager::syncPod(const api::Pod& pod) {
  auto it = workers_.find(pod.metadata.uid);
  if (it == workers_.end()) {
    // Reserve the address of a pod a previous daemon started before any new pod allocates.
    if (!pod.status.podIP.empty()) ipam_->reserve(pod.status.podIP);
    workers_.emplace(pod.metadata.uid, std::make_unique<PodWorker>(*this, pod));
    return;
  }
  it->second->update(pod);
}

void PodManager::forgetPod(const std::string& uid) {
  auto it = workers_.find(uid);
  if (it != workers_.end()) it->second->kill();
}

void PodManager::imagesChanged() {
  for (auto& [uid, w] : workers_) w->retryImages();
}

void PodManager::objectsChanged(const std::string& ns) {
  for (auto& [uid, w] : workers_) {
    if (w->pod().metadata.namespace_ == ns) w->objectsChanged();
  }
}

void PodManager::release(const std::string& uid) {
  asio::post(io_, [this, uid] { workers_.erase(uid); });
}

}  // namespace peapod::node
