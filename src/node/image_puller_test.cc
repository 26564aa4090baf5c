// Unit tests for ImagePuller: pull policies, ErrImageNeverPull, ErrImagePull -> ImagePullBackOff
// with doubling back-off (millisecond config), one pull for many waiters, and the re-check before
// a restart. Pulls are faked: they commit a record straight into a temp store (no registry, no root).
#include "node/image_puller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include <stdlib.h>

#include "image/digest.h"
#include "image/store_index.h"

namespace peapod::node {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A registry stand-in: every pull of a reference commits an image whose id changes with `generation`
// (a tag moved to new content), or fails while `fail` is set. Runs on the puller's threads.
struct FakeRegistry {
  image::Store* store = nullptr;
  std::mutex mu;
  std::condition_variable cv;
  bool hold = false;  // pulls wait until released
  bool fail = false;
  int generation = 1;
  std::vector<std::pair<std::string, Clock::time_point>> calls;

  Result<image::PullResult> pull(const std::string& ref) {
    std::unique_lock lock(mu);
    calls.emplace_back(ref, Clock::now());
    cv.notify_all();
    cv.wait(lock, [&] { return !hold; });
    if (fail) return Error("manifest unknown: " + ref);
    auto parsed = image::parseReference(ref);
    if (!parsed.ok()) return parsed.error();
    std::string seed = parsed->str() + "#" + std::to_string(generation);
    lock.unlock();
    return commit(parsed->str(), seed, /*pulled=*/true);
  }

  // Puts an image named `name` in the store; `pulled` marks the name as a registry pull's.
  Result<image::PullResult> commit(const std::string& name, const std::string& seed, bool pulled) {
    PEAPOD_ASSIGN_OR_RETURN(auto staging, store->makeStaging("fake"));
    image::ImageRecord rec;
    rec.id = image::sha256Digest("config " + seed);
    rec.digest = image::sha256Digest("manifest " + seed);
    rec.names = {name};
    if (pulled) rec.pulledNames = {name};
    rec.size = 1234;
    PEAPOD_ASSIGN_OR_RETURN(auto images, store->commit(staging, {rec}));
    std::filesystem::remove_all(staging);
    return image::PullResult{images.at(0), 1234, false};
  }
  size_t count() {
    std::lock_guard lock(mu);
    return calls.size();
  }
  void release() {
    std::lock_guard lock(mu);
    hold = false;
    cv.notify_all();
  }
};

// A private temp dir, removed with everything in it.
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    std::string t = (std::filesystem::temp_directory_path() / "peapod-image-puller-XXXXXX").string();
    if (::mkdtemp(t.data())) path = t;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path operator/(const std::string& p) const { return path / p; }
};

class ImagePullerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = image::Store::open(dir_ / "store");
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
    fake_.store = store_.get();
    NodeConfig cfg;
    cfg.restartBackoffBase = 40ms;
    cfg.restartBackoffMax = 160ms;
    cfg.imageGcHighThreshold = 100;  // no GC in unit tests
    cfg.registryConfig = dir_ / "no-auth.json";
    puller_ = std::make_unique<ImagePuller>(io_, *store_, cfg,
                                            [this](const std::string& ref) { return fake_.pull(ref); });
  }
  void TearDown() override {
    fake_.release();
    puller_.reset();
  }

  static api::Container container(std::string name, std::string image, std::string policy) {
    api::Container c;
    c.name = std::move(name);
    c.image = std::move(image);
    c.imagePullPolicy = std::move(policy);
    return c;
  }
  // Resolves as the pod worker does; `woken` counts wake-ups.
  ImageResolution resolve(const std::string& uid, const api::Container& c, bool mayPull = true) {
    auto r = puller_->resolve(uid, c, mayPull, [this] { ++woken_; });
    for (const auto& e : r.events) events_.push_back(e.reason + ": " + e.message);
    return r;
  }
  // Runs the event loop until `pred` (bounded): the puller's results and timers arrive through it.
  bool runUntil(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5000ms) {
    auto deadline = Clock::now() + limit;
    while (!pred()) {
      if (Clock::now() > deadline) return false;
      io_.restart();
      io_.run_one_for(10ms);
    }
    return true;
  }
  bool hasEvent(const std::string& prefix) const {
    for (const auto& e : events_)
      if (e.rfind(prefix, 0) == 0) return true;
    return false;
  }

  ScratchDir dir_;
  asio::io_context io_;
  std::unique_ptr<image::Store> store_;
  FakeRegistry fake_;
  std::unique_ptr<ImagePuller> puller_;
  std::atomic<int> woken_{0};
  std::vector<std::string> events_;
};

TEST_F(ImagePullerTest, NeverWithAMissingImageIsErrImageNeverPull) {
  auto r = resolve("u1", container("c", "127.0.0.1:5000/missing:v1", "Never"));
  EXPECT_FALSE(r.image);
  EXPECT_EQ(r.reason, "ErrImageNeverPull");
  EXPECT_EQ(r.message, "Container image \"127.0.0.1:5000/missing:v1\" is not present with pull policy of Never");
  EXPECT_TRUE(hasEvent("ErrImageNeverPull: Container image"));
  EXPECT_TRUE(puller_->waiting("u1"));
  // Asking again repeats the state but not the events.
  events_.clear();
  EXPECT_EQ(resolve("u1", container("c", "127.0.0.1:5000/missing:v1", "Never")).reason, "ErrImageNeverPull");
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(fake_.count(), 0u);
}

TEST_F(ImagePullerTest, NeverAndIfNotPresentUseALocalImageWithoutPulling) {
  ASSERT_TRUE(fake_.commit("docker.io/library/local:v1", "local", false).ok());
  for (std::string policy : {"Never", "IfNotPresent", ""}) {
    auto r = resolve("u-" + policy, container("c", "local:v1", policy));
    ASSERT_TRUE(r.image) << policy << ": " << r.reason;
    EXPECT_EQ(r.image->names.at(0), "docker.io/library/local:v1");
  }
  EXPECT_TRUE(hasEvent("Pulled: Container image \"local:v1\" already present on machine"));
  EXPECT_EQ(fake_.count(), 0u);
  EXPECT_EQ(puller_->inUse().size(), 1u);
}

TEST_F(ImagePullerTest, IfNotPresentPullsAMissingImageOnceAndWakes) {
  auto c = container("c", "127.0.0.1:5000/app:v1", "IfNotPresent");
  auto r = resolve("u1", c);
  EXPECT_FALSE(r.image);
  EXPECT_EQ(r.reason, "ContainerCreating");
  EXPECT_TRUE(hasEvent("Pulling: Pulling image \"127.0.0.1:5000/app:v1\""));
  ASSERT_TRUE(runUntil([&] { return woken_ > 0; }));
  r = resolve("u1", c);
  ASSERT_TRUE(r.image) << r.reason;
  EXPECT_TRUE(hasEvent("Pulled: Successfully pulled image \"127.0.0.1:5000/app:v1\" in "));
  bool sized = false;
  for (const auto& e : events_) sized = sized || e.find("Image size: 1234 bytes.") != std::string::npos;
  EXPECT_TRUE(sized);
  EXPECT_FALSE(puller_->waiting("u1"));
  EXPECT_EQ(puller_->inUse(), std::set<std::string>{r.image->id});
  EXPECT_EQ(imageIdFor(c.image, *r.image), "127.0.0.1:5000/app@" + r.image->digest);
  // Present now: a second pod does not pull.
  ASSERT_TRUE(resolve("u2", c).image);
  EXPECT_EQ(fake_.count(), 1u);
  puller_->forget("u1");
  puller_->forget("u2");
  EXPECT_TRUE(puller_->inUse().empty());
}

TEST_F(ImagePullerTest, PodsWaitingForOneImageShareOnePull) {
  fake_.hold = true;
  auto c = container("c", "127.0.0.1:5000/shared:v1", "IfNotPresent");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(resolve("u" + std::to_string(i), c).reason, "ContainerCreating");
  ASSERT_TRUE(runUntil([&] { return fake_.count() == 1; }));
  fake_.release();
  ASSERT_TRUE(runUntil([&] { return woken_ == 5; }));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(resolve("u" + std::to_string(i), c).image) << i;
  EXPECT_EQ(fake_.count(), 1u);
}

TEST_F(ImagePullerTest, FailedPullIsErrImagePullThenImagePullBackOffWithDoublingDelay) {
  fake_.fail = true;
  auto c = container("c", "127.0.0.1:5000/broken:v1", "IfNotPresent");
  std::vector<std::string> reasons;
  auto step = [&] {
    auto r = resolve("u1", c);
    if (reasons.empty() || reasons.back() != r.reason) reasons.push_back(r.reason);
    return r;
  };
  step();
  std::string errImagePullMessage;
  // Three failed pulls: the worker asks again on every wake-up, as the pod worker does.
  ASSERT_TRUE(runUntil(
      [&] {
        if (woken_ > 0) {
          woken_ = 0;
          auto r = step();
          if (r.reason == "ErrImagePull") errImagePullMessage = r.message;
        }
        return fake_.count() >= 3;
      },
      3000ms));
  EXPECT_EQ(errImagePullMessage, "manifest unknown: 127.0.0.1:5000/broken:v1");
  std::vector<std::string> want = {"ContainerCreating", "ErrImagePull", "ImagePullBackOff", "ContainerCreating",
                                   "ErrImagePull", "ImagePullBackOff", "ContainerCreating"};
  EXPECT_EQ(std::vector<std::string>(reasons.begin(), reasons.begin() + std::min(reasons.size(), want.size())), want);
  // Back-off between pull attempts: base 40 ms, then 80 ms (restartBackoffBase doubling).
  std::lock_guard lock(fake_.mu);
  ASSERT_GE(fake_.calls.size(), 3u);
  EXPECT_GE(fake_.calls[1].second - fake_.calls[0].second, 40ms);
  EXPECT_GE(fake_.calls[2].second - fake_.calls[1].second, 80ms);
  EXPECT_TRUE(hasEvent("Failed: Failed to pull image \"127.0.0.1:5000/broken:v1\": manifest unknown"));
  EXPECT_TRUE(hasEvent("Failed: Error: ErrImagePull"));
  EXPECT_TRUE(hasEvent("BackOff: Back-off pulling image \"127.0.0.1:5000/broken:v1\""));
  EXPECT_TRUE(hasEvent("Failed: Error: ImagePullBackOff"));
}

TEST_F(ImagePullerTest, BackOffEndsWithAPullThatSucceeds) {
  fake_.fail = true;
  auto c = container("c", "127.0.0.1:5000/later:v1", "IfNotPresent");
  resolve("u1", c);
  ASSERT_TRUE(runUntil([&] { return fake_.count() == 1 && woken_ > 0; }));
  {
    std::lock_guard lock(fake_.mu);
    fake_.fail = false;
  }
  ImageResolution r;
  ASSERT_TRUE(runUntil([&] {
    if (woken_ > 0) {
      woken_ = 0;
      r = resolve("u1", c);
    }
    return r.image.has_value();
  }));
  EXPECT_EQ(fake_.count(), 2u);
}

TEST_F(ImagePullerTest, AlwaysPullsARegistryNameButNotAnImportedOneOrADigest) {
  // Pulled before: Always asks the registry again.
  ASSERT_TRUE(fake_.commit("127.0.0.1:5000/app:v1", "old", true).ok());
  auto r = resolve("u1", container("c", "127.0.0.1:5000/app:v1", "Always"));
  EXPECT_EQ(r.reason, "ContainerCreating");
  ASSERT_TRUE(runUntil([&] { return woken_ > 0; }));
  EXPECT_EQ(fake_.count(), 1u);
  // Imported (no registry behind the name): used as is.
  ASSERT_TRUE(fake_.commit("docker.io/library/busybox:latest", "imported", false).ok());
  EXPECT_TRUE(resolve("u2", container("c", "busybox", "Always")).image);
  // A digest present locally: the content cannot differ.
  auto pulled = store_->find("127.0.0.1:5000/app:v1");
  ASSERT_TRUE(pulled.ok());
  EXPECT_TRUE(resolve("u3", container("c", "127.0.0.1:5000/app@" + pulled->digest, "Always")).image);
  EXPECT_EQ(fake_.count(), 1u);
}

TEST_F(ImagePullerTest, RestartWithAlwaysRepullsAndGetsTheNewDigest) {
  auto c = container("c", "127.0.0.1:5000/moving:v1", "Always");
  resolve("u1", c);
  ASSERT_TRUE(runUntil([&] { return woken_ > 0; }));
  auto first = resolve("u1", c);
  ASSERT_TRUE(first.image);
  // No restart yet: the same answer, no pull.
  EXPECT_TRUE(resolve("u1", c).image);
  EXPECT_EQ(fake_.count(), 1u);
  // The tag moves; the container exits and restarts.
  {
    std::lock_guard lock(fake_.mu);
    fake_.generation = 2;
  }
  woken_ = 0;
  events_.clear();
  auto r = puller_->resolveBeforeRestart("u1", c, [this] { ++woken_; });
  for (const auto& e : r.events) events_.push_back(e.reason + ": " + e.message);
  EXPECT_FALSE(r.image);
  EXPECT_EQ(r.reason, "ContainerCreating");
  EXPECT_TRUE(hasEvent("Pulling: Pulling image"));
  ASSERT_TRUE(runUntil([&] { return woken_ > 0; }));
  // The wake-up calls resolveBeforeRestart again: the fresh pull is used, not pulled again.
  r = puller_->resolveBeforeRestart("u1", c, [this] { ++woken_; });
  ASSERT_TRUE(r.image);
  EXPECT_NE(r.image->id, first.image->id);
  EXPECT_NE(r.image->digest, first.image->digest);
  EXPECT_EQ(fake_.count(), 2u);
  EXPECT_EQ(puller_->inUse(), std::set<std::string>{r.image->id});
}

TEST_F(ImagePullerTest, RestartWithIfNotPresentDoesNotPull) {
  ASSERT_TRUE(fake_.commit("127.0.0.1:5000/app:v1", "x", true).ok());
  auto c = container("c", "127.0.0.1:5000/app:v1", "IfNotPresent");
  ASSERT_TRUE(resolve("u1", c).image);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(puller_->resolveBeforeRestart("u1", c, [] {}).image);
  EXPECT_EQ(fake_.count(), 0u);
}

TEST_F(ImagePullerTest, RestartWhosePullFailsBacksOff) {
  auto c = container("c", "127.0.0.1:5000/gone:v1", "Always");
  resolve("u1", c);
  ASSERT_TRUE(runUntil([&] { return woken_ > 0; }));
  ASSERT_TRUE(resolve("u1", c).image);
  {
    std::lock_guard lock(fake_.mu);
    fake_.fail = true;
  }
  woken_ = 0;
  EXPECT_EQ(puller_->resolveBeforeRestart("u1", c, [this] { ++woken_; }).reason, "ContainerCreating");
  ASSERT_TRUE(runUntil([&] { return woken_ > 0; }));
  EXPECT_EQ(puller_->resolveBeforeRestart("u1", c, [this] { ++woken_; }).reason, "ErrImagePull");
}

// The kubelet's image GC: above the high-water mark unused images go, least recently used
// first, and an image a pod uses never does.
TEST_F(ImagePullerTest, GcAboveTheHighThresholdNeverRemovesAnImageInUse) {
  NodeConfig cfg;
  cfg.imageGcHighThreshold = 1;  // any real disk is above 1% used ...
  cfg.imageGcLowThreshold = 0;   // ... and freeing down to 0% removes every unused image
  cfg.registryConfig = dir_ / "no-auth.json";
  puller_.reset();
  puller_ = std::make_unique<ImagePuller>(io_, *store_, cfg, [this](const std::string& ref) { return fake_.pull(ref); });
  ASSERT_TRUE(fake_.commit("docker.io/library/used:v1", "used", false).ok());
  ASSERT_TRUE(fake_.commit("docker.io/library/idle:v1", "idle", false).ok());
  ASSERT_TRUE(fake_.commit("docker.io/library/idle:v2", "idle2", false).ok());
  auto r = resolve("u1", container("c", "used:v1", "IfNotPresent"));
  ASSERT_TRUE(r.image);
  puller_->maybeCollectGarbage();
  ASSERT_TRUE(runUntil([&] { return store_->list().size() == 1; }));
  EXPECT_EQ(store_->list().at(0).id, r.image->id);
  // Once the pod is gone its image is fair game.
  puller_->forget("u1");
  ASSERT_TRUE(runUntil([&] {
    puller_->maybeCollectGarbage();  // no-op while the previous run finishes
    return store_->list().empty();
  }));
}

TEST_F(ImagePullerTest, AdoptedPodOnlyLooksInTheStore) {
  auto r = resolve("u1", container("c", "127.0.0.1:5000/app:v1", "Always"), /*mayPull=*/false);
  EXPECT_FALSE(r.image);
  EXPECT_EQ(fake_.count(), 0u);
}

TEST_F(ImagePullerTest, InvalidReferenceIsInvalidImageName) {
  auto r = resolve("u1", container("c", "Upper/Case:v1", "IfNotPresent"));
  EXPECT_EQ(r.reason, "InvalidImageName");
  EXPECT_NE(r.message.find("couldn't parse image name"), std::string::npos) << r.message;
  EXPECT_TRUE(hasEvent("InspectFailed: "));
}

}  // namespace
}  // namespace peapod::node
