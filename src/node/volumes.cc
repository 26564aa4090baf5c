#include "node/volumes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "sys/unique_fd.h"

namespace peapod::node {
namespace {

namespace fs = std::filesystem;

Status checkHostPath(const api::Volume& v) {
  const std::string& path = v.hostPath->path;
  std::string type = v.hostPath->type.value_or("");
  std::error_code ec;
  auto st = fs::status(path, ec);
  std::string what = "hostPath volume \"" + v.name + "\": ";
  if (type == "DirectoryOrCreate") {
    if (!fs::exists(st)) {
      fs::create_directories(path, ec);
      if (ec) return Error(what + "create directory " + path + ": " + ec.message());
      ::chmod(path.c_str(), 0755);
    } else if (!fs::is_directory(st)) {
      return Error(what + path + " exists and is not a directory");
    }
  } else if (type == "FileOrCreate") {
    if (!fs::exists(st)) {
      fs::create_directories(fs::path(path).parent_path(), ec);
      sys::UniqueFd fd(::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
      if (!fd) return Error::sys("create file", path).wrap(what);
    } else if (!fs::is_regular_file(st)) {
      return Error(what + path + " exists and is not a file");
    }
  } else if (type == "Directory") {
    if (!fs::is_directory(st)) return Error(what + path + " is not a directory");
  } else if (type == "File") {
    if (!fs::is_regular_file(st)) return Error(what + path + " is not a file");
  } else if (!type.empty() && !fs::exists(st)) {
    return Error(what + path + " does not exist");
  }
  return {};
}

}  // namespace

Result<std::map<std::string, std::string>> prepareVolumes(const NodeConfig& config, const api::Pod& pod) {
  std::map<std::string, std::string> out;
  for (const auto& v : pod.spec.volumes) {
    if (v.emptyDir) {
      // The kubelet's layout: pods/<uid>/volumes/kubernetes.io~empty-dir/<name>, world-writable.
      fs::path dir = config.podDataDir(pod.metadata.uid) / "volumes" / "kubernetes.io~empty-dir" / v.name;
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) return Error("emptyDir volume \"" + v.name + "\": create " + dir.string() + ": " + ec.message());
      ::chmod(dir.c_str(), 0777);
      out[v.name] = dir.string();
    } else if (v.hostPath) {
      PEAPOD_TRY(checkHostPath(v));
      out[v.name] = v.hostPath->path;
    } else {
      return Error("volume \"" + v.name + "\": unsupported volume type");
    }
  }
  return out;
}

}  // namespace peapod::node
