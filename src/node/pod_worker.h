// PodWorker: one pod's lifecycle on this node, as the kubelet's pod worker runs it: images,
// sandbox and containers in order (pod_worker.cc), exits and restarts with back-off by
// restartPolicy (pod_worker_exits.cc), graceful termination (pod_worker_termination.cc), probes
// and lifecycle hooks (probe_lifecycle.cc), volumes (pod_worker_volumes.cc).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "image/image.h"
#include "node/asio.h"
#include "node/prober/probe_worker.h"
#include "node/sandbox.h"

namespace peapod::node {

class PodManager;

class PodWorker {
 public:
  PodWorker(PodManager& manager, api::Pod pod);
  ~PodWorker();

  // The pod object changed in the API (spec, metadata, deletion request).
  void update(const api::Pod& pod);
  // Images were imported: a pod waiting for one tries again.
  void retryImages();
  // The object is gone (forced deletion): stop everything now, publish nothing more.
  void kill();
  // A ConfigMap or Secret in the pod's namespace changed: content volumes are rewritten and what
  // waited for one (CreateContainerConfigError, FailedMount) tries again (pod_worker_volumes.cc).
  void objectsChanged();

  const api::Pod& pod() const { return pod_; }
  const std::string& uid() const { return pod_.metadata.uid; }
  // The sandbox's shim connection; null while there is no sandbox.
  ShimConnection* shim() const { return sandbox_ ? sandbox_->shim.get() : nullptr; }

 private:
  struct Run {  // per container
    image::Image image;
    bool running = false;
    bool restartPending = false;  // exited and will be started again (maybe after a back-off)
    int backoffCount = 0;         // exits since the last long run: drives the back-off delay
    std::unique_ptr<asio::steady_timer> timer;  // back-off before the next start
    // Probes and hooks (probe_lifecycle.cc). `attempt` grows with every start and exit, so a
    // hook's late answer about an earlier run is ignored.
    uint64_t attempt = 0;
    bool postStartPending = false;
    bool stopping = false;         // stop requested (termination, failed probe or hook)
    bool preStopStarted = false;   // its own SIGKILL timer governs it then
    std::vector<std::unique_ptr<ProbeWorker>> probes;
    std::unique_ptr<asio::steady_timer> killTimer;  // SIGKILL at the end of its grace period
  };

  void start();
  void adopt();
  bool resolveImages();
  void createSandbox();
  void advance();  // starts what is due: the next init container, or the app containers
  void startContainer(const std::string& name);
  void recordExit(const runtime::ContainerState& st);
  void onExit(const runtime::ContainerState& st);
  void onShimClosed();
  void scheduleRestart(const std::string& name);
  void beginTermination(std::chrono::milliseconds grace);
  void stopContainers(std::chrono::milliseconds grace);  // stop signal now, SIGKILL after grace
  void stopSidecarsIfAppsDone();
  void onDeadline();
  void signalRunning(int signal, bool sidecars = true);
  void maybeFinishTermination();
  void teardownSandbox();  // shim shutdown, then dropSandbox
  void dropSandbox();      // the address and the sandbox's host resources go back
  void releaseAddress(const std::string& ip);  // to the IPAM, unless it is the node's own
  // probe_lifecycle.cc
  void onContainerStarted(const std::string& name, const std::string& startedAt);
  void markRunning(const std::string& name, const std::string& startedAt);
  void startProbes(const std::string& name, bool afterStartup);
  void onProbeResult(const std::string& name, uint64_t attempt, ProbeKind kind, bool ok, const std::string& message);
  void stopContainer(const std::string& name, std::chrono::milliseconds grace, const std::string& why);
  void signalOne(const std::string& name, int signal);
  int stopSignalOf(const std::string& name) const;  // the image's STOPSIGNAL
  void forgetRun(const std::string& name);  // the run ended: probes and hooks of it go
  HandlerContext handlerContext(const api::Container& c) const;
  std::string podRef() const;
  void afterChange();  // recompute phase and conditions, then publish (coalesced)
  // Both run f on the loop later (now, or when the timer fires), unless this worker is gone.
  template <class F> void post(F f);
  template <class F> void after(asio::steady_timer& t, std::chrono::milliseconds d, F f);
  api::ContainerStatus& statusOf(const std::string& name);
  const api::Container* containerSpec(const std::string& name) const;
  // A Kubernetes Event about this pod (nothing once the object is gone).
  void event(const std::string& type, const std::string& reason, const std::string& message);
  bool isInit(const std::string& name) const;
  bool anyRunning(bool sidecars = true) const;
  template <class F> void forEachContainer(F f) const;  // init containers first, in spec order

  PodManager& manager_;
  asio::io_context& io_;  // the manager's loop
  api::Pod pod_;
  std::map<std::string, Run> runs_;
  std::optional<Sandbox> sandbox_;
  bool terminating_ = false;
  bool removed_ = false;  // the API object is gone: publish nothing
  bool done_ = false;     // sandbox torn down for good
  bool finished_ = false; // termination complete; waiting to be dropped
  bool sidecarsStopping_ = false;
  bool forceKill_ = false;  // kill(): SIGKILL everything, preStop hooks included
  std::optional<std::chrono::steady_clock::time_point> graceEnd_;  // of the pod's termination
  std::string failedReason_, failedMessage_;  // the pod failed as a whole (DeadlineExceeded)
  bool publishScheduled_ = false;
  asio::steady_timer graceTimer_;
  asio::steady_timer retryTimer_;  // sandbox creation retries
  asio::steady_timer deadlineTimer_;  // activeDeadlineSeconds
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // pod_worker_volumes.cc: volumes are set up before the sandbox, refreshed on changes, and
  // emptyDir usage is checked against sizeLimit (the kubelet's eviction).
  bool setUpPodVolumes();  // false: FailedMount recorded, retried later
  void refreshVolumes(bool metadataOnly);
  void watchVolumeUsage();
  void evict(const std::string& message);
  std::unique_ptr<asio::steady_timer> usageTimer_;
  std::string mountError_;  // the last FailedMount message; "" once volumes are set up
};

template <class F>
void PodWorker::post(F f) {
  asio::post(io_, [alive = alive_, f = std::move(f)]() mutable {
    if (*alive) f();
  });
}

template <class F>
void PodWorker::after(asio::steady_timer& t, std::chrono::milliseconds d, F f) {
  t.expires_after(d);
  t.async_wait([alive = alive_, f = std::move(f)](const boost::system::error_code& ec) mutable {
    if (!ec && *alive) f();
  });
}

template <class F>
void PodWorker::forEachContainer(F f) const {
  for (const auto& c : pod_.spec.initContainers) f(c, true);
  for (const auto& c : pod_.spec.containers) f(c, false);
}

}  // namespace peapod::node
