// Puller: resolve the manifest, fetch the config, then download and unpack the missing layers on
// a few threads into a staging dir, and commit the image to the store in one step.
#include "image/pull.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <optional>
#include <set>
#include <thread>

#include "base/scope_exit.h"
#include "image/digest.h"
#include "image/oci_layout.h"
#include "image/store_index.h"
#include "image/unpack.h"

namespace peapod::image {
namespace fs = std::filesystem;

struct Puller::Inflight {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<PullResult>> result;
};

std::string_view phaseName(PullProgress::Phase p) {
  switch (p) {
    case PullProgress::Phase::kResolving: return "Resolving";
    case PullProgress::Phase::kWaiting: return "Waiting";
    case PullProgress::Phase::kAlreadyExists: return "Already exists";
    case PullProgress::Phase::kDownloading: return "Downloading";
    case PullProgress::Phase::kVerified: return "Download complete";
    case PullProgress::Phase::kExtracting: return "Extracting";
    case PullProgress::Phase::kDone: return "Pull complete";
  }
  return "";
}

namespace {

// The manifest for this host in an index: linux/<arch>, preferring the expected variant.
Result<Descriptor> choosePlatform(const std::vector<Descriptor>& entries, const std::string& what) {
  std::string_view arch = hostArchitecture();
  std::string_view wantVariant = arch == "arm64" ? "v8" : "";
  const Descriptor* best = nullptr;
  for (const auto& d : entries) {
    if (d.os != "linux" || d.architecture != arch) continue;
    if (d.variant == wantVariant) return d;
    if (!best) best = &d;  // another variant of our architecture (amd64 v2/v3 run here too)
  }
  if (best) return *best;
  std::string have;
  for (const auto& d : entries)
    if (!d.os.empty()) have += (have.empty() ? "" : ", ") + d.os + "/" + d.architecture + (d.variant.empty() ? "" : "/" + d.variant);
  return Error("no matching manifest for linux/" + std::string(arch) + " in the manifest list of " + what +
               (have.empty() ? "" : " (it has " + have + ")"));
}

}  // namespace

Puller::Puller(Store& store, RegistryClient& registry, int parallelLayers)
    : store_(store), registry_(registry), parallel_(std::max(1, parallelLayers)) {}

Puller::~Puller() = default;

uint64_t Puller::pullsStarted() const {
  std::lock_guard lock(mu_);
  return started_;
}

Result<PullResult> Puller::pull(std::string_view refText, const PullProgressFn& progress) {
  PEAPOD_ASSIGN_OR_RETURN(Reference ref, parseReference(refText));
  std::string key = ref.str();
  std::shared_ptr<Inflight> flight;
  bool leader = false;
  {
    std::lock_guard lock(mu_);
    auto it = inflight_.find(key);
    if (it != inflight_.end()) {
      flight = it->second;
    } else {
      flight = std::make_shared<Inflight>();
      inflight_[key] = flight;
      leader = true;
      ++started_;
    }
  }
  if (!leader) {
    std::unique_lock lock(flight->mu);
    flight->cv.wait(lock, [&] { return flight->result.has_value(); });
    Result<PullResult> r = *flight->result;
    if (r.ok()) r->shared = true;
    return r;
  }
  Result<PullResult> r = doPull(ref, progress);
  if (!r.ok()) r = std::move(r).error().wrap("pull " + key);
  {
    std::lock_guard lock(flight->mu);
    flight->result = r;
  }
  flight->cv.notify_all();
  std::lock_guard lock(mu_);
  inflight_.erase(key);
  return r;
}

// 1. manifest (through an index to this platform); 2. config; 3. layers in parallel:
// download what the store lacks, verify, unpack what it lacks; 4. commit.
Result<PullResult> Puller::doPull(const Reference& ref, const PullProgressFn& progress) {
  auto report = [&](PullProgress::Phase phase, const std::string& digest = {}, int64_t cur = 0, int64_t total = 0) {
    if (progress) progress(PullProgress{phase, digest, cur, total});
  };
  report(PullProgress::Phase::kResolving);
  std::string what = ref.registry + "/" + ref.repository;
  PEAPOD_ASSIGN_OR_RETURN(FetchedManifest fm, registry_.manifest(ref, ref.digest.empty() ? ref.tag : ref.digest));
  if (blobKind(fm.mediaType, fm.body) == BlobKind::kIndex) {
    PEAPOD_ASSIGN_OR_RETURN(auto entries, parseIndex(fm.body));
    PEAPOD_ASSIGN_OR_RETURN(Descriptor chosen, choosePlatform(entries, what));
    PEAPOD_ASSIGN_OR_RETURN(fm, registry_.manifest(ref, chosen.digest));
  }
  if (blobKind(fm.mediaType, fm.body) != BlobKind::kManifest)
    return Error("manifest " + fm.digest + ": unsupported media type \"" + fm.mediaType + "\"");
  PEAPOD_ASSIGN_OR_RETURN(Manifest manifest, parseManifest(fm.body));

  PEAPOD_ASSIGN_OR_RETURN(fs::path staging, store_.makeStaging("pull"));
  ScopeExit cleanup([&] {
    std::error_code ec;
    fs::remove_all(staging, ec);
  });
  fs::path sblobs = staging / "blobs", slayers = staging / "layers";
  PullResult result;
  // The manifest itself, as served (already hashed).
  if (!store_.hasBlob(fm.digest)) {
    fs::path p = sblobs / fm.digest.substr(7);
    FILE* f = std::fopen(p.c_str(), "wbx");
    if (!f) return Error::sys("open", p.string());
    bool ok = std::fwrite(fm.body.data(), 1, fm.body.size(), f) == fm.body.size();
    ok = (std::fflush(f) == 0) && ok;
    ok = (::fsync(fileno(f)) == 0) && ok;
    std::fclose(f);
    if (!ok) return Error::sys("write", p.string());
  }
  // The config.
  const Descriptor& cd = manifest.config;
  if (cd.size > (16 << 20)) return Error("config " + cd.digest + ": " + std::to_string(cd.size) + " bytes is too big");
  fs::path configPath = store_.hasBlob(cd.digest) ? store_.blobPath(cd.digest) : sblobs / cd.digest.substr(7);
  if (!store_.hasBlob(cd.digest)) {
    PEAPOD_TRY(registry_.blob(ref, cd, configPath));
    result.downloadedBytes += static_cast<uint64_t>(cd.size);
  }
  PEAPOD_ASSIGN_OR_RETURN(std::string configText, readSmallFile(configPath, 16 << 20));
  PEAPOD_ASSIGN_OR_RETURN(ConfigInfo config, parseConfig(configText));
  if (!config.os.empty() && (config.os != "linux" || config.architecture != hostArchitecture()))
    return Error("image " + what + " is for " + config.os + "/" + config.architecture + ", not linux/" +
                 std::string(hostArchitecture()));
  if (config.diffIds.size() != manifest.layers.size())
    return Error("manifest " + fm.digest + ": " + std::to_string(manifest.layers.size()) + " layers but config lists " +
                 std::to_string(config.diffIds.size()) + " diff_ids");

  // Layers: each distinct diff_id once.
  std::vector<size_t> todo;
  std::set<std::string> seen;
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    const Descriptor& ld = manifest.layers[i];
    if (!seen.insert(config.diffIds[i]).second) continue;
    if (store_.hasLayer(config.diffIds[i]) && store_.hasBlob(ld.digest)) {
      report(PullProgress::Phase::kAlreadyExists, ld.digest, ld.size, ld.size);
      continue;
    }
    report(PullProgress::Phase::kWaiting, ld.digest, 0, ld.size);
    todo.push_back(i);
  }
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> downloaded{0};
  std::mutex errMu;
  std::optional<Error> firstError;
  auto failed = [&] {
    std::lock_guard lock(errMu);
    return firstError.has_value();
  };
  auto worker = [&] {
    for (size_t k; (k = next++) < todo.size() && !failed();) {
      size_t i = todo[k];
      const Descriptor& ld = manifest.layers[i];
      const std::string& diffId = config.diffIds[i];
      Status s;
      fs::path blob = store_.blobPath(ld.digest);
      if (!store_.hasBlob(ld.digest)) {
        blob = sblobs / ld.digest.substr(7);
        s = registry_.blob(ref, ld, blob, [&](int64_t got) {
          report(PullProgress::Phase::kDownloading, ld.digest, got, ld.size);
        });
        if (s.ok()) {
          downloaded += static_cast<uint64_t>(ld.size);
          report(PullProgress::Phase::kVerified, ld.digest, ld.size, ld.size);
        }
      }
      if (s.ok() && !store_.hasLayer(diffId)) {
        report(PullProgress::Phase::kExtracting, ld.digest, 0, ld.size);
        fs::path dir = slayers / diffId.substr(7);
        if (::mkdir(dir.c_str(), 0755) != 0 || ::chmod(dir.c_str(), 0755) != 0) s = Error::sys("mkdir", dir.string());
        else s = unpackArchive(blob, dir, store_.layerUnpackOptions(diffId));
        if (!s.ok()) s = std::move(s).error().wrap("layer " + ld.digest);
      }
      if (!s.ok()) {
        std::lock_guard lock(errMu);
        if (!firstError) firstError = std::move(s).error();
        return;
      }
      report(PullProgress::Phase::kDone, ld.digest, ld.size, ld.size);
    }
  };
  {
    std::vector<std::thread> threads;
    size_t n = std::min(todo.size(), static_cast<size_t>(parallel_));
    for (size_t t = 1; t < n; ++t) threads.emplace_back(worker);
    if (n > 0) worker();
    for (auto& t : threads) t.join();
  }
  if (firstError) return *firstError;
  result.downloadedBytes += downloaded;

  ImageRecord rec;
  rec.id = cd.digest;
  rec.digest = fm.digest;
  if (ref.digest.empty()) rec.names = rec.pulledNames = {ref.str()};
  rec.diffIds = config.diffIds;
  rec.blobs = {fm.digest, cd.digest};
  for (const auto& ld : manifest.layers) {
    rec.blobs.push_back(ld.digest);
    rec.size += static_cast<uint64_t>(ld.size);
  }
  rec.created = config.created;
  rec.config = config.config;
  PEAPOD_ASSIGN_OR_RETURN(auto images, store_.commit(staging, {std::move(rec)}));
  result.image = std::move(images.at(0));
  report(PullProgress::Phase::kDone);
  return result;
}

}  // namespace peapod::image
