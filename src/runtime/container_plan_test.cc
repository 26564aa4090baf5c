#include "runtime/container_plan.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include <algorithm>

namespace peapod::runtime {
namespace {

Result<bool> alwaysDir(const std::string&) { return true; }

ContainerSpec baseSpec() {
  ContainerSpec s;
  s.name = "web";
  s.rootfsLayers = {"/layers/base", "/layers/top"};
  s.args = {"sh", "-c", "true"};
  return s;
}

const Step* findMount(const ContainerPlan& p, const std::string& fstype, const std::string& target) {
  for (const auto& s : p.steps) {
    if (s.op == StepOp::kMount && s.fstype == fstype && s.target == target) return &s;
  }
  return nullptr;
}

TEST(PlanContainer, OverlayLowerDirsAreTopFirstOnTmpfsScratch) {
  auto p = planContainer(baseSpec(), "/run/pod", {7, 8}, alwaysDir);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->scratchDir, "/run/pod/containers/web");
  ASSERT_GE(p->steps.size(), 3u);
  EXPECT_EQ(p->steps[0].op, StepOp::kWriteFd);
  EXPECT_EQ(p->steps[0].fd, 7);
  EXPECT_EQ(p->steps[1].fd, 8);
  EXPECT_NE(findMount(*p, "tmpfs", "/run/pod/containers/web"), nullptr);
  const Step* ovl = findMount(*p, "overlay", "/run/pod/containers/web/rootfs");
  ASSERT_NE(ovl, nullptr);
  EXPECT_EQ(ovl->data,
            "lowerdir=/layers/top:/layers/base,upperdir=/run/pod/containers/web/upper,"
            "workdir=/run/pod/containers/web/work");
  EXPECT_EQ(ovl->what, "mount overlay on /run/pod/containers/web/rootfs");
  EXPECT_EQ(p->steps.back().op, StepOp::kPivotRoot);
}

TEST(PlanContainer, PathResolutionUsesEnvPathOrDefault) {
  auto s = baseSpec();
  auto p = planContainer(s, "/run/pod", {}, alwaysDir);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->searchedPath);
  EXPECT_EQ(p->execPaths.front(), "/usr/local/sbin/sh");
  EXPECT_EQ(p->execPaths.back(), "/bin/sh");
  s.env = {"PATH=/x", "PATH=/opt/bin:/bin"};  // the last definition wins
  p = planContainer(s, "/run/pod", {}, alwaysDir);
  EXPECT_EQ(p->execPaths, (std::vector<std::string>{"/opt/bin/sh", "/bin/sh"}));
  s.args = {"/abs/tool"};
  p = planContainer(s, "/run/pod", {}, alwaysDir);
  EXPECT_FALSE(p->searchedPath);
  EXPECT_EQ(p->execPaths, std::vector<std::string>{"/abs/tool"});
}

TEST(PlanContainer, BindMountsCreateMountPointsAndRemountReadOnly) {
  auto s = baseSpec();
  s.mounts = {{"/host/hosts", "/etc/hosts", true}, {"/host/vol", "/data//v/", false}};
  auto p = planContainer(s, "/r", {}, [](const std::string& src) -> Result<bool> { return src == "/host/vol"; });
  ASSERT_TRUE(p.ok()) << p.error().message();
  const std::string root = "/r/containers/web/rootfs";
  auto has = [&](StepOp op, const std::string& target, unsigned long flags = 0) {
    return std::any_of(p->steps.begin(), p->steps.end(), [&](const Step& st) {
      return st.op == op && st.target == target && (st.flags & flags) == flags;
    });
  };
  EXPECT_TRUE(has(StepOp::kMkdir, root + "/etc"));
  EXPECT_TRUE(has(StepOp::kTouch, root + "/etc/hosts"));
  EXPECT_TRUE(has(StepOp::kMount, root + "/etc/hosts", MS_BIND | MS_REMOUNT | MS_RDONLY));
  EXPECT_TRUE(has(StepOp::kMkdir, root + "/data/v"));
  EXPECT_TRUE(has(StepOp::kMount, root + "/data/v", MS_BIND));
  EXPECT_FALSE(has(StepOp::kMount, root + "/data/v", MS_REMOUNT));
}

TEST(PlanContainer, RejectsBadInput) {
  auto s = baseSpec();
  s.name = "../x";
  EXPECT_FALSE(planContainer(s, "/r", {}, alwaysDir).ok());
  s = baseSpec();
  s.mounts = {{"/h", "/a/../../etc", false}};
  EXPECT_FALSE(planContainer(s, "/r", {}, alwaysDir).ok());
  s = baseSpec();
  s.rootfsLayers.clear();
  EXPECT_FALSE(planContainer(s, "/r", {}, alwaysDir).ok());
  s = baseSpec();
  s.args.clear();
  EXPECT_FALSE(planContainer(s, "/r", {}, alwaysDir).ok());
  s = baseSpec();
  s.workingDir = "relative";
  EXPECT_FALSE(planContainer(s, "/r", {}, alwaysDir).ok());
}

TEST(Spec, JsonRoundTrip) {
  auto s = baseSpec();
  s.mounts = {{"/a", "/b", true}};
  s.uid = 1000;
  auto back = containerSpecFromJson(toJson(s));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(toJson(*back), toJson(s));
  EXPECT_FALSE(containerSpecFromJson(nlohmann::json{{"args", "notalist"}}).ok());
  SandboxSpec sb;
  sb.runDir = "/run/p";
  sb.cgroupParent = "peapod/pod1";
  sb.pidsLimit = 42;
  auto sb2 = sandboxSpecFromJson(toJson(sb));
  ASSERT_TRUE(sb2.ok());
  EXPECT_EQ(toJson(*sb2), toJson(sb));
  EXPECT_EQ(sb2->pidsLimit, 42);
}

}  // namespace
}  // namespace peapod::runtime

namespace peapod::runtime {
namespace {

size_t indexOf(const ContainerPlan& p, StepOp op, const std::string& target) {
  for (size_t i = 0; i < p.steps.size(); ++i) {
    if (p.steps[i].op == op && p.steps[i].target == target) return i;
  }
  return std::string::npos;
}

TEST(PlanContainer, CgroupNamespaceAndReadOnlyCgroupMounts) {
  std::vector<sys::CgroupHierarchy> v1 = {{"memory", "cgroup", "memory"}, {"cpu", "cgroup", "cpu"}};
  auto p = planContainer(baseSpec(), "/run/pod", {7}, alwaysDir, &v1);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->steps[1].op, StepOp::kUnshareCgroup);  // right after joining the cgroups
  const std::string cg = "/run/pod/containers/web/rootfs/sys/fs/cgroup";
  const Step* mem = findMount(*p, "cgroup", cg + "/memory");
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->data, "memory");
  EXPECT_TRUE(mem->flags & MS_RDONLY);
  EXPECT_NE(findMount(*p, "tmpfs", cg), nullptr);
  // Privileged: writable sysfs and cgroups.
  auto spec = baseSpec();
  spec.privileged = true;
  auto priv = planContainer(spec, "/run/pod", {7}, alwaysDir, &v1);
  EXPECT_FALSE(findMount(*priv, "cgroup", cg + "/memory")->flags & MS_RDONLY);
  EXPECT_FALSE(findMount(*priv, "sysfs", "/run/pod/containers/web/rootfs/sys")->flags & MS_RDONLY);
  // v2: one cgroup2 mount at the root, no tmpfs.
  std::vector<sys::CgroupHierarchy> v2 = {{"", "cgroup2", ""}};
  auto p2 = planContainer(baseSpec(), "/run/pod", {7}, alwaysDir, &v2);
  EXPECT_NE(findMount(*p2, "cgroup2", cg), nullptr);
  EXPECT_EQ(findMount(*p2, "tmpfs", cg), nullptr);
  // Without hierarchies: no cgroup namespace.
  auto none = planContainer(baseSpec(), "/run/pod", {7}, alwaysDir);
  EXPECT_EQ(indexOf(*none, StepOp::kUnshareCgroup, ""), std::string::npos);
}

TEST(PlanContainer, MaskedReadOnlyPathsAndReadOnlyRoot) {
  auto spec = baseSpec();
  spec.maskedPaths = {"/proc/kcore"};
  spec.readonlyPaths = {"/proc/sys"};
  spec.readOnlyRootfs = true;
  auto p = planContainer(spec, "/run/pod", {}, alwaysDir);
  ASSERT_TRUE(p.ok()) << p.error().message();
  const std::string root = "/run/pod/containers/web/rootfs";
  size_t mask = indexOf(*p, StepOp::kMaskPath, root + "/proc/kcore");
  ASSERT_NE(mask, std::string::npos);
  EXPECT_EQ(p->steps[mask].source, root + "/dev/null");
  size_t ro = indexOf(*p, StepOp::kReadonlyPath, root + "/proc/sys");
  ASSERT_NE(ro, std::string::npos);
  EXPECT_LT(indexOf(*p, StepOp::kMount, root + "/proc"), mask);
  // The root goes read-only last, just before pivot_root.
  size_t pivot = indexOf(*p, StepOp::kPivotRoot, root);
  ASSERT_GE(pivot, 2u);
  const Step& remount = p->steps[pivot - 2];
  EXPECT_EQ(remount.op, StepOp::kMount);
  EXPECT_EQ(remount.target, root);
  EXPECT_EQ(remount.flags, static_cast<unsigned long>(MS_BIND | MS_REMOUNT | MS_RDONLY));
  spec.maskedPaths = {"relative"};
  EXPECT_FALSE(planContainer(spec, "/run/pod", {}, alwaysDir).ok());
}

TEST(ContainerSpecJson, SecurityAndResourcesRoundTrip) {
  ContainerSpec s = baseSpec();
  s.user = "1000:3000";
  s.supplementalGroups = {2000};
  s.capabilities = std::vector<std::string>{"CAP_CHOWN"};
  s.noNewPrivs = true;
  s.seccomp = "runtime/default";
  s.readOnlyRootfs = true;
  s.maskedPaths = {"/proc/kcore"};
  s.resources.memoryBytes = 1 << 25;
  s.resources.cpuShares = 256;
  s.podResources.cpuQuotaUs = 50000;
  s.sysctls = {{"kernel.shm_rmid_forced", "1"}};
  auto back = containerSpecFromJson(toJson(s));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->user, s.user);
  EXPECT_EQ(back->supplementalGroups, s.supplementalGroups);
  EXPECT_EQ(back->capabilities, s.capabilities);
  EXPECT_TRUE(back->noNewPrivs);
  EXPECT_EQ(back->seccomp, s.seccomp);
  EXPECT_TRUE(back->readOnlyRootfs);
  EXPECT_EQ(back->maskedPaths, s.maskedPaths);
  EXPECT_EQ(back->resources, s.resources);
  EXPECT_EQ(back->podResources, s.podResources);
  EXPECT_EQ(back->sysctls, s.sysctls);
  // Defaults stay off the wire, and an empty capability list is not "all".
  EXPECT_FALSE(toJson(baseSpec()).contains("capabilities"));
  s.capabilities = std::vector<std::string>{};
  EXPECT_EQ(containerSpecFromJson(toJson(s))->capabilities, std::vector<std::string>{});
  auto bad = toJson(baseSpec());
  bad["seccomp"] = "localhost/x";
  EXPECT_TRUE(containerSpecFromJson(bad).ok());  // a Localhost profile (its program comes along)
  bad["seccomp"] = "somewhere/x";
  EXPECT_FALSE(containerSpecFromJson(bad).ok());
  // The compiled seccomp program survives base64 bit for bit (odd and even byte counts).
  for (size_t n : {1u, 2u, 3u}) {
    ContainerSpec b = baseSpec();
    b.seccomp = "runtime/default";
    for (size_t i = 0; i < n; ++i) b.seccompBpf.push_back(sock_filter{uint16_t(0x15 + i), 1, 2, uint32_t(0xdeadbeef + i)});
    auto bb = containerSpecFromJson(toJson(b));
    ASSERT_TRUE(bb.ok()) << bb.error().message();
    ASSERT_EQ(bb->seccompBpf.size(), n);
    EXPECT_EQ(bb->seccompBpf.back().k, 0xdeadbeef + n - 1);
    EXPECT_EQ(bb->seccompBpf.back().code, 0x15 + n - 1);
  }
  ContainerState st;
  st.oomKilled = true;
  EXPECT_TRUE(containerStateFromJson(toJson(st))->oomKilled);
}

}  // namespace
}  // namespace peapod::runtime
