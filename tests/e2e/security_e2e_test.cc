// End to end: security contexts as a container sees them — capabilities, users and groups,
// no_new_privs, seccomp, read-only root, masked /proc paths, sysctls, /dev — through busybox.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/scope_exit.h"
#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"
#include "testing/shared_daemon_test.h"

namespace peapod::testing {
namespace {

using std::chrono::seconds;

class SecurityE2E : public SharedDaemonTest<SecurityE2E> {
 protected:
  static std::string phase(const nlohmann::json& p) { return p["status"].value("phase", ""); }

  // Runs `script` in a one-shot pod (restartPolicy Never) with the given YAML fragments indented
  // under the pod spec and the container; returns its output once it has finished, then deletes it.
  std::string run(const std::string& name, const std::string& script, const std::string& containerExtra = "",
                  const std::string& podExtra = "") {
    std::string yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                       "}\nspec:\n  restartPolicy: Never\n" + podExtra +
                       "  containers:\n  - name: main\n    image: busybox\n    imagePullPolicy: IfNotPresent\n    command: [sh, -c, '" + script + "']\n" +
                       containerExtra;
    auto r = d().apply(yaml);
    EXPECT_EQ(r.exitCode, 0) << r.err << yaml;
    bool done = d().waitPod(name, [](const auto& p) { return phase(p) == "Succeeded" || phase(p) == "Failed"; });
    EXPECT_TRUE(done) << d().pod(name).dump(2);
    last_ = d().pod(name);
    std::string out = d().logs(name, "main");
    d().peapod({"delete", "pod", name, "--grace-period=0", "--force"});
    EXPECT_TRUE(d().waitGone(name));
    return out;
  }

  // The value of a "Key:\tvalue" line of /proc/self/status output.
  static std::string field(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(key + ":", 0) == 0) {
        std::string v = line.substr(key.size() + 1);
        v.erase(0, v.find_first_not_of(" \t"));
        return v;
      }
    }
    return "<missing " + key + ">";
  }

  nlohmann::json last_;
};

constexpr const char* kStatus = "grep -E \"^(Cap|NoNewPrivs|Seccomp:)\" /proc/self/status";

TEST_F(SecurityE2E, DefaultsAreRuncs) {
  std::string out = run("sec-default", std::string(kStatus) + "; id");
  EXPECT_EQ(field(out, "CapBnd"), "00000000a80425fb") << out;
  EXPECT_EQ(field(out, "CapEff"), "00000000a80425fb") << out;
  EXPECT_EQ(field(out, "CapPrm"), "00000000a80425fb") << out;
  EXPECT_EQ(field(out, "CapInh"), "0000000000000000") << out;
  EXPECT_EQ(field(out, "CapAmb"), "0000000000000000") << out;
  EXPECT_EQ(field(out, "NoNewPrivs"), "0") << out;
  EXPECT_EQ(field(out, "Seccomp"), "0") << out;  // the kubelet's default is Unconfined
  EXPECT_NE(out.find("uid=0(root) gid=0(root) groups=0(root)"), std::string::npos) << out;
}

TEST_F(SecurityE2E, CapabilitiesAddDropAndPrivileged) {
  std::string add = run("sec-add", kStatus, "    securityContext: {capabilities: {add: [NET_ADMIN], drop: [MKNOD]}}\n");
  EXPECT_EQ(field(add, "CapEff"), "00000000a00435fb") << add;  // + NET_ADMIN (12), - MKNOD (27)
  std::string none = run("sec-drop-all", kStatus, "    securityContext: {capabilities: {drop: [ALL]}}\n");
  EXPECT_EQ(field(none, "CapEff"), "0000000000000000") << none;
  EXPECT_EQ(field(none, "CapBnd"), "0000000000000000") << none;
  std::string priv = run("sec-privileged",
                         std::string(kStatus) + "; grep \" /sys \" /proc/mounts; head -c 4 /proc/timer_list | wc -c",
                         "    securityContext: {privileged: true}\n");
  std::string all = field(priv, "CapBnd");
  EXPECT_EQ(field(priv, "CapEff"), all) << priv;
  // Everything the node has (a node may itself run without some capability).
  EXPECT_EQ(all, field(readFile("/proc/self/status"), "CapBnd")) << priv;
  EXPECT_NE(priv.find("sysfs rw"), std::string::npos) << priv;  // writable /sys
  EXPECT_NE(priv.find("\n4\n"), std::string::npos) << priv;      // /proc/timer_list not masked
}

TEST_F(SecurityE2E, UsersGroupsAndFsGroup) {
  std::string out = run("sec-ids", "id; stat -c \"%g %a\" /data; touch /data/f && stat -c \"%u %g\" /data/f; grep Cap /proc/self/status",
                        "    volumeMounts: [{name: data, mountPath: /data}]\n",
                        "  securityContext: {runAsUser: 1000, runAsGroup: 3000, supplementalGroups: [4000], fsGroup: 2000}\n"
                        "  volumes: [{name: data, emptyDir: {}}]\n");
  EXPECT_NE(out.find("uid=1000 gid=3000 groups=2000,3000,4000"), std::string::npos) << out;
  EXPECT_NE(out.find("2000 2777\n"), std::string::npos) << out;  // the volume: fsGroup, setgid, group-writable
  EXPECT_NE(out.find("1000 2000\n"), std::string::npos) << out;  // new files inherit the group
  EXPECT_EQ(field(out, "CapEff"), "0000000000000000") << out;    // non-root: nothing effective
  EXPECT_EQ(field(out, "CapBnd"), "00000000a80425fb") << out;
  // A container-level user wins over the pod's; a user name from the image's passwd resolves.
  std::string nobody = run("sec-nobody", "id", "    securityContext: {runAsUser: 65534}\n",
                           "  securityContext: {runAsUser: 1000}\n");
  EXPECT_NE(nobody.find("uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)"), std::string::npos) << nobody;
}

TEST_F(SecurityE2E, RunAsNonRootRefusesARootImage) {
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: sec-nonroot}
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: main, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}]
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("sec-nonroot", [](const auto& p) {
    auto w = p["status"].value("containerStatuses", nlohmann::json::array());
    return !w.empty() && w[0]["state"].contains("waiting") &&
           w[0]["state"]["waiting"].value("reason", "") == "CreateContainerConfigError";
  })) << d().pod("sec-nonroot").dump(2);
  auto w = d().pod("sec-nonroot")["status"]["containerStatuses"][0]["state"]["waiting"];
  EXPECT_NE(w.value("message", "").find("container has runAsNonRoot and image will run as root"), std::string::npos)
      << w.dump();
  d().peapod({"delete", "pod", "sec-nonroot", "--grace-period=0", "--force"});
  EXPECT_TRUE(d().waitGone("sec-nonroot"));
  // A non-root uid passes.
  EXPECT_EQ(run("sec-nonroot-ok", "id -u", "    securityContext: {runAsNonRoot: true, runAsUser: 1234}\n"), "1234\n");
}

TEST_F(SecurityE2E, ReadOnlyRootAndNoNewPrivs) {
  std::string out = run("sec-ro",
                        "touch /x 2>&1; echo rc=$?; touch /tmp/y 2>&1; echo tmp=$?; touch /data/z && echo vol=ok; "
                        "grep NoNewPrivs /proc/self/status",
                        "    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}\n"
                        "    volumeMounts: [{name: data, mountPath: /data}]\n",
                        "  volumes: [{name: data, emptyDir: {}}]\n");
  EXPECT_NE(out.find("Read-only file system"), std::string::npos) << out;
  EXPECT_NE(out.find("rc=1"), std::string::npos) << out;
  EXPECT_NE(out.find("tmp=1"), std::string::npos) << out;
  EXPECT_NE(out.find("vol=ok"), std::string::npos) << out;  // volumes stay writable
  EXPECT_EQ(field(out, "NoNewPrivs"), "1") << out;
}

TEST_F(SecurityE2E, SeccompRuntimeDefaultBlocksWhatUnconfinedAllows) {
  // unshare(CLONE_NEWUSER) needs no capability, so only the profile stands in its way.
  const std::string script = "grep Seccomp: /proc/self/status; unshare -U true 2>&1; echo rc=$?";
  std::string confined = run("sec-seccomp", script, "    securityContext: {seccompProfile: {type: RuntimeDefault}}\n");
  EXPECT_EQ(field(confined, "Seccomp"), "2") << confined;
  EXPECT_NE(confined.find("Operation not permitted"), std::string::npos) << confined;
  EXPECT_NE(confined.find("rc=1"), std::string::npos) << confined;
  // The pod-level profile applies too; threads (clone) and ordinary work still run.
  std::string podLevel = run("sec-seccomp-pod", "grep Seccomp: /proc/self/status; echo a | sort | wc -l", "",
                             "  securityContext: {seccompProfile: {type: RuntimeDefault}}\n");
  EXPECT_EQ(field(podLevel, "Seccomp"), "2") << podLevel;
  EXPECT_NE(podLevel.find("\n1\n"), std::string::npos) << podLevel;
  std::string open = run("sec-unconfined", script, "    securityContext: {seccompProfile: {type: Unconfined}}\n");
  EXPECT_EQ(field(open, "Seccomp"), "0") << open;
  EXPECT_NE(open.find("rc=0"), std::string::npos) << open;
}

TEST_F(SecurityE2E, SeccompLocalhostProfileFromTheProfileRoot) {
  // The daemon's default --seccomp-profile-root is <data-dir>/seccomp, as the kubelet's <root>/seccomp.
  const auto root = d().root() / "data" / "seccomp";
  std::filesystem::create_directories(root / "profiles");
  std::ofstream(root / "profiles" / "deny-mkdir.json") << R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})";
  const std::string script = "grep Seccomp: /proc/self/status; mkdir /tmp/d 2>&1; echo rc=$?; touch /tmp/f && echo touch=ok";
  std::string out = run("sec-localhost", script,
                        "    securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/deny-mkdir.json}}\n");
  EXPECT_EQ(field(out, "Seccomp"), "2") << out;
  EXPECT_NE(out.find("Operation not permitted"), std::string::npos) << out;  // EPERM, as the profile says
  EXPECT_NE(out.find("rc=1"), std::string::npos) << out;
  EXPECT_NE(out.find("touch=ok"), std::string::npos) << out;  // everything else allowed
  // Pod level, with a file that is not there: the container waits in CreateContainerConfigError
  // naming the file.
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: sec-localhost-missing}
spec:
  securityContext: {seccompProfile: {type: Localhost, localhostProfile: profiles/none.json}}
  containers: [{name: main, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}]
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ASSERT_TRUE(d().waitPod("sec-localhost-missing", [](const auto& p) {
    auto w = p["status"].value("containerStatuses", nlohmann::json::array());
    return !w.empty() && w[0]["state"].contains("waiting") &&
           w[0]["state"]["waiting"].value("reason", "") == "CreateContainerConfigError";
  })) << d().pod("sec-localhost-missing").dump(2);
  auto w = d().pod("sec-localhost-missing")["status"]["containerStatuses"][0]["state"]["waiting"];
  EXPECT_NE(w.value("message", "").find("cannot load seccomp profile \"" + (root / "profiles/none.json").string() + "\""),
            std::string::npos)
      << w.dump();
  d().peapod({"delete", "pod", "sec-localhost-missing", "--grace-period=0", "--force"});
  EXPECT_TRUE(d().waitGone("sec-localhost-missing"));
  std::filesystem::remove_all(root);
}

// mountPropagation: Bidirectional (privileged only): a mount the container makes under the
// volume appears on the host path, which must itself be a shared mount.
TEST_F(SecurityE2E, BidirectionalMountPropagationReachesTheHost) {
  TempDir dir("peapod-bidir");
  const auto src = dir / "src";
  std::filesystem::create_directories(src / "sub");
  ASSERT_EQ(::mount(src.c_str(), src.c_str(), nullptr, MS_BIND, nullptr), 0) << std::strerror(errno);
  ScopeExit unmount([&] {
    ::umount2((src / "sub").c_str(), MNT_DETACH);
    ::umount2(src.c_str(), MNT_DETACH);
  });
  ASSERT_EQ(::mount(nullptr, src.c_str(), nullptr, MS_SHARED, nullptr), 0) << std::strerror(errno);
  auto r = d().apply(R"(
apiVersion: v1
kind: Pod
metadata: {name: sec-bidir}
spec:
  volumes: [{name: b, hostPath: {path: )" + src.string() + R"(, type: Directory}}]
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    securityContext: {privileged: true}
    volumeMounts: [{name: b, mountPath: /mnt/b, mountPropagation: Bidirectional}]
    command: [sh, -c, 'mount -t tmpfs tmpfs /mnt/b/sub && echo from-the-container > /mnt/b/sub/f; echo END; exec sleep 3600']
)");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string f;
  EXPECT_TRUE(waitUntil([&] { return (f = readFile(src / "sub" / "f")) == "from-the-container\n"; }, seconds(20)))
      << d().pod("sec-bidir").dump(2) << d().logs("sec-bidir", "main");
  EXPECT_NE(readFile("/proc/self/mountinfo").find(" " + (src / "sub").string() + " "), std::string::npos);
  d().peapod({"delete", "pod", "sec-bidir", "--grace-period=0", "--force"});
  EXPECT_TRUE(d().waitGone("sec-bidir"));
  // The mount the container made belongs to the host now (as with runc): the test removes it.
  unmount.cancel();
  EXPECT_EQ(::umount2((src / "sub").c_str(), MNT_DETACH), 0) << std::strerror(errno);
  EXPECT_EQ(::umount2(src.c_str(), MNT_DETACH), 0) << std::strerror(errno);

  // A host path that is not on a shared mount is refused, as containerd refuses it.
  const auto plain = dir / "plain";
  std::filesystem::create_directories(plain);
  std::string out = run("sec-bidir-private", "true", "    securityContext: {privileged: true}\n"
                        "    volumeMounts: [{name: b, mountPath: /mnt/b, mountPropagation: Bidirectional}]\n",
                        "  volumes: [{name: b, hostPath: {path: " + plain.string() + "}}]\n");
  std::string msg = last_["status"]["containerStatuses"][0]["state"]["terminated"].value("message", "");
  EXPECT_NE(msg.find("but it is not a shared mount"), std::string::npos) << last_.dump(2);
}

TEST_F(SecurityE2E, MaskedAndReadOnlyProcPaths) {
  std::string out = run("sec-proc",
                        "wc -c < /proc/timer_list; cat /proc/keys | wc -c; ls -A /proc/acpi /sys/firmware | wc -l; "
                        "echo 1 > /proc/sys/kernel/shm_rmid_forced 2>&1; echo sys=$?; grep \" /proc/sys \" /proc/mounts");
  std::istringstream in(out);
  std::string timers, keys, dirs;
  in >> timers >> keys >> dirs;
  EXPECT_EQ(timers, "0") << out;  // files: /dev/null on top
  EXPECT_EQ(keys, "0") << out;
  EXPECT_EQ(dirs, "3") << out;  // directories: an empty tmpfs (ls prints the two headers and a blank line)
  EXPECT_NE(out.find("Read-only file system"), std::string::npos) << out;
  EXPECT_NE(out.find("sys=1"), std::string::npos) << out;
  EXPECT_NE(out.find("proc /proc/sys proc ro"), std::string::npos) << out;
}

TEST_F(SecurityE2E, NamespacedSysctls) {
  std::string out = run("sec-sysctl",
                        "cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_unprivileged_port_start", "",
                        "  securityContext:\n    sysctls:\n    - {name: kernel.shm_rmid_forced, value: \"1\"}\n"
                        "    - {name: net.ipv4.ip_unprivileged_port_start, value: \"80\"}\n");
  EXPECT_EQ(out, "1\n80\n");
  // The host's values are untouched: they live in the pod's IPC and network namespaces.
  EXPECT_NE(readFile("/proc/sys/net/ipv4/ip_unprivileged_port_start"), "80\n");
}

TEST_F(SecurityE2E, OnlyTheStandardDevices) {
  std::string out = run("sec-dev", "ls /dev | tr \"\\n\" \" \"");
  EXPECT_EQ(out, "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero ");
}

}  // namespace
}  // namespace peapod::testing
