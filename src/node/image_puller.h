// ImagePuller: the kubelet's image manager for this node — imagePullPolicy (Always, IfNotPresent,
// Never), pulls on worker threads with results posted back to the event loop, one pull per image
// however many pods wait for it, ErrImagePull -> ImagePullBackOff with doubling back-off, the
// Pulling/Pulled/Failed/BackOff events, in-use tracking and disk-pressure image GC.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/types.h"
#include "image/pull.h"
#include "image/registry_client.h"
#include "image/store.h"
#include "node/asio.h"
#include "node/config.h"

namespace peapod::node {

struct ImageEvent {
  std::string type, reason, message;  // "Normal"/"Warning", "Pulling", ...
};

// Where a container's image stands.
struct ImageResolution {
  std::optional<image::Image> image;  // ready: start the container
  std::string reason, message;        // otherwise its waiting state (ContainerCreating while pulling)
  std::vector<ImageEvent> events;     // to record on the pod now
};

// status.containerStatuses[].imageID: the repository the container names, at the image's
// manifest digest ("docker.io/library/busybox@sha256:...").
std::string imageIdFor(const std::string& containerImage, const image::Image& img);

class ImagePuller {
 public:
  // What runs a pull (on a worker thread); by default the registry puller below. Tests pass a fake.
  using PullFn = std::function<Result<image::PullResult>(const std::string& ref)>;

  ImagePuller(asio::io_context& io, image::Store& store, const NodeConfig& config, PullFn pull = {});
  ~ImagePuller();  // waits for running pulls

  // Resolves container `c` of pod `podUid` by its pull policy. Returns the image when it is
  // ready; otherwise starts (or joins) a pull or waits out a back-off and calls `wake` on the
  // event loop when calling again may give a different answer. `mayPull` false (a running pod
  // adopted after a daemon restart) only looks in the store. Always re-pulls names that came
  // from a registry pull; an imported name or a digest reference present locally is used as is.
  ImageResolution resolve(const std::string& podUid, const api::Container& c, bool mayPull,
                          std::function<void()> wake);
  // The kubelet checks the image before every container start, restarts included: with Always
  // (a name that came from a registry pull) a restart asks the registry again, so a tag moved
  // to a new digest since the last start runs the new image. Anything else is resolve()'s
  // cached answer. A pull or back-off ends with `wake`, as in resolve().
  ImageResolution resolveBeforeRestart(const std::string& podUid, const api::Container& c,
                                       std::function<void()> wake);
  // True while some container of the pod has no image yet.
  bool waiting(const std::string& podUid) const;
  // The pod is gone: drop its pull state; its images are no longer in use by it.
  void forget(const std::string& podUid);

  // Image ids used by pods on this node (never removed by rmi without --force, nor by GC).
  std::set<std::string> inUse() const;

  // The shared puller (the API's `peapod pull` uses it too, so concurrent pulls share one download).
  image::Puller& puller() { return *puller_; }

  // Checks disk usage of the image filesystem and removes least recently used unused images
  // down to the low threshold when it is above the high one (on a worker thread).
  void maybeCollectGarbage();

 private:
  struct Slot;    // per pod container
  struct Flight;  // one pull in progress, with everyone waiting for it
  void startPull(const std::string& image);
  void onPulled(const std::string& image, Result<image::PullResult> result, double seconds);
  void scheduleGc();

  asio::io_context& io_;
  image::Store& store_;
  NodeConfig config_;
  std::unique_ptr<image::RegistryClient> registry_;
  std::unique_ptr<image::Puller> puller_;
  PullFn pull_;
  asio::thread_pool pool_{3};
  std::map<std::string, std::unique_ptr<Slot>> slots_;      // "<uid>/<container>"
  std::map<std::string, std::shared_ptr<Flight>> flights_;  // by image reference as written
  asio::steady_timer gcTimer_;
  bool gcRunning_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace peapod::node
