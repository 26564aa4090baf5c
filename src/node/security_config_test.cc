#include "node/security_config.h"

#include <gtest/gtest.h>
#include <linux/capability.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace peapod::node {
namespace {

api::Pod basePod() {
  api::Pod p;
  p.metadata.name = "p";
  p.metadata.namespace_ = "default";
  p.metadata.uid = "u1";
  api::Container c;
  c.name = "c";
  p.spec.containers.push_back(c);
  return p;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(ContainerCapabilities, AddDropAndAll) {
  EXPECT_EQ(*containerCapabilities(nullptr), sys::defaultCapabilities());
  api::Capabilities add;
  add.add = {"NET_ADMIN"};
  EXPECT_EQ(*containerCapabilities(&add), sys::defaultCapabilities() | sys::capBit(CAP_NET_ADMIN));
  api::Capabilities dropAll;
  dropAll.drop = {"ALL"};
  EXPECT_EQ(*containerCapabilities(&dropAll), 0u);
  api::Capabilities dropAllAddOne;
  dropAllAddOne.drop = {"all"};
  dropAllAddOne.add = {"CAP_NET_BIND_SERVICE"};
  EXPECT_EQ(*containerCapabilities(&dropAllAddOne), sys::capBit(CAP_NET_BIND_SERVICE));
  api::Capabilities allButChown;
  allButChown.add = {"ALL"};
  allButChown.drop = {"CHOWN"};
  EXPECT_EQ(*containerCapabilities(&allButChown), sys::allCapabilities() & ~sys::capBit(CAP_CHOWN));
  api::Capabilities bogus;
  bogus.add = {"NOT_A_CAP"};
  EXPECT_FALSE(containerCapabilities(&bogus).ok());
}

TEST(EffectiveUser, ContainerThenPodThenImage) {
  auto p = basePod();
  image::ImageConfig img;
  EXPECT_EQ(effectiveUser(p, p.spec.containers[0], img), "0");
  img.user = "nobody:nogroup";
  EXPECT_EQ(effectiveUser(p, p.spec.containers[0], img), "nobody");
  p.spec.securityContext.emplace();
  p.spec.securityContext->runAsUser = 1000;
  p.spec.securityContext->runAsGroup = 3000;
  EXPECT_EQ(effectiveUser(p, p.spec.containers[0], img), "1000:3000");
  p.spec.containers[0].securityContext.emplace();
  p.spec.containers[0].securityContext->runAsUser = 2000;
  EXPECT_EQ(effectiveUser(p, p.spec.containers[0], img), "2000:3000");
}

TEST(RunAsNonRoot, KubeletMessages) {
  auto p = basePod();
  image::ImageConfig img;
  EXPECT_TRUE(verifyRunAsNonRoot(p, p.spec.containers[0], img).ok());
  p.spec.securityContext.emplace();
  p.spec.securityContext->runAsNonRoot = true;
  auto st = verifyRunAsNonRoot(p, p.spec.containers[0], img);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(),
            "container has runAsNonRoot and image will run as root (pod: \"p_default(u1)\", container: c)");
  img.user = "app";
  EXPECT_NE(verifyRunAsNonRoot(p, p.spec.containers[0], img).error().message().find("non-numeric user (app)"),
            std::string::npos);
  img.user = "1000";
  EXPECT_TRUE(verifyRunAsNonRoot(p, p.spec.containers[0], img).ok());
  p.spec.securityContext->runAsUser = 0;
  EXPECT_NE(verifyRunAsNonRoot(p, p.spec.containers[0], img).error().message().find("breaks non-root policy"),
            std::string::npos);
}

TEST(ApplySecurity, DefaultsAreRuncsAndPrivilegedLiftsThem) {
  auto p = basePod();
  runtime::ContainerSpec spec;
  ASSERT_TRUE(applySecurity(p, p.spec.containers[0], {}, spec).ok());
  ASSERT_TRUE(spec.capabilities);
  EXPECT_EQ(spec.capabilities->size(), 14u);
  EXPECT_TRUE(has(*spec.capabilities, "CAP_NET_RAW"));
  EXPECT_TRUE(has(spec.maskedPaths, "/proc/kcore"));
  EXPECT_TRUE(has(spec.readonlyPaths, "/proc/sys"));
  EXPECT_EQ(spec.seccomp, "");  // the kubelet's default is Unconfined
  EXPECT_FALSE(spec.noNewPrivs);
  EXPECT_EQ(spec.user, "0");

  auto& sc = p.spec.containers[0].securityContext.emplace();
  sc.seccompProfile = api::SeccompProfile{"RuntimeDefault", std::nullopt};
  sc.allowPrivilegeEscalation = false;
  sc.readOnlyRootFilesystem = true;
  runtime::ContainerSpec confined;
  ASSERT_TRUE(applySecurity(p, p.spec.containers[0], {}, confined).ok());
  EXPECT_EQ(confined.seccomp, "runtime/default");
  EXPECT_TRUE(confined.noNewPrivs);
  EXPECT_TRUE(confined.readOnlyRootfs);

  sc = {};
  sc.privileged = true;
  runtime::ContainerSpec priv;
  ASSERT_TRUE(applySecurity(p, p.spec.containers[0], {}, priv).ok());
  EXPECT_TRUE(priv.privileged);
  EXPECT_FALSE(priv.capabilities);  // all
  EXPECT_TRUE(priv.maskedPaths.empty());
  EXPECT_TRUE(priv.readonlyPaths.empty());
}

TEST(ApplySecurity, GroupsSysctlsAndResources) {
  auto p = basePod();
  auto& psc = p.spec.securityContext.emplace();
  psc.supplementalGroups = {4000};
  psc.fsGroup = 2000;
  psc.sysctls = {{"kernel.shm_rmid_forced", "1"}, {"net.ipv4.ip_unprivileged_port_start", "0"}};
  p.spec.containers[0].resources.limits["memory"] = api::Quantity{"32Mi"};
  runtime::ContainerSpec spec;
  ASSERT_TRUE(applySecurity(p, p.spec.containers[0], {}, spec).ok());
  EXPECT_EQ(spec.supplementalGroups, (std::vector<uint32_t>{4000, 2000}));
  ASSERT_EQ(spec.sysctls.size(), 2u);
  EXPECT_EQ(spec.sysctls[0].first, "kernel.shm_rmid_forced");
  EXPECT_EQ(spec.resources.memoryBytes, 32 << 20);
  EXPECT_EQ(spec.podResources.memoryBytes, 32 << 20);

  psc.sysctls = {{"kernel.hostname", "x"}};
  EXPECT_FALSE(applySecurity(p, p.spec.containers[0], {}, spec).ok());
  psc.sysctls = {{"net.ipv4.ip_forward", "1"}};
  p.spec.hostNetwork = true;
  EXPECT_FALSE(applySecurity(p, p.spec.containers[0], {}, spec).ok());
  EXPECT_TRUE(isNamespacedSysctl("kernel.sem"));
  EXPECT_TRUE(isNamespacedSysctl("fs.mqueue.msg_max"));
  EXPECT_FALSE(isNamespacedSysctl("kernel.domainname"));
}

// A scratch seccomp root with profiles/<name> holding `text`; removed by the test's end.
class LocalhostSeccomp : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) / ("seccomp-root-" + std::to_string(::getpid()));
    std::filesystem::create_directories(root_ / "profiles");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(root_ / "profiles" / name) << text; }
  std::filesystem::path root_;
};

TEST_F(LocalhostSeccomp, PodLevelProfileIsCompiledIntoTheSpec) {
  write("deny-mkdir.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]})");
  auto p = basePod();
  p.spec.securityContext.emplace().seccompProfile = api::SeccompProfile{"Localhost", "profiles/deny-mkdir.json"};
  runtime::ContainerSpec spec;
  auto st = applySecurity(p, p.spec.containers[0], {}, spec, root_.string());
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(spec.seccomp, "localhost/profiles/deny-mkdir.json");
  EXPECT_FALSE(spec.seccompBpf.empty());
  // The container's own profile wins over the pod's.
  p.spec.containers[0].securityContext.emplace().seccompProfile = api::SeccompProfile{"Unconfined", std::nullopt};
  runtime::ContainerSpec unconfined;
  ASSERT_TRUE(applySecurity(p, p.spec.containers[0], {}, unconfined, root_.string()).ok());
  EXPECT_EQ(unconfined.seccomp, "");
  EXPECT_TRUE(unconfined.seccompBpf.empty());
}

TEST_F(LocalhostSeccomp, MissingOrInvalidFilesNameTheFile) {
  const std::string missing = (root_ / "profiles/none.json").string();
  auto r = localhostSeccomp(root_.string(), "profiles/none.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(),
            "cannot load seccomp profile \"" + missing + "\": open " + missing + ": No such file or directory");
  write("bad.json", "{\"defaultAction\": ");
  r = localhostSeccomp(root_.string(), "profiles/bad.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "decoding seccomp profile failed \"" + (root_ / "profiles/bad.json").string() +
                                     "\": invalid JSON");
  write("odd.json", R"({"defaultAction": "SCMP_ACT_MAYBE"})");
  r = localhostSeccomp(root_.string(), "profiles/odd.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("odd.json\": unsupported seccomp action"), std::string::npos);
  EXPECT_FALSE(localhostSeccomp(root_.string(), "../etc/x.json").ok());
  EXPECT_EQ(localhostSeccomp(root_.string(), "").error().message(),
            "localhostProfile must be set if seccompProfile type is Localhost.");
}

}  // namespace
}  // namespace peapod::node
