#include "sys/cgroup.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

namespace peapod::sys {
namespace {

Status writeFile(const std::string& path, const std::string& data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return Error::sys("open", path);
  if (::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    return Error::sys("write", path);
  }
  return {};
}

// Creates root/rel level by level; calls onNew(dir) for each level it made.
template <class F>
Status mkdirAll(const std::string& root, const std::string& rel, F onNew) {
  std::string path = root;
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t next = rel.find('/', pos);
    if (next == std::string::npos) next = rel.size();
    if (next > pos) {
      std::string parent = path;
      path += '/';
      path.append(rel, pos, next - pos);
      if (::mkdir(path.c_str(), 0755) == 0) onNew(parent);
      else if (errno != EEXIST) return Error::sys("mkdir", path);
    }
    pos = next + 1;
  }
  return {};
}

std::vector<std::string> splitComma(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, ',');) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

std::string baseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Reads "key N" from a flat-keyed cgroup file.
Result<uint64_t> readKey(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  if (!in) return Error::sys("open", path);
  std::string k;
  uint64_t v = 0;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return uint64_t{0};
}

// The same code serves v1 and v2: both are "a directory per cgroup in each hierarchy"; they
// differ in how hierarchies are found and in the limit file names.
class DirCgroupManager : public CgroupManager {
 public:
  struct Hierarchy {
    std::string root;
    std::vector<std::string> controllers;  // v1 only
  };
  DirCgroupManager(std::vector<Hierarchy> roots, bool v2) : roots_(std::move(roots)), v2_(v2) {}

  bool isV2() const override { return v2_; }

  Status create(const std::string& relPath) override {
    for (const auto& h : roots_) {
      PEAPOD_TRY(mkdirAll(h.root, relPath, [&](const std::string& parent) {
        // v2 hands controllers down level by level; a parent that cannot (no such controller,
        // or the root's own constraints) just leaves that limit unavailable.
        if (v2_) (void)writeFile(parent + "/cgroup.subtree_control", "+cpu +memory +pids");
      }));
    }
    return {};
  }

  Result<std::vector<UniqueFd>> openProcs(const std::string& relPath) override {
    std::vector<UniqueFd> fds;
    for (const auto& h : roots_) {
      std::string p = h.root + "/" + relPath + "/cgroup.procs";
      UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd) return Error::sys("open", p);
      fds.push_back(std::move(fd));
    }
    return fds;
  }

  Status addProcess(const std::string& relPath, int pid) override {
    for (const auto& h : roots_) PEAPOD_TRY(writeFile(h.root + "/" + relPath + "/cgroup.procs", std::to_string(pid)));
    return {};
  }

  Status apply(const std::string& relPath, const CgroupLimits& limits) override {
    for (const auto& w : cgroupWrites(limits, v2_)) {
      const Hierarchy* h = hierarchyOf(w.controller);
      if (!h) continue;
      PEAPOD_TRY(writeFile(h->root + "/" + relPath + "/" + w.file, w.value));
    }
    return {};
  }

  Result<uint64_t> oomKills(const std::string& relPath) const override {
    const Hierarchy* h = hierarchyOf("memory");
    if (!h) return uint64_t{0};
    return v2_ ? readKey(h->root + "/" + relPath + "/memory.events", "oom_kill")
               : readKey(h->root + "/" + relPath + "/memory.oom_control", "oom_kill");
  }

  Status remove(const std::string& relPath) override {
    Status result;
    for (const auto& h : roots_) {
      std::string p = h.root + "/" + relPath;
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
    for (const auto& h : roots_) out.push_back(h.root + "/" + relPath);
    return out;
  }

 private:
  const Hierarchy* hierarchyOf(const std::string& controller) const {
    if (v2_) return roots_.empty() ? nullptr : &roots_.front();
    for (const auto& h : roots_) {
      for (const auto& c : h.controllers) {
        if (c == controller) return &h;
      }
    }
    return nullptr;
  }

  std::vector<Hierarchy> roots_;
  bool v2_;
};

bool isFs(const std::string& path, long magic) {
  struct statfs st;
  return ::statfs(path.c_str(), &st) == 0 && static_cast<long>(st.f_type) == magic;
}

std::vector<DirCgroupManager::Hierarchy> hierarchiesFor(std::vector<std::string> dirs, bool v2) {
  std::vector<DirCgroupManager::Hierarchy> out;
  for (auto& d : dirs) {
    DirCgroupManager::Hierarchy h{std::move(d), {}};
    if (!v2) {
      char real[4096];
      h.controllers = splitComma(baseName(::realpath(h.root.c_str(), real) ? std::string(real) : h.root));
    }
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace

uint64_t cpuSharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

std::vector<CgroupWrite> cgroupWrites(const CgroupLimits& l, bool v2) {
  std::vector<CgroupWrite> out;
  auto num = [](int64_t v, const char* unlimited) { return v < 0 ? std::string(unlimited) : std::to_string(v); };
  if (l.memoryBytes) {
    out.push_back(v2 ? CgroupWrite{"memory", "memory.max", num(*l.memoryBytes, "max")}
                     : CgroupWrite{"memory", "memory.limit_in_bytes", num(*l.memoryBytes, "-1")});
  }
  if (l.cpuShares) {
    out.push_back(v2 ? CgroupWrite{"cpu", "cpu.weight", std::to_string(cpuSharesToWeight(*l.cpuShares))}
                     : CgroupWrite{"cpu", "cpu.shares", std::to_string(*l.cpuShares)});
  }
  if (l.cpuQuotaUs || l.cpuPeriodUs) {
    uint64_t period = l.cpuPeriodUs.value_or(100000);
    if (v2) {
      out.push_back({"cpu", "cpu.max", num(l.cpuQuotaUs.value_or(-1), "max") + " " + std::to_string(period)});
    } else {
      // The period first: the kernel checks the quota against the current period.
      out.push_back({"cpu", "cpu.cfs_period_us", std::to_string(period)});
      if (l.cpuQuotaUs) out.push_back({"cpu", "cpu.cfs_quota_us", num(*l.cpuQuotaUs, "-1")});
    }
  }
  if (l.pidsMax) out.push_back({"pids", "pids.max", num(*l.pidsMax, "max")});
  return out;
}

std::vector<CgroupHierarchy> parseCgroupMounts(const std::string& mountinfo, const std::string& root) {
  std::vector<CgroupHierarchy> out;
  std::istringstream in(mountinfo);
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::vector<std::string> f;
    for (std::string w; ls >> w;) f.push_back(w);
    size_t dash = 0;
    while (dash < f.size() && f[dash] != "-") ++dash;
    if (f.size() < 5 || dash + 2 >= f.size()) continue;
    const std::string& mountPoint = f[4];
    const std::string& fstype = f[dash + 1];
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    std::string name;
    if (mountPoint == root) {
      if (fstype != "cgroup2") continue;
    } else if (mountPoint.size() > root.size() + 1 && mountPoint.compare(0, root.size() + 1, root + "/") == 0 &&
               mountPoint.find('/', root.size() + 1) == std::string::npos) {
      name = mountPoint.substr(root.size() + 1);
    } else {
      continue;
    }
    std::string data;
    if (fstype == "cgroup" && dash + 3 < f.size()) {
      for (const auto& opt : splitComma(f[dash + 3])) {
        static const char* kNotControllers[] = {"rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode",
                                                "favordynmods"};
        bool skip = opt.rfind("release_agent=", 0) == 0;
        for (const char* n : kNotControllers) skip = skip || opt == n;
        if (skip) continue;
        if (!data.empty()) data += ',';
        data += opt;
      }
    }
    out.push_back({name, fstype, data});
  }
  return out;
}

Result<std::vector<CgroupHierarchy>> cgroupHierarchies(const std::string& root) {
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return Error::sys("open", "/proc/self/mountinfo");
  std::stringstream ss;
  ss << in.rdbuf();
  return parseCgroupMounts(ss.str(), root);
}

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
  return std::make_unique<DirCgroupManager>(hierarchiesFor(std::move(hierarchyRoots), v2), v2);
}

}  // namespace peapod::sys
