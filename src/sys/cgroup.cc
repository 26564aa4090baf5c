#include "sys/cgroup.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <string>

namespace peapod::sys {
namespace {

Status mkdirAll(const std::string& root, const std::string& rel) {
  std::string path = root;
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t next = rel.find('/', pos);
    if (next == std::string::npos) next = rel.size();
    if (next > pos) {
      path += '/';
      path.append(rel, pos, next - pos);
      if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return Error::sys("mkdir", path);
    }
    pos = next + 1;
  }
  return {};
}

Status writeFile(const std::string& path, const std::string& data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Error::sys("open", path);
  if (::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    return Error::sys("write", path);
  }
  return {};
}

// The same code serves v1 and v2: both are "a directory per cgroup in each hierarchy"; they
// differ in how hierarchies are found and (later) in limit file names.
class DirCgroupManager : public CgroupManager {
 public:
  DirCgroupManager(std::vector<std::string> roots, bool v2) : roots_(std::move(roots)), v2_(v2) {}

  bool isV2() const override { return v2_; }

  Status create(const std::string& relPath) override {
    for (const auto& r : roots_) PEAPOD_TRY(mkdirAll(r, relPath));
    return {};
  }

  Result<std::vector<UniqueFd>> openProcs(const std::string& relPath) override {
    std::vector<UniqueFd> fds;
    for (const auto& r : roots_) {
      std::string p = r + "/" + relPath + "/cgroup.procs";
      UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd) return Error::sys("open", p);
      fds.push_back(std::move(fd));
    }
    return fds;
  }

  Status addProcess(const std::string& relPath, int pid) override {
    for (const auto& r : roots_) PEAPOD_TRY(writeFile(r + "/" + relPath + "/cgroup.procs", std::to_string(pid)));
    return {};
  }

  Status apply(const std::string&, const CgroupLimits&) override { return {}; }

  Status remove(const std::string& relPath) override {
    Status result;
    for (const auto& r : roots_) {
      std::string p = r + "/" + relPath;
      for (int attempt = 0;; ++attempt) {
        if (::rmdir(p.c_str()) == 0 || errno == ENOENT) break;
        if (errno != EBUSY || attempt >= 100) {
          if (result.ok()) result = Error::sys("rmdir", p);
          break;
        }
        timespec ts{0, 1000000};  // 1 ms; bounded to 100 ms in total
        ::nanosleep(&ts, nullptr);
      }
    }
    return result;
  }

  std::vector<std::string> paths(const std::string& relPath) const override {
    std::vector<std::string> out;
    for (const auto& r : roots_) out.push_back(r + "/" + relPath);
    return out;
  }

 private:
  std::vector<std::string> roots_;
  bool v2_;
};

bool isFs(const std::string& path, long magic) {
  struct statfs st;
  return ::statfs(path.c_str(), &st) == 0 && static_cast<long>(st.f_type) == magic;
}

}  // namespace

Result<std::unique_ptr<CgroupManager>> makeCgroupManager(const std::string& root) {
  if (isFs(root, CGROUP2_SUPER_MAGIC)) return makeCgroupManagerForDirs({root}, true);
  std::vector<std::string> roots;
  for (const char* ctrl : {"cpu", "cpuacct", "memory", "pids"}) {
    std::string p = root + "/" + ctrl;
    // cpu and cpuacct are often co-mounted (cpu,cpuacct with symlinks): keep one of them.
    char real[4096];
    if (!isFs(p, CGROUP_SUPER_MAGIC) || ::realpath(p.c_str(), real) == nullptr) continue;
    bool dup = false;
    for (const auto& r : roots) {
      char other[4096];
      if (::realpath(r.c_str(), other) != nullptr && std::string(other) == real) dup = true;
    }
    if (!dup) roots.push_back(p);
  }
  if (roots.empty()) return Error("no cgroup v2 or v1 cpu/cpuacct/memory/pids hierarchy under " + root);
  return makeCgroupManagerForDirs(std::move(roots), false);
}

std::unique_ptr<CgroupManager> makeCgroupManagerForDirs(std::vector<std::string> hierarchyRoots, bool v2) {
  return std::make_unique<DirCgroupManager>(std::move(hierarchyRoots), v2);
}

}  // namespace peapod::sys
