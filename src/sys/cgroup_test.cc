#include "sys/cgroup.h"

#include <gtest/gtest.h>
#include <fcntl.h>

#include <filesystem>
#include <fstream>

namespace peapod::sys {
namespace {

namespace fs = std::filesystem;

TEST(DirCgroupManager, CreatesOpensAndRemovesInEveryHierarchy) {
  fs::path tmp = fs::temp_directory_path() / ("cgroup-test-" + std::to_string(::getpid()));
  fs::create_directories(tmp / "cpu");
  fs::create_directories(tmp / "memory");
  auto m = makeCgroupManagerForDirs({(tmp / "cpu").string(), (tmp / "memory").string()}, false);
  ASSERT_TRUE(m->create("peapod/pod1/web").ok());
  EXPECT_TRUE(fs::is_directory(tmp / "cpu/peapod/pod1/web"));
  EXPECT_TRUE(fs::is_directory(tmp / "memory/peapod/pod1/web"));
  // Real cgroupfs provides cgroup.procs; a plain directory needs it made.
  for (const char* h : {"cpu", "memory"}) std::ofstream(tmp / h / "peapod/pod1/web/cgroup.procs");
  auto fds = m->openProcs("peapod/pod1/web");
  ASSERT_TRUE(fds.ok()) << fds.error().message();
  EXPECT_EQ(fds->size(), 2u);
  EXPECT_EQ(m->paths("p").front(), (tmp / "cpu/p").string());
  for (const char* h : {"cpu", "memory"}) fs::remove(tmp / h / "peapod/pod1/web/cgroup.procs");
  EXPECT_TRUE(m->remove("peapod/pod1/web").ok());
  EXPECT_TRUE(m->remove("peapod/pod1/web").ok());  // already gone is fine
  EXPECT_FALSE(fs::exists(tmp / "cpu/peapod/pod1/web"));
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace peapod::sys

namespace peapod::sys {
namespace {

TEST(CgroupWrites, V1FilesInWriteOrder) {
  CgroupLimits l;
  l.memoryBytes = 33554432;
  l.cpuShares = 512;
  l.cpuQuotaUs = 50000;
  l.pidsMax = 100;
  std::vector<CgroupWrite> want = {{"memory", "memory.limit_in_bytes", "33554432"},
                                   {"cpu", "cpu.shares", "512"},
                                   {"cpu", "cpu.cfs_period_us", "100000"},
                                   {"cpu", "cpu.cfs_quota_us", "50000"},
                                   {"pids", "pids.max", "100"}};
  EXPECT_EQ(cgroupWrites(l, false), want);
}

TEST(CgroupWrites, PodPidsLimitOnBothVersions) {
  // --pod-max-pids: only pids.max, in the pids controller's hierarchy (v1) or the unified one.
  CgroupLimits l;
  l.pidsMax = 12;
  EXPECT_EQ(cgroupWrites(l, false), (std::vector<CgroupWrite>{{"pids", "pids.max", "12"}}));
  EXPECT_EQ(cgroupWrites(l, true), (std::vector<CgroupWrite>{{"pids", "pids.max", "12"}}));
}

TEST(CgroupWrites, V2FilesAndUnlimited) {
  CgroupLimits l;
  l.memoryBytes = 1 << 20;
  l.cpuShares = 1024;
  l.cpuQuotaUs = 25000;
  l.pidsMax = -1;
  std::vector<CgroupWrite> want = {{"memory", "memory.max", "1048576"},
                                   {"cpu", "cpu.weight", "39"},
                                   {"cpu", "cpu.max", "25000 100000"},
                                   {"pids", "pids.max", "max"}};
  EXPECT_EQ(cgroupWrites(l, true), want);
  CgroupLimits unlimited;
  unlimited.cpuQuotaUs = -1;
  unlimited.memoryBytes = -1;
  EXPECT_EQ(cgroupWrites(unlimited, true),
            (std::vector<CgroupWrite>{{"memory", "memory.max", "max"}, {"cpu", "cpu.max", "max 100000"}}));
  EXPECT_TRUE(cgroupWrites(CgroupLimits{}, false).empty());
}

TEST(CgroupWrites, SharesToWeightFollowsRunc) {
  EXPECT_EQ(cpuSharesToWeight(2), 1u);
  EXPECT_EQ(cpuSharesToWeight(1024), 39u);  // 1 + (1022 * 9999) / 262142
  EXPECT_EQ(cpuSharesToWeight(262144), 10000u);
  EXPECT_EQ(cpuSharesToWeight(1), 1u);  // clamped
}

TEST(CgroupMounts, ParsesV1AndHybridMountinfo) {
  std::string mi =
      "25 30 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
      "26 25 0:23 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
      "27 26 0:24 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "28 26 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
      "29 26 0:26 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
      "30 26 0:27 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
      "31 27 0:24 /x /other/memory rw - cgroup cgroup rw,memory\n";
  std::vector<CgroupHierarchy> want = {{"memory", "cgroup", "memory"},
                                       {"cpu,cpuacct", "cgroup", "cpu,cpuacct"},
                                       {"systemd", "cgroup", "name=systemd"},
                                       {"unified", "cgroup2", ""}};
  EXPECT_EQ(parseCgroupMounts(mi, "/sys/fs/cgroup"), want);
  EXPECT_EQ(parseCgroupMounts("40 1 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "/sys/fs/cgroup"),
            (std::vector<CgroupHierarchy>{{"", "cgroup2", ""}}));
}

TEST(DirCgroupManager, AppliesLimitsToTheControllersHierarchy) {
  fs::path tmp = fs::temp_directory_path() / ("cgroup-apply-" + std::to_string(::getpid()));
  for (const char* h : {"cpu,cpuacct", "memory", "pids"}) fs::create_directories(tmp / h / "pod");
  for (const char* f : {"cpu,cpuacct/pod/cpu.shares", "cpu,cpuacct/pod/cpu.cfs_period_us",
                        "cpu,cpuacct/pod/cpu.cfs_quota_us", "memory/pod/memory.limit_in_bytes", "pids/pod/pids.max"}) {
    std::ofstream(tmp / f);
  }
  std::ofstream(tmp / "memory/pod/memory.oom_control") << "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
  auto m = makeCgroupManagerForDirs({(tmp / "cpu,cpuacct").string(), (tmp / "memory").string(),
                                     (tmp / "pids").string()}, false);
  CgroupLimits l;
  l.memoryBytes = 4096;
  l.cpuShares = 2;
  l.cpuQuotaUs = 1000;
  l.pidsMax = 7;
  ASSERT_TRUE(m->apply("pod", l).ok());
  auto read = [&](const char* f) {
    std::ifstream in(tmp / f);
    std::string s;
    in >> s;
    return s;
  };
  EXPECT_EQ(read("memory/pod/memory.limit_in_bytes"), "4096");
  EXPECT_EQ(read("cpu,cpuacct/pod/cpu.shares"), "2");
  EXPECT_EQ(read("cpu,cpuacct/pod/cpu.cfs_quota_us"), "1000");
  EXPECT_EQ(read("pids/pod/pids.max"), "7");
  auto kills = m->oomKills("pod");
  ASSERT_TRUE(kills.ok());
  EXPECT_EQ(*kills, 3u);
  fs::remove_all(tmp);
}

TEST(DirCgroupManager, V2EnablesControllersForNewLevels) {
  fs::path tmp = fs::temp_directory_path() / ("cgroup-v2-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  std::ofstream(tmp / "cgroup.subtree_control");
  auto m = makeCgroupManagerForDirs({tmp.string()}, true);
  ASSERT_TRUE(m->create("a").ok());
  std::ifstream in(tmp / "cgroup.subtree_control");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(s, "+cpu +memory +pids");
  std::ofstream(tmp / "a/memory.events") << "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n";
  EXPECT_EQ(*m->oomKills("a"), 1u);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace peapod::sys
