#include "node/subpath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>

#include "base/log.h"
#include "node/env.h"
#include "node/volume_payload.h"
#include "sys/unique_fd.h"

namespace peapod::node {
namespace {

namespace fs = std::filesystem;

int openBeneath(int dirfd, const std::string& path, uint64_t flags) {
  struct open_how how {};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
}

// mkdir -p of subPath inside the volume, each step resolved beneath it (the kubelet's SafeMakeDir).
Status makeDirsBeneath(int volumeFd, const std::string& subPath, mode_t mode) {
  std::string done;
  for (const auto& part : fs::path(subPath)) {
    std::string name = part.string();
    if (name.empty() || name == "." || name == "/") continue;
    std::string next = done.empty() ? name : done + "/" + name;
    sys::UniqueFd existing(openBeneath(volumeFd, next, O_PATH));
    if (!existing) {
      if (errno != ENOENT) return Error::sys("open", next);
      sys::UniqueFd parent(done.empty() ? ::fcntl(volumeFd, F_DUPFD_CLOEXEC, 0)
                                        : openBeneath(volumeFd, done, O_PATH | O_DIRECTORY));
      if (!parent) return Error::sys("open", done);
      // mkdirat never follows a symlink in the last component: EEXIST instead.
      if (::mkdirat(parent.get(), name.c_str(), mode) != 0 && errno != EEXIST) return Error::sys("mkdir", next);
      sys::UniqueFd made(openBeneath(volumeFd, next, O_RDONLY | O_DIRECTORY));
      if (made) ::fchmod(made.get(), mode);  // the exact mode, whatever the umask
    }
    done = next;
  }
  return {};
}

}  // namespace

Status bindSubPath(const std::string& volumePath, const std::string& subPath, const std::string& target) {
  sys::UniqueFd volume(::open(volumePath.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!volume) return Error::sys("open", volumePath);
  sys::UniqueFd fd(openBeneath(volume.get(), subPath, O_PATH));
  if (!fd && errno == ENOENT) {
    struct stat vst {};
    if (::fstat(volume.get(), &vst) != 0) return Error::sys("stat", volumePath);
    PEAPOD_TRY(makeDirsBeneath(volume.get(), subPath, vst.st_mode & 07777));
    fd.reset(openBeneath(volume.get(), subPath, O_PATH));
  }
  if (!fd) {
    if (errno == EXDEV || errno == ELOOP) {
      return Error("subpath \"" + subPath + "\" not within volume path \"" + volumePath + "\"");
    }
    return Error::sys("open", volumePath + "/" + subPath);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::sys("stat", subPath);

  std::error_code ec;
  fs::create_directories(fs::path(target).parent_path(), ec);
  if (ec) return Error("create " + fs::path(target).parent_path().string() + ": " + ec.message());
  // A container restart prepares its subPaths again: the old bind goes first.
  for (int i = 0; i < 8 && ::umount2(target.c_str(), MNT_DETACH) == 0; ++i) {
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mkdir(target.c_str(), 0750) != 0 && errno != EEXIST) return Error::sys("mkdir", target);
  } else {
    sys::UniqueFd t(::open(target.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!t && errno != EISDIR) return Error::sys("create", target);
  }
  std::string procPath = "/proc/self/fd/" + std::to_string(fd.get());
  if (::mount(procPath.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    return Error::sys("bind mount", target);
  }
  return {};
}

// 1. each volumeMount: subPathExpr expanded, subPath bound safely, content volumes read-only,
// propagation; 2. generated /etc files give way to the container's own mounts there.
Result<runtime::ContainerSpec> finishVolumeMounts(const NodeConfig& config, const api::Pod& pod,
                                                  const api::Container& c, const PodPaths& paths,
                                                  runtime::ContainerSpec spec) {
  std::set<std::string> userTargets;
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    for (auto it = spec.env.rbegin(); it != spec.env.rend(); ++it) {
      if (it->size() > name.size() && it->compare(0, name.size(), name) == 0 && (*it)[name.size()] == '=')
        return it->substr(name.size() + 1);
    }
    return std::nullopt;
  };
  for (size_t i = 0; i < c.volumeMounts.size(); ++i) {
    const auto& m = c.volumeMounts[i];
    userTargets.insert(fs::path(m.mountPath).lexically_normal().string());
    runtime::BindMount* bm = nullptr;
    for (auto& candidate : spec.mounts) {
      if (candidate.target == m.mountPath) bm = &candidate;
    }
    const api::Volume* vol = nullptr;
    for (const auto& v : pod.spec.volumes) {
      if (v.name == m.name) vol = &v;
    }
    auto hostPath = paths.volumes.find(m.name);
    if (!bm || !vol || hostPath == paths.volumes.end()) return Error("volume \"" + m.name + "\" is not prepared");

    std::string sub = m.subPath;
    if (!m.subPathExpr.empty()) {
      std::set<std::string> missing;
      sub = expandVars(m.subPathExpr, [&](const std::string& name) -> std::optional<std::string> {
        auto v = lookup(name);
        if (!v || v->empty()) missing.insert(name);
        return v ? v : std::optional<std::string>("");
      });
      if (!missing.empty()) {
        std::string names;
        for (const auto& n : missing) names += (names.empty() ? "" : ", ") + n;
        return Error("missing value for " + names);
      }
    }
    if (!sub.empty()) {
      fs::path target = config.podDataDir(pod.metadata.uid) / "volume-subpaths" / m.name / c.name / std::to_string(i);
      Status s = (sub.front() == '/' || fs::path(sub).lexically_normal().string().starts_with(".."))
                     ? Status(Error("subpath \"" + sub + "\" must be a relative path within the volume"))
                     : bindSubPath(hostPath->second, sub, target.string());
      if (!s.ok()) {
        // Like the kubelet, the details (host paths) go to the log, not to the pod's status.
        log::warn("pod " + pod.metadata.namespace_ + "/" + pod.metadata.name + " container " + c.name +
                  ": subPath of volume " + m.name + ": " + s.error().message());
        return Error("failed to prepare subPath for volumeMount \"" + m.name + "\" of container \"" + c.name + "\"");
      }
      bm->source = target.string();
    }
    // configMap, secret, downwardAPI and projected volumes are always read-only (kubelet >= 1.10).
    if (isContentVolume(*vol)) bm->readOnly = true;
    bm->propagation = m.mountPropagation.value_or("None");
  }
  std::erase_if(spec.mounts, [&](const runtime::BindMount& bm) {
    bool generated = (!paths.etcHosts.empty() && bm.source == paths.etcHosts) ||
                     (!paths.etcHostname.empty() && bm.source == paths.etcHostname) ||
                     (!paths.resolvConf.empty() && bm.source == paths.resolvConf);
    return generated && userTargets.contains(bm.target);
  });
  return spec;
}

}  // namespace peapod::node
