// ImagePuller: pull policy decisions and back-off on the event loop; the pulls themselves on a
// small thread pool, their results posted back.
#include "node/image_puller.h"

#include <algorithm>
#include <cstdio>

#include "base/log.h"
#include "image/auth.h"
#include "image/gc.h"
#include "image/reference.h"

namespace peapod::node {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kGcPeriod = std::chrono::minutes(5);  // the kubelet's ImageGCPeriod

// Always re-pulls only what came from a registry: an imported name (peapod image import) has no
// registry behind it, and a digest pins the content, so a local copy is all there is to get.
std::string effectivePolicy(const api::Container& c, const image::Reference& ref, const Result<image::Image>& local) {
  std::string policy = c.imagePullPolicy.empty() ? "IfNotPresent" : c.imagePullPolicy;
  if (policy == "Always" && local.ok() &&
      (!ref.digest.empty() ||
       std::find(local->pulledNames.begin(), local->pulledNames.end(), ref.str()) == local->pulledNames.end()))
    policy = "IfNotPresent";
  return policy;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3gs", s);
  return buf;
}

}  // namespace

std::string imageIdFor(const std::string& containerImage, const image::Image& img) {
  auto ref = image::parseReference(containerImage);
  if (ref.ok() && !img.digest.empty()) return ref->registry + "/" + ref->repository + "@" + img.digest;
  if (img.names.empty() || img.digest.empty()) return img.id;
  return img.names[0].substr(0, img.names[0].rfind(':')) + "@" + img.digest;
}

struct ImagePuller::Slot {
  std::string image;  // the reference as the container spec writes it
  enum class State { kIdle, kPulling, kReady, kFailed } state = State::kIdle;
  std::optional<image::Image> ready;
  bool delivered = false;  // the worker has been handed `ready`
  bool fresh = false;      // `ready` came from a pull not yet handed out (no re-pull before it runs)
  int failures = 0;
  std::string lastError;
  bool errShown = false, backoffShown = false, presentShown = false, neverShown = false;
  Clock::time_point backoffAt, retryAt;  // ErrImagePull until backoffAt, ImagePullBackOff until retryAt
  std::unique_ptr<asio::steady_timer> timer;
  std::function<void()> wake;
  std::vector<ImageEvent> pending;  // produced by a finished pull, handed out by the next resolve
};

struct ImagePuller::Flight {
  std::vector<std::string> slots;
  Clock::time_point queued = Clock::now();
};

ImagePuller::ImagePuller(asio::io_context& io, image::Store& store, const NodeConfig& config, PullFn pull)
    : io_(io), store_(store), config_(config), pull_(std::move(pull)), gcTimer_(io) {
  image::RegistryOptions opts;
  std::filesystem::path authFile = config.registryConfig.empty() ? image::defaultAuthFile() : config.registryConfig;
  opts.authFile = authFile.string();
  auto auth = image::AuthConfig::load(authFile);
  if (auth.ok()) opts.auth = std::move(*auth);
  else log::warn("registry credentials: " + auth.error().message() + " (pulling anonymously)");
  opts.insecure = config.insecureRegistries;
  registry_ = std::make_unique<image::RegistryClient>(std::move(opts));
  puller_ = std::make_unique<image::Puller>(store_, *registry_);
  if (!pull_) pull_ = [p = puller_.get()](const std::string& ref) { return p->pull(ref); };
  scheduleGc();
}

ImagePuller::~ImagePuller() {
  *alive_ = false;
  pool_.stop();
  pool_.join();
}

ImageResolution ImagePuller::resolve(const std::string& podUid, const api::Container& c, bool mayPull,
                                     std::function<void()> wake) {
  std::string key = podUid + "/" + c.name;
  auto& slotPtr = slots_[key];
  if (!slotPtr || slotPtr->image != c.image) {
    slotPtr = std::make_unique<Slot>();
    slotPtr->image = c.image;
    slotPtr->timer = std::make_unique<asio::steady_timer>(io_);
  }
  Slot& s = *slotPtr;
  s.wake = std::move(wake);
  ImageResolution res;
  res.events = std::move(s.pending);
  s.pending.clear();
  const std::string quoted = "\"" + c.image + "\"";
  auto ready = [&](const image::Image& img) {
    s.state = Slot::State::kReady;
    s.ready = img;
    s.delivered = true;
    store_.markUsed(img.id);
    res.image = img;
    return res;
  };
  if (s.state == Slot::State::kReady && s.ready) {
    s.delivered = true;
    s.fresh = false;
    res.image = s.ready;
    return res;
  }
  auto ref = image::parseReference(c.image);
  if (!ref.ok()) {
    res.reason = "InvalidImageName";
    res.message = "Failed to apply default image tag " + quoted + ": couldn't parse image name " + quoted + ": " +
                  ref.error().message();
    if (!s.errShown) res.events.push_back({"Warning", "InspectFailed", res.message});
    s.errShown = true;
    return res;
  }
  auto local = store_.find(c.image);
  std::string policy = effectivePolicy(c, *ref, local);
  if (!mayPull || policy == "Never" || (policy == "IfNotPresent" && local.ok())) {
    if (local.ok()) {
      if (mayPull && !s.presentShown)
        res.events.push_back({"Normal", "Pulled", "Container image " + quoted + " already present on machine"});
      s.presentShown = true;
      return ready(*local);
    }
    res.reason = "ErrImageNeverPull";
    res.message = "Container image " + quoted + " is not present with pull policy of Never";
    if (!s.neverShown) {
      res.events.push_back({"Warning", "ErrImageNeverPull", res.message});
      res.events.push_back({"Warning", "Failed", "Error: ErrImageNeverPull"});
    }
    s.neverShown = true;
    return res;
  }
  // Always, or IfNotPresent with nothing local: pull (or wait for the pull, or the back-off).
  if (s.state == Slot::State::kPulling) {
    res.reason = "ContainerCreating";
    return res;
  }
  auto now = Clock::now();
  if (s.state == Slot::State::kFailed && now < s.retryAt) {
    auto wakeLater = [this, &s, alive = alive_](Clock::time_point at) {
      s.timer->expires_at(at);
      s.timer->async_wait([alive, w = s.wake](const boost::system::error_code& ec) {
        if (!ec && *alive && w) w();
      });
    };
    if (now < s.backoffAt) {
      // ErrImagePull first; the next sync (at most a second later) reports the back-off.
      res.reason = "ErrImagePull";
      res.message = s.lastError;
      wakeLater(s.backoffAt);
      return res;
    }
    res.reason = "ImagePullBackOff";
    res.message = "Back-off pulling image " + quoted;
    if (!s.backoffShown) {
      res.events.push_back({"Normal", "BackOff", "Back-off pulling image " + quoted});
      res.events.push_back({"Warning", "Failed", "Error: ImagePullBackOff"});
    }
    s.backoffShown = true;
    wakeLater(s.retryAt);
    return res;
  }
  s.state = Slot::State::kPulling;
  res.reason = "ContainerCreating";
  res.events.push_back({"Normal", "Pulling", "Pulling image " + quoted});
  auto& flight = flights_[c.image];
  bool start = !flight;
  if (start) flight = std::make_shared<Flight>();
  flight->slots.push_back(key);
  if (start) startPull(c.image);
  return res;
}

ImageResolution ImagePuller::resolveBeforeRestart(const std::string& podUid, const api::Container& c,
                                                  std::function<void()> wake) {
  auto it = slots_.find(podUid + "/" + c.name);
  if (it != slots_.end() && it->second->image == c.image && it->second->state == Slot::State::kReady &&
      !it->second->fresh) {
    Slot& s = *it->second;
    auto ref = image::parseReference(c.image);
    if (ref.ok() && effectivePolicy(c, *ref, store_.find(c.image)) == "Always") {
      // Start over as for a first start (the slot keeps `delivered`: the pod is not waiting for
      // its first image); the Pulling/Pulled events repeat, as the kubelet's do.
      s.state = Slot::State::kIdle;
      s.ready.reset();
      s.failures = 0;
    }
  }
  return resolve(podUid, c, true, std::move(wake));
}

void ImagePuller::startPull(const std::string& ref) {
  asio::post(pool_, [this, alive = alive_, ref] {
    auto t0 = Clock::now();
    auto result = std::make_shared<Result<image::PullResult>>(pull_(ref));
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    asio::post(io_, [this, alive, ref, result, secs] {
      if (*alive) onPulled(ref, std::move(*result), secs);
    });
  });
}

void ImagePuller::onPulled(const std::string& ref, Result<image::PullResult> result, double secs) {
  auto it = flights_.find(ref);
  if (it == flights_.end()) return;
  auto flight = it->second;
  flights_.erase(it);
  double waited = std::chrono::duration<double>(Clock::now() - flight->queued).count();
  const std::string quoted = "\"" + ref + "\"";
  if (result.ok())
    log::info("pulled " + ref + " (" + result->image.id + ") in " + seconds(secs));
  else
    log::warn("pull " + ref + ": " + result.error().message());
  for (const auto& key : flight->slots) {
    auto s = slots_.find(key);
    if (s == slots_.end() || s->second->image != ref) continue;  // the pod went away meanwhile
    Slot& slot = *s->second;
    if (result.ok()) {
      slot.state = Slot::State::kReady;
      slot.ready = result->image;
      slot.fresh = true;
      slot.failures = 0;
      store_.markUsed(result->image.id);
      slot.pending.push_back({"Normal", "Pulled",
                              "Successfully pulled image " + quoted + " in " + seconds(secs) + " (" + seconds(waited) +
                                  " including waiting). Image size: " + std::to_string(result->image.size) +
                                  " bytes."});
    } else {
      slot.state = Slot::State::kFailed;
      slot.failures = std::min(slot.failures + 1, 30);
      auto delay = config_.restartBackoffBase * (1LL << std::min(slot.failures - 1, 20));
      if (delay > config_.restartBackoffMax) delay = config_.restartBackoffMax;
      slot.retryAt = Clock::now() + delay;
      slot.backoffAt = Clock::now() + std::min<Clock::duration>(delay / 2, milliseconds(1000));
      slot.lastError = result.error().message();
      slot.errShown = slot.backoffShown = false;
      slot.pending.push_back({"Warning", "Failed", "Failed to pull image " + quoted + ": " + slot.lastError});
      slot.pending.push_back({"Warning", "Failed", "Error: ErrImagePull"});
    }
    if (slot.wake) slot.wake();
  }
  if (result.ok()) maybeCollectGarbage();
}

void ImagePuller::forget(const std::string& podUid) {
  std::string prefix = podUid + "/";
  for (auto it = slots_.lower_bound(prefix); it != slots_.end() && it->first.starts_with(prefix);)
    it = slots_.erase(it);
}

bool ImagePuller::waiting(const std::string& podUid) const {
  std::string prefix = podUid + "/";
  for (auto it = slots_.lower_bound(prefix); it != slots_.end() && it->first.starts_with(prefix); ++it)
    if (!it->second->delivered) return true;
  return false;
}

std::set<std::string> ImagePuller::inUse() const {
  std::set<std::string> ids;
  for (const auto& [key, s] : slots_)
    if (s->ready) ids.insert(s->ready->id);
  return ids;
}

void ImagePuller::scheduleGc() {
  gcTimer_.expires_after(kGcPeriod);
  gcTimer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    maybeCollectGarbage();
    scheduleGc();
  });
}

void ImagePuller::maybeCollectGarbage() {
  if (gcRunning_) return;
  auto usage = image::diskUsage(store_.root());
  if (!usage.ok()) {
    log::warn("image gc: " + usage.error().message());
    return;
  }
  auto toFree = image::bytesToFree(*usage, config_.imageGcHighThreshold, config_.imageGcLowThreshold);
  if (!toFree) return;
  gcRunning_ = true;
  log::info("image gc: disk usage above " + std::to_string(config_.imageGcHighThreshold) + "%, freeing " +
            std::to_string(*toFree) + " bytes");
  asio::post(pool_, [this, alive = alive_, inUse = inUse(), bytes = *toFree] {
    auto removed = store_.prune(inUse, bytes);
    asio::post(io_, [this, alive, removed = std::make_shared<decltype(removed)>(std::move(removed))] {
      if (!*alive) return;
      gcRunning_ = false;
      if (!removed->ok()) log::warn("image gc: " + removed->error().message());
      else
        for (const auto& img : **removed)
          log::info("image gc: removed " + (img.names.empty() ? img.id : img.names[0]));
    });
  });
}

}  // namespace peapod::node
