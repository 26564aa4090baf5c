#include "node/volumes.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "api/quantity.h"
#include "base/log.h"
#include "node/fs_group.h"
#include "node/projected_files.h"
#include "node/volume_payload.h"
#include "sys/unique_fd.h"

namespace peapod::node {
namespace {

namespace fs = std::filesystem;

std::string setUpFailed(const std::string& volume, const std::string& why) {
  return "MountVolume.SetUp failed for volume \"" + volume + "\" : " + why;
}

// The kubelet's checkType (pkg/volume/hostpath): each type's test and message.
Status checkHostPath(const api::Volume& v) {
  const std::string& path = v.hostPath->path;
  std::string type = v.hostPath->type.value_or("");
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  auto failed = [&](const std::string& what) {
    return Error(setUpFailed(v.name, "hostPath type check failed: " + path + " is not a " + what));
  };
  if (type == "DirectoryOrCreate" && !exists) {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) return Error(setUpFailed(v.name, "create directory " + path + ": " + ec.message()));
    ::chmod(path.c_str(), 0755);
    return {};
  }
  if (type == "FileOrCreate" && !exists) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    sys::UniqueFd fd(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) return Error::sys("create file", path).wrap(setUpFailed(v.name, "hostPath"));
    return {};
  }
  if (type == "Directory" || type == "DirectoryOrCreate") {
    if (!exists || !S_ISDIR(st.st_mode)) return failed("directory");
  } else if (type == "File" || type == "FileOrCreate") {
    if (!exists || !S_ISREG(st.st_mode)) return failed("file");
  } else if (type == "Socket") {
    if (!exists || !S_ISSOCK(st.st_mode)) return failed("socket file");
  } else if (type == "CharDevice") {
    if (!exists || !S_ISCHR(st.st_mode)) return failed("character device");
  } else if (type == "BlockDevice") {
    if (!exists || !S_ISBLK(st.st_mode)) return failed("block device");
  } else if (!type.empty()) {
    return Error(setUpFailed(v.name, type + " is an invalid volume type"));
  } else if (!exists) {
    // Unset type: no check; like containerd, a missing source becomes a directory.
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) return Error(setUpFailed(v.name, "create directory " + path + ": " + ec.message()));
  }
  return {};
}

std::string unescapeMountinfo(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8)));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool isMountPoint(const std::string& path) {
  for (const auto& m : mountPointsUnder(path)) {
    if (m == path) return true;
  }
  return false;
}

Status mountTmpfs(const std::string& dir, const std::string& options, const std::string& volume) {
  if (isMountPoint(dir)) return {};
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    return Error::sys("mount tmpfs", dir).wrap(setUpFailed(volume, "tmpfs"));
  }
  return {};
}

// Tmpfs keeps secrets (and projected files, which may hold them) off the disk, as the kubelet does.
bool onTmpfs(const api::Volume& v) {
  return v.secret || v.projected || (v.emptyDir && v.emptyDir->medium == "Memory");
}

Status writeContent(const NodeConfig& config, const api::Pod& pod, const api::Volume& v, const NodeFacts& node) {
  auto payload = volumePayload(pod, v, node);
  if (!payload.ok()) return Error(setUpFailed(v.name, payload.error().message()));
  auto written = writeAtomic(volumeHostPath(config, pod, v), *payload);
  if (!written.ok()) return Error(setUpFailed(v.name, written.error().message()));
  if (*written) {
    log::debug("pod " + pod.metadata.name + ": volume " + v.name + " updated");
    // The new files need the pod's fsGroup again (fs_group.h).
    if (auto st = applyFsGroupToVolume(pod, v, volumeHostPath(config, pod, v)); !st.ok()) {
      return Error(setUpFailed(v.name, st.error().message()));
    }
  }
  return {};
}

}  // namespace

std::string volumeHostPath(const NodeConfig& config, const api::Pod& pod, const api::Volume& v) {
  if (v.hostPath) return v.hostPath->path;
  const char* plugin = v.emptyDir      ? "kubernetes.io~empty-dir"
                       : v.configMap   ? "kubernetes.io~configmap"
                       : v.secret      ? "kubernetes.io~secret"
                       : v.downwardAPI ? "kubernetes.io~downward-api"
                       : v.projected   ? "kubernetes.io~projected"
                                       : "unknown";
  return (config.podDataDir(pod.metadata.uid) / "volumes" / plugin / v.name).string();
}

Result<std::map<std::string, std::string>> prepareVolumes(const NodeConfig& config, const api::Pod& pod) {
  std::map<std::string, std::string> out;
  for (const auto& v : pod.spec.volumes) {
    std::string path = volumeHostPath(config, pod, v);
    if (v.hostPath) {
      std::string type = v.hostPath->type.value_or("");
      if (type == "DirectoryOrCreate" || type == "FileOrCreate" || type.empty()) PEAPOD_TRY(checkHostPath(v));
    } else if (v.emptyDir || isContentVolume(v)) {
      std::error_code ec;
      fs::create_directories(path, ec);
      if (ec) return Error(setUpFailed(v.name, "create " + path + ": " + ec.message()));
    } else {
      return Error("volume \"" + v.name + "\": unsupported volume type");
    }
    out[v.name] = path;
  }
  return out;
}

// 1. the pod dir as a shared mount; 2. each volume: directory, tmpfs, checks, content.
Status setUpVolumes(const NodeConfig& config, const api::Pod& pod, const NodeFacts& node) {
  std::string podDir = config.podDataDir(pod.metadata.uid).string();
  std::error_code ec;
  fs::create_directories(podDir, ec);
  if (ec) return Error("create " + podDir + ": " + ec.message());
  if (!isMountPoint(podDir)) {
    if (::mount(podDir.c_str(), podDir.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      return Error::sys("bind mount", podDir);
    }
  }
  if (::mount(nullptr, podDir.c_str(), nullptr, MS_SHARED, nullptr) != 0) return Error::sys("make shared", podDir);

  for (const auto& v : pod.spec.volumes) {
    if (v.hostPath) {
      PEAPOD_TRY(checkHostPath(v));
      continue;
    }
    std::string dir = volumeHostPath(config, pod, v);
    if (!v.emptyDir && !isContentVolume(v)) return Error(setUpFailed(v.name, "unsupported volume type"));
    fs::create_directories(dir, ec);
    if (ec) return Error(setUpFailed(v.name, "create " + dir + ": " + ec.message()));
    if (v.emptyDir && !v.emptyDir->medium.empty() && v.emptyDir->medium != "Memory") {
      return Error(setUpFailed(v.name, "emptyDir medium \"" + v.emptyDir->medium + "\" is not supported"));
    }
    if (onTmpfs(v)) {
      std::string options = v.emptyDir ? "mode=0777" : "mode=0755";
      // The kubelet sizes a memory-backed emptyDir by its sizeLimit: writes past it get ENOSPC.
      if (v.emptyDir && !v.emptyDir->sizeLimit.empty()) {
        auto bytes = api::quantityValue(v.emptyDir->sizeLimit);
        if (bytes && *bytes > 0) options += ",size=" + std::to_string(*bytes);
      }
      PEAPOD_TRY(mountTmpfs(dir, options, v.name));
    } else if (v.emptyDir) {
      ::chmod(dir.c_str(), 0777);  // world-writable, as the kubelet makes it
    }
    if (isContentVolume(v)) PEAPOD_TRY(writeContent(config, pod, v, node));
  }
  return {};
}

Status refreshContentVolumes(const NodeConfig& config, const api::Pod& pod, const NodeFacts& node, bool metadataOnly) {
  Status first;
  for (const auto& v : pod.spec.volumes) {
    if (!isContentVolume(v) || (metadataOnly && !usesPodMetadata(v))) continue;
    if (!fs::is_directory(volumeHostPath(config, pod, v))) continue;  // not set up (yet)
    auto s = writeContent(config, pod, v, node);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Status tearDownVolumes(const NodeConfig& config, const std::string& uid) {
  std::string podDir = config.podDataDir(uid).string();
  // Stacked mounts need more than one pass; the bound keeps a stuck mount from looping forever.
  for (int pass = 0; pass < 4; ++pass) {
    auto mounts = mountPointsUnder(podDir);
    if (mounts.empty()) return {};
    for (const auto& m : mounts) {
      if (::umount2(m.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
        log::warn("unmount " + m + ": " + std::string(strerror(errno)));
      }
    }
  }
  auto left = mountPointsUnder(podDir);
  if (left.empty()) return {};
  return Error("still mounted under " + podDir + ": " + left.front());
}

std::vector<std::string> mountPointsUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mountPoint;
    if (!(fields >> id >> parent >> devno >> root >> mountPoint)) continue;
    mountPoint = unescapeMountinfo(mountPoint);
    if (mountPoint == dir || mountPoint.starts_with(dir + "/")) out.push_back(mountPoint);
  }
  std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

bool hasEmptyDirLimits(const api::Pod& pod) {
  for (const auto& v : pod.spec.volumes) {
    if (v.emptyDir && !v.emptyDir->sizeLimit.empty()) return true;
  }
  return false;
}

uint64_t diskUsage(const std::string& dir) {
  struct stat rootSt {};
  if (::lstat(dir.c_str(), &rootSt) != 0) return 0;
  uint64_t total = static_cast<uint64_t>(rootSt.st_blocks) * 512;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    if (st.st_dev != rootSt.st_dev) {  // another filesystem mounted inside: du -x
      it.disable_recursion_pending();
      continue;
    }
    if (st.st_nlink > 1 && !S_ISDIR(st.st_mode) && !seen.insert({st.st_dev, st.st_ino}).second) continue;
    total += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

std::optional<std::string> emptyDirOverLimit(const NodeConfig& config, const api::Pod& pod) {
  for (const auto& v : pod.spec.volumes) {
    if (!v.emptyDir || v.emptyDir->sizeLimit.empty()) continue;
    auto limit = api::quantityValue(v.emptyDir->sizeLimit);
    if (!limit || *limit <= 0) continue;
    uint64_t used = diskUsage(volumeHostPath(config, pod, v));
    if (used > static_cast<uint64_t>(*limit)) {
      return "Usage of EmptyDir volume \"" + v.name + "\" exceeds the limit \"" + v.emptyDir->sizeLimit + "\". ";
    }
  }
  return std::nullopt;
}

}  // namespace peapod::node
