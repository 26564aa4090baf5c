// PodWorker's volume duties: set up before the sandbox (FailedMount retried), content volumes
// refreshed when ConfigMaps, Secrets or the pod's labels/annotations change, and the kubelet's
// emptyDir sizeLimit eviction.
#include "base/log.h"
#include "base/time.h"
#include "node/pod_manager.h"
#include "node/pod_status.h"
#include "node/pod_worker.h"
#include "node/volumes.h"

namespace peapod::node {
namespace {

// The kubelet's eviction manager looks every 10 s; emptyDir usage is only measured for pods
// that set a sizeLimit, so a shorter period costs an idle node nothing.
constexpr std::chrono::seconds kUsagePeriod{3};

}  // namespace

bool PodWorker::setUpPodVolumes() {
  auto s = setUpVolumes(manager_.config(), pod_, manager_.facts());
  if (!s.ok()) {
    // The kubelet keeps the pod ContainerCreating with a FailedMount event and tries again.
    if (s.error().message() != mountError_) {
      log::warn("pod " + pod_.metadata.namespace_ + "/" + pod_.metadata.name + ": " + s.error().message());
    }
    mountError_ = s.error().message();
    event("Warning", "FailedMount", mountError_);
    afterChange();
    after(retryTimer_, std::max(manager_.config().restartBackoffBase, std::chrono::milliseconds(1000)), [this] { createSandbox(); });
    return false;
  }
  mountError_.clear();
  watchVolumeUsage();
  return true;
}

void PodWorker::refreshVolumes(bool metadataOnly) {
  if (done_ || finished_) return;
  auto s = refreshContentVolumes(manager_.config(), pod_, manager_.facts(), metadataOnly);
  if (!s.ok()) {
    log::warn("pod " + pod_.metadata.namespace_ + "/" + pod_.metadata.name + ": " + s.error().message());
  }
}

void PodWorker::objectsChanged() {
  if (terminating_ || done_ || finished_) return;
  if (!sandbox_) {
    if (!mountError_.empty()) {  // a volume waited for this object
      retryTimer_.cancel();
      post([this] { createSandbox(); });
    }
    return;
  }
  refreshVolumes(false);
  // Containers that could not be configured (a missing ConfigMap, Secret or key) try again.
  bool retried = false;
  for (const auto* list : {&pod_.spec.initContainers, &pod_.spec.containers}) {
    for (const auto& c : *list) {
      const auto& st = statusOf(c.name);
      if (!st.state.waiting || st.state.waiting->reason != "CreateContainerConfigError") continue;
      retried = true;
      if (!st.containerID.empty()) post([this, name = c.name] {
        startContainer(name);
        afterChange();
      });
    }
  }
  if (retried) {
    post([this] {
      advance();  // those that never ran start in the kubelet's order
      afterChange();
    });
  }
}

// Measures every emptyDir with a sizeLimit now and every kUsagePeriod after (re-arming the
// timer replaces a pending wait, so calling this again is harmless).
void PodWorker::watchVolumeUsage() {
  if (!hasEmptyDirLimits(pod_) || terminating_ || done_ || finished_ || !failedReason_.empty()) return;
  if (auto over = emptyDirOverLimit(manager_.config(), pod_)) {
    evict(*over);
    return;
  }
  if (!usageTimer_) usageTimer_ = std::make_unique<asio::steady_timer>(manager_.io());
  after(*usageTimer_, std::chrono::duration_cast<std::chrono::milliseconds>(kUsagePeriod), [this] { watchVolumeUsage(); });
}

// The kubelet's eviction for local storage: the pod fails with reason Evicted, its containers
// are killed at once (grace period 0), and a DisruptionTarget condition says why.
void PodWorker::evict(const std::string& message) {
  if (terminating_ || !failedReason_.empty() || isTerminalPhase(pod_.status.phase)) return;
  log::info("pod " + pod_.metadata.namespace_ + "/" + pod_.metadata.name + " evicted: " + message);
  event("Warning", "Evicted", message);
  failedReason_ = "Evicted";
  failedMessage_ = message;
  setCondition(pod_.status, "DisruptionTarget", true, nowRfc3339(), "TerminationByKubelet");
  stopContainers(std::chrono::milliseconds(0));
  afterChange();
}

}  // namespace peapod::node
