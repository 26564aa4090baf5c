// Puller: fetches an image from its registry into the Store — manifest (platform chosen from an
// index), config, layers downloaded and unpacked in parallel — sharing concurrent pulls of one
// reference and skipping layers the store already has.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/result.h"
#include "image/image.h"
#include "image/registry_client.h"
#include "image/store.h"

namespace peapod::image {

// One progress report of a pull, per layer (digest) or for the whole image (digest empty).
struct PullProgress {
  enum class Phase { kResolving, kWaiting, kAlreadyExists, kDownloading, kVerified, kExtracting, kDone };
  Phase phase = Phase::kResolving;
  std::string digest;  // the layer's compressed digest
  int64_t current = 0, total = 0;
};
std::string_view phaseName(PullProgress::Phase p);  // "Downloading", "Already exists", ...

using PullProgressFn = std::function<void(const PullProgress&)>;

struct PullResult {
  Image image;
  uint64_t downloadedBytes = 0;  // what this pull fetched (0: everything was present)
  bool shared = false;           // joined another caller's pull of the same reference
};

class Puller {
 public:
  // `parallelLayers`: layers downloaded and unpacked at once.
  Puller(Store& store, RegistryClient& registry, int parallelLayers = 3);
  ~Puller();

  // Pulls `ref` ("busybox", "127.0.0.1:5000/x:1", "x@sha256:..."). Thread-safe and blocking:
  // run it on a worker thread. A second caller asking for a reference being pulled waits for
  // that pull and gets its result (one download). `progress` is called from pull threads.
  Result<PullResult> pull(std::string_view ref, const PullProgressFn& progress = {});

  // Number of pulls that actually went to the registry (tests check sharing with it).
  uint64_t pullsStarted() const;

 private:
  struct Inflight;
  Result<PullResult> doPull(const Reference& ref, const PullProgressFn& progress);

  Store& store_;
  RegistryClient& registry_;
  int parallel_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Inflight>> inflight_;  // by normalized reference
  uint64_t started_ = 0;
};

}  // namespace peapod::image
