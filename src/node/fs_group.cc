#include "node/fs_group.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace peapod::node {
namespace {

constexpr mode_t kRwMask = S_IRGRP | S_IWGRP | S_IXGRP;
constexpr mode_t kRoMask = S_IRGRP | S_IXGRP;

Status own(const std::string& path, uint32_t gid, bool readOnly) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return Error::sys("lstat", path);
  if (S_ISLNK(st.st_mode)) return {};
  if (st.st_gid != gid && ::lchown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) return Error::sys("lchown", path);
  mode_t mask = readOnly ? kRoMask : kRwMask;
  mode_t mode = st.st_mode & 07777;
  // Files get group read/write (execute only where the owner has it); directories also setgid.
  mode_t want = S_ISDIR(st.st_mode) ? (mode | mask | S_ISGID)
                                    : (mode | (mask & ~S_IXGRP) | ((mode & S_IXUSR) ? S_IXGRP : 0));
  if (want != mode && ::chmod(path.c_str(), want) != 0) return Error::sys("chmod", path);
  return {};
}

}  // namespace

Status setVolumeOwnership(const std::string& dir, uint32_t fsGroup, bool readOnly, bool onRootMismatchOnly) {
  if (onRootMismatchOnly) {
    struct stat st;
    mode_t mask = readOnly ? kRoMask : kRwMask;
    if (::stat(dir.c_str(), &st) == 0 && st.st_gid == fsGroup && (st.st_mode & mask) == mask &&
        (st.st_mode & S_ISGID)) {
      return {};
    }
  }
  PEAPOD_TRY(own(dir, fsGroup, readOnly));
  std::error_code ec;
  namespace fs = std::filesystem;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    PEAPOD_TRY(own(it->path().string(), fsGroup, readOnly));
  }
  if (ec) return Error("walk " + dir + ": " + ec.message());
  return {};
}

Status applyFsGroupToVolume(const api::Pod& pod, const api::Volume& v, const std::string& path) {
  const auto& psc = pod.spec.securityContext;
  if (!psc || !psc->fsGroup) return {};
  if (!(v.emptyDir || v.configMap || v.secret || v.downwardAPI || v.projected)) return {};
  // configMap/secret/downwardAPI/projected are read-only to the pod.
  bool readOnly = !v.emptyDir;
  if (auto st = setVolumeOwnership(path, static_cast<uint32_t>(*psc->fsGroup), readOnly); !st.ok()) {
    return std::move(st).error().wrap("fsGroup on volume \"" + v.name + "\"");
  }
  return {};
}

Status applyFsGroup(const api::Pod& pod, const std::map<std::string, std::string>& paths) {
  for (const auto& v : pod.spec.volumes) {
    auto it = paths.find(v.name);
    if (it != paths.end()) PEAPOD_TRY(applyFsGroupToVolume(pod, v, it->second));
  }
  return {};
}

}  // namespace peapod::node
