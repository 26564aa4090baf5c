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
  auto sb2 = sandboxSpecFromJson(toJson(sb));
  ASSERT_TRUE(sb2.ok());
  EXPECT_EQ(toJson(*sb2), toJson(sb));
}

}  // namespace
}  // namespace peapod::runtime
