// Store: opening, lookups, untagging and garbage collection of the on-disk image store.
#include "image/store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "image/reference.h"
#include "image/store_index.h"

namespace peapod::image {
namespace fs = std::filesystem;

namespace {

bool allHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Error notFound(std::string_view ref) { return Error("image \"" + std::string(ref) + "\" not found", ENOENT); }

}  // namespace

Store::Store(fs::path root) : root_(std::move(root)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(const fs::path& root) {
  std::error_code ec;
  for (const char* sub : {"blobs/sha256", "layers/sha256", "tmp"}) {
    fs::create_directories(root / sub, ec);
    if (ec) return Error("create " + (root / sub).string() + ": " + ec.message());
  }
  // Leftovers of imports or removals interrupted by a crash.
  for (const auto& e : fs::directory_iterator(root / "tmp", ec)) fs::remove_all(e.path(), ec);

  std::unique_ptr<Store> s(new Store(fs::absolute(root)));
  std::lock_guard lock(s->mu_);
  PEAPOD_TRY(s->load());
  PEAPOD_TRY(s->garbageCollect());  // a crash between committing layers and the index leaves orphans
  return s;
}

Status Store::load() {
  PEAPOD_ASSIGN_OR_RETURN(records_, loadIndex(root_ / "images.json"));
  return {};
}

Status Store::save() const { return saveIndex(root_ / "images.json", records_); }

Image Store::toImage(const ImageRecord& r) const {
  Image img;
  img.id = r.id;
  img.digest = r.digest;
  img.names = r.names;
  for (const auto& n : r.pulledNames)
    if (std::find(r.names.begin(), r.names.end(), n) != r.names.end()) img.pulledNames.push_back(n);
  img.config = r.config;
  img.size = r.size;
  img.created = r.created;
  for (const auto& d : r.diffIds) img.layerDirs.push_back((root_ / "layers" / "sha256" / d.substr(7)).string());
  return img;
}

Result<const ImageRecord*> Store::findLocked(std::string_view ref) const {
  // 1. A name (normalized): "busybox" finds docker.io/library/busybox:latest.
  auto parsed = parseReference(ref);
  if (parsed.ok()) {
    if (parsed->digest.empty()) {
      std::string name = parsed->str();
      for (const auto& r : records_)
        if (std::find(r.names.begin(), r.names.end(), name) != r.names.end()) return &r;
    } else {
      // "repo@sha256:<manifest digest>": pinned by content.
      for (const auto& r : records_)
        if (r.digest == parsed->digest) return &r;
    }
  }
  // 2. An image id, a manifest digest, or a unique prefix of an id (at least 3 hex digits).
  std::string_view hex = ref;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  if (hex.size() < 3 || hex.size() > 64 || !allHex(hex)) {
    if (!parsed.ok()) return parsed.error();
    return notFound(ref);
  }
  const ImageRecord* match = nullptr;
  for (const auto& r : records_) {
    if (r.digest.substr(7) == hex) return &r;
    if (r.id.compare(7, hex.size(), hex) == 0) {
      if (match && match != &r) return Error("image id prefix \"" + std::string(ref) + "\" is ambiguous");
      match = &r;
    }
  }
  if (!match) return notFound(ref);
  return match;
}

Result<Image> Store::find(std::string_view ref) const {
  std::lock_guard lock(mu_);
  PEAPOD_ASSIGN_OR_RETURN(const ImageRecord* r, findLocked(ref));
  return toImage(*r);
}

std::vector<Image> Store::list() const {
  std::lock_guard lock(mu_);
  std::vector<Image> out;
  for (const auto& r : records_) out.push_back(toImage(r));
  std::sort(out.begin(), out.end(), [](const Image& a, const Image& b) {
    const std::string& ka = a.names.empty() ? a.id : a.names.front();
    const std::string& kb = b.names.empty() ? b.id : b.names.front();
    return ka < kb;
  });
  return out;
}

Status Store::remove(std::string_view ref) {
  std::lock_guard lock(mu_);
  PEAPOD_ASSIGN_OR_RETURN(const ImageRecord* found, findLocked(ref));
  auto old = records_;
  auto it = records_.begin() + (found - records_.data());
  // A name untags; an id or digest removes the image with all its names.
  auto parsed = parseReference(ref);
  std::string name = parsed.ok() ? parsed->str() : std::string();
  auto n = std::find(it->names.begin(), it->names.end(), name);
  if (n != it->names.end()) it->names.erase(n);
  else it->names.clear();
  if (it->names.empty()) records_.erase(it);
  if (Status s = save(); !s.ok()) {
    records_ = std::move(old);
    return std::move(s).error().wrap("remove image " + std::string(ref));
  }
  return garbageCollect();
}

Status Store::remove(std::string_view ref, const std::set<std::string>& inUse, bool force) {
  std::string id;
  {
    std::lock_guard lock(mu_);
    PEAPOD_ASSIGN_OR_RETURN(const ImageRecord* found, findLocked(ref));
    // Untagging one of several names leaves the image in place: allowed even while in use.
    auto parsedRef = parseReference(ref);
    bool untagOnly = parsedRef.ok() && found->names.size() > 1 &&
                     std::find(found->names.begin(), found->names.end(), parsedRef->str()) != found->names.end();
    if (!inUse.count(found->id) || untagOnly) id = found->id;
    else if (!force)
      return Error("unable to remove image \"" + std::string(ref) + "\": image is being used by running container (" +
                       found->id + "); use --force to untag it", EBUSY);
    else {
      // Forced: untag, but keep the layers its containers run on; prune removes it once unused.
      auto old = records_;
      auto it = records_.begin() + (found - records_.data());
      auto parsed = parseReference(ref);
      std::string name = parsed.ok() ? parsed->str() : std::string();
      auto n = std::find(it->names.begin(), it->names.end(), name);
      if (n != it->names.end()) it->names.erase(n);
      else it->names.clear();
      if (Status s = save(); !s.ok()) {
        records_ = std::move(old);
        return std::move(s).error().wrap("untag image " + std::string(ref));
      }
      return {};
    }
  }
  return remove(ref);
}

Result<std::vector<Image>> Store::prune(const std::set<std::string>& inUse, std::optional<uint64_t> bytesToFree) {
  std::lock_guard lock(mu_);
  std::vector<const ImageRecord*> candidates;
  for (const auto& r : records_)
    if (!inUse.count(r.id)) candidates.push_back(&r);
  auto used = [&](const ImageRecord* r) {
    auto it = lastUsed_.find(r->id);
    return it == lastUsed_.end() ? std::chrono::steady_clock::time_point{} : it->second;
  };
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](const ImageRecord* a, const ImageRecord* b) { return used(a) < used(b); });
  std::set<std::string> drop;
  std::vector<Image> removed;
  uint64_t freed = 0;
  for (const ImageRecord* r : candidates) {
    if (bytesToFree && freed >= *bytesToFree) break;
    drop.insert(r->id);
    removed.push_back(toImage(*r));
    freed += r->size;
  }
  if (drop.empty()) return removed;
  auto old = records_;
  std::erase_if(records_, [&](const ImageRecord& r) { return drop.count(r.id) > 0; });
  if (Status s = save(); !s.ok()) {
    records_ = std::move(old);
    return std::move(s).error().wrap("prune images");
  }
  for (const auto& id : drop) lastUsed_.erase(id);
  PEAPOD_TRY(garbageCollect());
  return removed;
}

void Store::markUsed(const std::string& id) {
  std::lock_guard lock(mu_);
  lastUsed_[id] = std::chrono::steady_clock::now();
}

fs::path Store::blobPath(std::string_view digest) const {
  return root_ / "blobs" / "sha256" / std::string(digest.substr(std::min<size_t>(7, digest.size())));
}

bool Store::hasBlob(std::string_view digest) const {
  struct stat st;
  return isDigest(digest) && ::stat(blobPath(digest).c_str(), &st) == 0;
}

bool Store::hasLayer(std::string_view diffId) const {
  struct stat st;
  return isDigest(diffId) && ::stat((root_ / "layers" / "sha256" / std::string(diffId.substr(7))).c_str(), &st) == 0;
}

Result<fs::path> Store::makeStaging(std::string_view prefix) {
  std::string tmpl = (root_ / "tmp" / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) return Error::sys("mkdtemp", tmpl);
  fs::path dir = tmpl;
  for (const char* sub : {"blobs", "layers"})
    if (::mkdir((dir / sub).c_str(), 0700) != 0) return Error::sys("mkdir", (dir / sub).string());
  return dir;
}

Status Store::garbageCollect() {
  std::set<std::string> blobs, layers;
  for (const auto& r : records_) {
    for (const auto& b : r.blobs) blobs.insert(b.substr(7));
    for (const auto& d : r.diffIds) layers.insert(d.substr(7));
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_ / "layers" / "sha256", ec)) {
    std::string hex = e.path().filename();
    if (layers.count(hex)) continue;
    // Move it out of layers/ first so a half-deleted layer never looks complete.
    fs::path trash = root_ / "tmp" / ("gc-" + hex);
    if (::rename(e.path().c_str(), trash.c_str()) != 0) return Error::sys("rename", e.path().string());
    fs::remove_all(trash, ec);
    if (ec) return Error("remove " + trash.string() + ": " + ec.message());
  }
  for (const auto& e : fs::directory_iterator(root_ / "blobs" / "sha256", ec)) {
    if (blobs.count(e.path().filename())) continue;
    if (::unlink(e.path().c_str()) != 0) return Error::sys("unlink", e.path().string());
  }
  if (ec) return Error("garbage collect " + root_.string() + ": " + ec.message());
  return {};
}

}  // namespace peapod::image
