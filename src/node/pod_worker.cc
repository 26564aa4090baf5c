#include "node/pod_worker.h"

#include <cctype>
#include <csignal>
#include <filesystem>
#include <random>

#include "base/log.h"
#include "base/time.h"
#include "node/log_paths.h"
#include "node/pod_manager.h"
#include "node/pod_status.h"
#include "node/fs_group.h"
#include "node/resources.h"
#include "node/subpath.h"

namespace peapod::node {
namespace {

using std::chrono::milliseconds;

std::string newContainerId() {
  static std::mt19937_64 rng{std::random_device{}()};
  static const char kHex[] = "0123456789abcdef";
  std::string id = "peapod://";
  for (int i = 0; i < 64; ++i) id.push_back(kHex[rng() % 16]);
  return id;
}

int stopSignal(const image::ImageConfig& config) {
  static const std::map<std::string, int> kSignals = {
      {"SIGTERM", SIGTERM}, {"SIGINT", SIGINT}, {"SIGQUIT", SIGQUIT}, {"SIGKILL", SIGKILL},
      {"SIGHUP", SIGHUP},   {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}, {"SIGWINCH", SIGWINCH}};
  std::string s = config.stopSignal;
  if (s.empty()) return SIGTERM;
  if (std::isdigit(static_cast<unsigned char>(s[0]))) return std::atoi(s.c_str());
  if (s.rfind("SIG", 0) != 0) s = "SIG" + s;
  auto it = kSignals.find(s);
  return it == kSignals.end() ? SIGTERM : it->second;
}

}  // namespace

PodWorker::PodWorker(PodManager& manager, api::Pod pod)
    : manager_(manager),
      io_(manager.io()),
      pod_(std::move(pod)),
      graceTimer_(manager.io()),
      retryTimer_(manager.io()),
      deadlineTimer_(manager.io()) {
  forEachContainer([&](const api::Container& c, bool) {
    runs_[c.name].timer = std::make_unique<asio::steady_timer>(manager.io());
    runs_[c.name].killTimer = std::make_unique<asio::steady_timer>(manager.io());
  });
  post([this] { start(); });
}

PodWorker::~PodWorker() {
  *alive_ = false;
  manager_.imagePuller().forget(uid());
}

int PodWorker::stopSignalOf(const std::string& name) const {
  auto it = runs_.find(name);
  return it == runs_.end() ? SIGTERM : stopSignal(it->second.image.config);
}

const api::Container* PodWorker::containerSpec(const std::string& name) const {
  const api::Container* found = nullptr;
  forEachContainer([&](const api::Container& c, bool) {
    if (c.name == name) found = &c;
  });
  return found;
}

void PodWorker::event(const std::string& type, const std::string& reason, const std::string& message) {
  if (!removed_) manager_.recordEvent(pod_, type, reason, message);
}

bool PodWorker::isInit(const std::string& name) const {
  for (const auto& c : pod_.spec.initContainers) {
    if (c.name == name) return true;
  }
  return false;
}

api::ContainerStatus& PodWorker::statusOf(const std::string& name) {
  bool init = isInit(name);
  auto& list = init ? pod_.status.initContainerStatuses : pod_.status.containerStatuses;
  for (auto& s : list) {
    if (s.name == name) return s;
  }
  api::ContainerStatus s;
  s.name = name;
  if (const auto* c = containerSpec(name)) s.image = c->image;
  // The kubelet's first waiting reason: app containers of a pod with init containers wait for them.
  bool waitsForInit = init || !pod_.spec.initContainers.empty();
  s.state.waiting = api::ContainerStateWaiting{waitsForInit ? "PodInitializing" : "ContainerCreating", ""};
  s.started = false;
  list.push_back(std::move(s));
  return list.back();
}

bool PodWorker::anyRunning(bool sidecars) const {
  for (const auto& [name, run] : runs_) {
    if (!run.running) continue;
    const auto* c = containerSpec(name);
    if (sidecars || !(c && isInit(name) && isSidecar(*c))) return true;
  }
  return false;
}

// 1. deleted or finished already: nothing to start; 2. a shim survives from a previous daemon:
// adopt it; 3. images; 4. sandbox; 5. containers in spec order.
void PodWorker::start() {
  if (pod_.metadata.deletionTimestamp) {
    beginTermination(milliseconds(0));
    return;
  }
  if (isTerminalPhase(pod_.status.phase)) {
    done_ = true;
    return;
  }
  if (pod_.status.startTime.value_or("").empty()) pod_.status.startTime = nowRfc3339();
  pod_.status.qosClass = qosClass(pod_.spec);
  pod_.status.hostIP = manager_.facts().hostIP;
  pod_.status.hostIPs = {api::PodIP{pod_.status.hostIP}};
  setCondition(pod_.status, "PodScheduled", true, pod_.metadata.creationTimestamp);
  forEachContainer([&](const api::Container& c, bool) { statusOf(c.name); });
  if (pod_.spec.activeDeadlineSeconds) {
    auto started = parseRfc3339(*pod_.status.startTime).value_or(WallClock::now());
    auto left = started + std::chrono::seconds(*pod_.spec.activeDeadlineSeconds) - WallClock::now();
    after(deadlineTimer_, std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(left)),
          [this] { onDeadline(); });
  }
  if (std::filesystem::exists(manager_.config().podRunDir(uid()) / "shim.sock")) {
    // A previous daemon's sandbox. Its address may not have reached the store before a crash:
    // the run dir has it (host-network pods use the node's).
    if (pod_.status.podIP.empty()) {
      pod_.status.podIP = pod_.spec.hostNetwork ? pod_.status.hostIP : recordedPodIP(manager_.config(), uid());
      if (!pod_.status.podIP.empty()) pod_.status.podIPs = {api::PodIP{pod_.status.podIP}};
    }
    if (!pod_.status.podIP.empty()) {
      adopt();
      return;
    }
    discardSandbox(manager_.config(), pod_);
  }
  if (!resolveImages()) {
    afterChange();
    return;
  }
  createSandbox();
}

// Images by pull policy (node/image_puller.h): ready ones are recorded; otherwise the container
// waits (pulling, ErrImagePull, ImagePullBackOff, ErrImageNeverPull) and the puller wakes this
// worker when a pull or a back-off ends. An adopted sandbox only looks in the store.
bool PodWorker::resolveImages() {
  bool all = true;
  std::vector<const api::Container*> containers;
  forEachContainer([&](const api::Container& c, bool) { containers.push_back(&c); });
  for (const auto* cp : containers) {
    const auto& c = *cp;
    auto r = manager_.imagePuller().resolve(uid(), c, !sandbox_, [this] { post([this] { retryImages(); }); });
    for (const auto& e : r.events) event(e.type, e.reason, e.message);
    auto& st = statusOf(c.name);
    if (!r.image) {
      all = false;
      if (sandbox_) continue;
      if (r.reason == "ContainerCreating" && (isInit(c.name) || !pod_.spec.initContainers.empty()))
        r.reason = "PodInitializing";
      st.state = {};
      st.state.waiting = api::ContainerStateWaiting{r.reason, r.message};
      continue;
    }
    runs_[c.name].image = *r.image;
    st.imageID = imageIdFor(c.image, *r.image);
  }
  return all;
}

void PodWorker::retryImages() {
  if (sandbox_ || done_ || terminating_ || !manager_.imagePuller().waiting(uid())) return;
  if (resolveImages()) createSandbox();
  afterChange();
}

void PodWorker::createSandbox() {
  if (sandbox_ || terminating_ || !setUpPodVolumes()) return;  // FailedMount is retried (pod_worker_volumes.cc)
  // hostNetwork: the pod's IP is the node's, nothing to allocate.
  auto ip = pod_.spec.hostNetwork ? Result<std::string>(manager_.facts().hostIP) : manager_.ipam().allocate();
  if (!ip.ok()) {
    log::error("pod " + pod_.metadata.namespace_ + "/" + pod_.metadata.name + ": " + ip.error().message());
    setCondition(pod_.status, "PodReadyToStartContainers", false, nowRfc3339());
    pod_.status.message = ip.error().message();
    afterChange();
    return;
  }
  auto sb = node::createSandbox(
      manager_.io(), manager_.config(), pod_, *ip, manager_.hostPorts(),
      [this](const runtime::ContainerState& st) { onExit(st); }, [this] { onShimClosed(); });
  if (!sb.ok()) {
    releaseAddress(*ip);
    if (sb.error().code() == EADDRINUSE) {
      // The kubelet's admission (NodePorts predicate): this pod fails, the holder runs on.
      failedReason_ = "NodePorts";
      failedMessage_ = "Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports for the "
                       "requested pod ports (" + sb.error().message() + ")";
      event("Warning", failedReason_, failedMessage_);
      afterChange();
      return;
    }
    log::error("pod " + pod_.metadata.namespace_ + "/" + pod_.metadata.name +
               ": create sandbox: " + sb.error().message());
    setCondition(pod_.status, "PodReadyToStartContainers", false, nowRfc3339());
    pod_.status.message = "create pod sandbox: " + sb.error().message();
    afterChange();
    after(retryTimer_, manager_.config().restartBackoffBase, [this] { start(); });
    return;
  }
  sandbox_ = std::move(*sb);
  // The kubelet's fsGroup ownership of the pod's volumes (fs_group.h).
  if (auto st = applyFsGroup(pod_, sandbox_->paths.volumes); !st.ok()) log::warn(st.error().message());
  pod_.status.message.clear();
  pod_.status.podIP = sandbox_->ip;
  pod_.status.podIPs = {api::PodIP{sandbox_->ip}};
  setCondition(pod_.status, "PodReadyToStartContainers", true, nowRfc3339());
  advance();
  afterChange();
}

// The kubelet's order: init containers one at a time, each to success (a sidecar only needs to
// have started), then every app container.
void PodWorker::advance() {
  if (!sandbox_ || terminating_ || !failedReason_.empty()) return;
  auto neverRan = [&](const std::string& name) {
    return !runs_[name].running && !runs_[name].restartPending && statusOf(name).containerID.empty();
  };
  for (const auto& c : pod_.spec.initContainers) {
    if (isSidecar(c)) {
      if (neverRan(c.name)) startContainer(c.name);
      if (!statusOf(c.name).started.value_or(false)) return;
      continue;
    }
    const auto& st = statusOf(c.name);
    if (st.state.terminated && st.state.terminated->exitCode == 0) continue;
    if (neverRan(c.name)) startContainer(c.name);
    return;  // running, backing off, or just started: the next one waits
  }
  for (const auto& c : pod_.spec.containers) {
    if (neverRan(c.name)) startContainer(c.name);
  }
}

// Re-attaches to the shim of a previous daemon and learns what happened while nobody watched.
void PodWorker::adopt() {
  auto sb = adoptSandbox(
      manager_.io(), manager_.config(), pod_, manager_.hostPorts(), [this](const runtime::ContainerState& st) { onExit(st); },
      [this] { onShimClosed(); });
  auto state = sb.ok() ? sb->shim->call("state") : Result<nlohmann::json>(sb.error());
  if (!state.ok()) {
    log::warn("pod " + pod_.metadata.name + ": its shim is gone (" + state.error().message() +
              "); starting a new sandbox");
    releaseAddress(pod_.status.podIP);
    pod_.status.podIP.clear();
    pod_.status.podIPs.clear();
    removePodFiles(manager_.config(), pod_, false);
    resolveImages() ? createSandbox() : afterChange();
    return;
  }
  sandbox_ = std::move(*sb);
  refreshVolumes(false);  // ConfigMaps may have changed while no daemon watched
  watchVolumeUsage();
  resolveImages();
  for (const auto& j : (*state)["containers"]) {
    auto st = runtime::containerStateFromJson(j);
    if (!st.ok() || !runs_.count(st->name)) continue;
    auto& run = runs_[st->name];
    run.running = true;  // as far as the stored status knows; an exit is applied below
    if (!st->running) {
      onExit(*st);
      continue;
    }
    // Probes start over, as the kubelet's do after a restart of the kubelet.
    run.attempt++;
    auto& cs = statusOf(st->name);
    if (cs.state.running) startProbes(st->name, /*afterStartup=*/cs.started.value_or(false));
    else markRunning(st->name, secondsPrecision(st->startedAt));  // its postStart was cut short: not re-run
  }
  advance();
  afterChange();
}

void PodWorker::startContainer(const std::string& name) {
  const api::Container* c = containerSpec(name);
  auto& run = runs_[name];
  auto& st = statusOf(name);
  if (!c || !sandbox_ || terminating_) return;
  bool restart = run.restartPending, pulledNow = false;
  if (restart) {
    if (run.running) return;  // a pull's late wake-up: this restart happened already
    // The kubelet checks the image before every start: Always asks the registry again and may
    // get a new digest (image_puller.h). A pull or its back-off calls this again when it ends.
    auto img = manager_.imagePuller().resolveBeforeRestart(uid(), *c, [this, name] {
      post([this, name] {
        if (!runs_[name].restartPending) return;  // started (or given up) meanwhile
        startContainer(name);
        afterChange();
      });
    });
    for (const auto& e : img.events) {
      event(e.type, e.reason, e.message);
      pulledNow = pulledNow || e.reason == "Pulled";
    }
    if (!img.image) {
      st.state = {};
      st.state.waiting = api::ContainerStateWaiting{img.reason, img.message};
      return;
    }
    run.image = *img.image;
    st.imageID = imageIdFor(c->image, *img.image);
    run.restartPending = false;
    st.restartCount++;
  }
  auto logDir = podLogDir(manager_.config().logDir, pod_.metadata.namespace_, pod_.metadata.name, uid());
  auto spec = makeContainerSpec(pod_, *c, run.image, sandbox_->paths, manager_.facts(),
                                containerLogFile(logDir, name, st.restartCount).string());
  if (spec.ok()) spec = finishVolumeMounts(manager_.config(), pod_, *c, sandbox_->paths, std::move(*spec));
  if (!spec.ok()) {
    st.state = {};
    st.state.waiting = api::ContainerStateWaiting{"CreateContainerConfigError", spec.error().message()};
    event("Warning", "Failed", "Error: " + spec.error().message());
    return;
  }
  std::string containerId = newContainerId();
  auto reply = sandbox_->shim->call("start", {{"spec", runtime::toJson(*spec)}});
  if (!reply.ok()) {
    // What containerd reports for a process that could not be started.
    runtime::ContainerState failed;
    failed.name = name;
    failed.exitCode = 128;
    failed.startedAt = failed.finishedAt = formatRfc3339Nano(WallClock::now());
    failed.error = reply.error().message();
    st.containerID = containerId;
    run.running = true;
    recordExit(failed);
    st.state.terminated->reason = "StartError";
    st.state.terminated->message = reply.error().message();
    event("Warning", "Failed", "Error: " + reply.error().message());
    if (shouldRestartContainer(pod_.spec, *c, isInit(name), 128)) scheduleRestart(name);
    return;
  }
  auto state = runtime::containerStateFromJson((*reply)["state"]);
  run.running = true;
  st.containerID = containerId;
  // A first start had its image events from resolveImages; a restart that found the image
  // local reports it here, as the kubelet does before every start.
  if (restart && !pulledNow)
    event("Normal", "Pulled", "Container image \"" + c->image + "\" already present on machine");
  event("Normal", "Created", "Created container " + name);
  event("Normal", "Started", "Started container " + name);
  onContainerStarted(name, secondsPrecision(state.ok() ? state->startedAt : formatRfc3339Nano(WallClock::now())));
}

void PodWorker::update(const api::Pod& pod) {
  bool deletionRequested = pod.metadata.deletionTimestamp && !pod_.metadata.deletionTimestamp;
  bool metadataChanged =
      pod.metadata.labels != pod_.metadata.labels || pod.metadata.annotations != pod_.metadata.annotations;
  pod_.metadata = pod.metadata;
  pod_.spec = pod.spec;
  if (metadataChanged && sandbox_) refreshVolumes(/*metadataOnly=*/true);  // downwardAPI files
  if (deletionRequested && !terminating_) {
    int64_t grace = pod.metadata.deletionGracePeriodSeconds.value_or(pod.spec.terminationGracePeriodSeconds.value_or(30));
    beginTermination(std::chrono::seconds(grace));
  }
}

void PodWorker::releaseAddress(const std::string& ip) {
  if (!pod_.spec.hostNetwork) manager_.ipam().release(ip);
}

void PodWorker::afterChange() {
  pod_.status.phase = podPhase(pod_.spec, pod_.status.initContainerStatuses, pod_.status.containerStatuses);
  if (!failedReason_.empty()) {
    pod_.status.phase = "Failed";
    pod_.status.reason = failedReason_;
    pod_.status.message = failedMessage_;
  }
  bool allReady = !pod_.status.containerStatuses.empty();
  for (const auto& s : pod_.status.containerStatuses) allReady = allReady && s.ready;
  std::string now = nowRfc3339();
  bool init = initialized(pod_.spec, pod_.status.initContainerStatuses);
  setCondition(pod_.status, "Initialized", init, now, init ? "" : "ContainersNotInitialized");
  setCondition(pod_.status, "ContainersReady", allReady, now, allReady ? "" : "ContainersNotReady");
  setCondition(pod_.status, "Ready", allReady, now, allReady ? "" : "ContainersNotReady");
  if (isTerminalPhase(pod_.status.phase) && !anyRunning() && !terminating_) {
    // Finished pods keep their object and logs but give back their sandbox and address.
    setCondition(pod_.status, "PodReadyToStartContainers", false, now);
    teardownSandbox();
  }
  if (publishScheduled_ || removed_) return;
  publishScheduled_ = true;
  post([this] {
    publishScheduled_ = false;
    if (!removed_) manager_.callbacks().statusChanged(pod_);
  });
}

}  // namespace peapod::node
