// Running probes and hooks for one container: the handler runner (exec through the shim,
// httpGet, tcpSocket, grpc, sleep) and ProbeWorker, the kubelet's per-container, per-kind probe
// loop on the node's timers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/types.h"
#include "node/asio.h"
#include "node/prober/probe_logic.h"
#include "node/prober/probe_net.h"
#include "node/shim_connection.h"

namespace peapod::node {

// Where a container's handlers run. The shim must outlive every run started with it (the
// PodWorker drops a container's workers when it exits; a dropped shim drops its pending replies).
struct HandlerContext {
  asio::io_context* io = nullptr;
  ShimConnection* shim = nullptr;
  std::string podIP;
  api::Container container;  // for port names and the exec target's name
};

// Runs a probe's action once, bounded by timeout. `done` runs on the loop, never inline.
void runProbeAction(const HandlerContext& ctx, const api::Probe& p, std::chrono::milliseconds timeout,
                    ProbeCallback done);
// Runs a lifecycle hook once (exec, httpGet, tcpSocket, sleep), bounded by timeout.
void runHookAction(const HandlerContext& ctx, const api::LifecycleHandler& h, std::chrono::milliseconds timeout,
                   ProbeCallback done);

class ProbeWorker {
 public:
  // Called when the effective result flips (after the thresholds), with the failing message.
  using ResultHandler = std::function<void(ProbeKind, bool ok, const std::string& message)>;

  ProbeWorker(HandlerContext ctx, ProbeKind kind, api::Probe probe, ResultHandler onChange);
  ~ProbeWorker();
  ProbeWorker(const ProbeWorker&) = delete;
  ProbeWorker& operator=(const ProbeWorker&) = delete;

  // First run after initialDelaySeconds, then every periodSeconds (measured from each start).
  void start();
  ProbeKind kind() const { return kind_; }
  std::optional<bool> result() const { return counter_.current(); }
  uint64_t runs() const { return runs_; }

 private:
  void schedule(std::chrono::milliseconds delay);
  void probeOnce();

  HandlerContext ctx_;
  ProbeKind kind_;
  api::Probe probe_;
  ProbeTiming timing_;
  ResultHandler onChange_;
  ProbeCounter counter_;
  asio::steady_timer timer_;
  bool stopped_ = false;
  uint64_t runs_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace peapod::node
