#include "node/static_pods.h"

#include <sys/inotify.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "api/codec.h"
#include "api/defaults.h"
#include "api/manifest.h"
#include "api/validation.h"
#include "base/log.h"
#include "base/time.h"
#include "image/digest.h"

namespace peapod::node {
namespace fs = std::filesystem;

namespace {

// The uid of a static pod: a hash of its manifest and the node, formatted like a UUID.
std::string contentUid(const nlohmann::json& manifest, const std::string& nodeName) {
  std::string hex = image::sha256Digest(manifest.dump() + "\n" + nodeName).substr(7, 32);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20, 12);
}

bool isManifestFile(const fs::directory_entry& e) {
  std::string name = e.path().filename().string();
  return e.is_regular_file() && !name.empty() && name[0] != '.';  // the kubelet skips dot-files
}

}  // namespace

Result<std::vector<api::Pod>> staticPodsFromManifest(std::string_view text, const std::string& nodeName) {
  PEAPOD_ASSIGN_OR_RETURN(auto docs, api::parseManifests(text));
  std::vector<api::Pod> pods;
  for (auto& doc : docs) {
    PEAPOD_ASSIGN_OR_RETURN(api::Pod pod, api::podFromJson(doc));
    pod.metadata.name += "-" + nodeName;
    if (pod.metadata.namespace_.empty()) pod.metadata.namespace_ = "default";
    pod.spec.nodeName = nodeName;
    api::setPodDefaults(pod);
    auto errors = api::validatePod(pod);
    if (!errors.empty()) return Error("invalid pod \"" + pod.metadata.name + "\": " + api::joinFieldErrors(errors));
    pod.metadata.uid = contentUid(doc, nodeName);
    std::string hash = pod.metadata.uid;
    hash.erase(std::remove(hash.begin(), hash.end(), '-'), hash.end());
    pod.metadata.annotations[kConfigSourceAnnotation] = "file";
    pod.metadata.annotations[kConfigHashAnnotation] = hash;
    pod.metadata.annotations[kConfigMirrorAnnotation] = hash;
    pod.metadata.annotations[kConfigSeenAnnotation] = formatRfc3339Nano(WallClock::now());
    pod.metadata.creationTimestamp = formatRfc3339(WallClock::now());
    pod.status.phase = "Pending";
    pods.push_back(std::move(pod));
  }
  return pods;
}

bool isMirrorPod(const api::Pod& pod) { return pod.metadata.annotations.count(kConfigMirrorAnnotation) > 0; }

StaticPodSource::StaticPodSource(asio::io_context& io, fs::path dir, std::string nodeName, Callbacks callbacks)
    : io_(io), dir_(std::move(dir)), nodeName_(std::move(nodeName)), callbacks_(std::move(callbacks)) {}

Status StaticPodSource::start() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Error("create " + dir_.string() + ": " + ec.message());
  sys::UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd) return Error::sys("inotify_init1");
  if (::inotify_add_watch(fd.get(), dir_.c_str(),
                          IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ATTRIB) < 0) {
    return Error::sys("inotify_add_watch", dir_.string());
  }
  inotify_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd.release());
  rescan();
  armWatch();
  return {};
}

void StaticPodSource::armWatch() {
  inotify_->async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;
    char buf[4096];
    while (::read(inotify_->native_handle(), buf, sizeof buf) > 0) {
    }
    rescan();  // the directory is small: re-reading it beats tracking each event
    armWatch();
  });
}

// Reads every manifest, then reports the difference to what was running: new uids are added,
// vanished ones removed. A file that does not parse keeps its previous pods running.
void StaticPodSource::rescan() {
  std::map<std::string, std::vector<api::Pod>> byFile;
  std::map<std::string, std::string> bad;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (!isManifestFile(entry)) continue;
    std::string file = entry.path().string();
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto pods = staticPodsFromManifest(ss.str(), nodeName_);
    if (pods.ok()) {
      byFile[file] = std::move(*pods);
      continue;
    }
    bad[file] = pods.error().message();
    if (badFiles_[file] != bad[file]) {
      log::error("static pod manifest " + file + ": " + bad[file]);
      if (callbacks_.invalid) callbacks_.invalid(file, bad[file]);
    }
    if (auto prev = byFile_.find(file); prev != byFile_.end()) byFile[file] = prev->second;
  }
  badFiles_ = std::move(bad);
  std::map<std::string, api::Pod> next;
  for (const auto& [file, pods] : byFile) {
    for (const auto& p : pods) next.emplace(p.metadata.uid, p);
  }
  // The new set is in place before anyone hears of the change: a listener asking "is this uid a
  // static pod?" while handling a removal must get "no".
  auto previous = std::exchange(pods_, std::move(next));
  byFile_ = std::move(byFile);
  for (const auto& [uid, pod] : previous) {
    if (!pods_.count(uid) && callbacks_.removed) callbacks_.removed(pod);
  }
  for (const auto& [uid, pod] : pods_) {
    if (!previous.count(uid) && callbacks_.added) callbacks_.added(pod);
  }
}

}  // namespace peapod::node
