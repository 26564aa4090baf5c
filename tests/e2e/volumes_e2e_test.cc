// End to end: ConfigMap, Secret, downwardAPI volumes and env sources, emptyDir (memory,
// sizeLimit eviction), hostPath type checks, readOnly, subPath/subPathExpr (and a symlink
// escape refused), mountPropagation — observed from inside containers through their logs.
// Manifests go through kubectl; the imported busybox image is never pulled (imagePullPolicy:
// IfNotPresent).
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/fixtures.h"
#include "testing/kube_daemon.h"

namespace peapod::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

class VolumesE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || kubectlPath("system").empty()) return;
    kube_ = new KubeDaemon();
  }
  static void TearDownTestSuite() {
    delete kube_;
    kube_ = nullptr;
  }
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    if (!kube_) GTEST_SKIP() << "/usr/bin/kubectl is not installed";
  }
  void TearDown() override {
    if (!kube_) return;
    for (const auto& p : pods_) d().peapod({"delete", "pod", p, "--grace-period=0", "--force"});
    for (const auto& o : objects_) kubectl({"delete", o, "--ignore-not-found"});
  }

  PeapodDaemon& d() { return kube_->daemon(); }
  CommandResult kubectl(std::vector<std::string> args, const std::string& input = "") {
    return kube_->kubectl({"system", kubectlPath("system")}, args, input);
  }
  // kubectl apply of a manifest; `pods` and `objects` ("configmap/x") are deleted after the test.
  void apply(const std::string& yaml, std::vector<std::string> pods, std::vector<std::string> objects = {}) {
    pods_.insert(pods_.end(), pods.begin(), pods.end());
    objects_.insert(objects_.end(), objects.begin(), objects.end());
    auto r = kubectl({"apply", "-f", "-"}, yaml);
    ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  }
  bool logsContain(const std::string& pod, const std::string& text, const std::string& container = "main") {
    return waitUntil([&] { return d().logs(pod, container).find(text) != std::string::npos; }, seconds(20));
  }
  static std::string waitingReason(const nlohmann::json& p, const std::string& container = "main") {
    for (const auto& c : p["status"].value("containerStatuses", nlohmann::json::array())) {
      if (c.value("name", "") == container && c["state"].contains("waiting"))
        return c["state"]["waiting"].value("reason", "") + ": " + c["state"]["waiting"].value("message", "");
    }
    return "";
  }
  std::string events() { return kubectl({"get", "events", "-o", "json"}).out; }

  static inline KubeDaemon* kube_ = nullptr;
  std::vector<std::string> pods_, objects_;
};

TEST_F(VolumesE2E, ConfigMapVolumeWithItemsModesAndUpdates) {
  apply(R"Y(
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {greeting: hello, color: blue, unused: x}
---
apiVersion: v1
kind: Pod
metadata: {name: cm-volume}
spec:
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'stat -L -c "mode %a" /cfg/conf/greeting.txt /cfg/color; ls /cfg; touch /cfg/x || echo read-only;
              while true; do echo "now $(cat /cfg/conf/greeting.txt)"; sleep 0.2; done']
    volumeMounts: [{name: cfg, mountPath: /cfg}]
  volumes:
  - name: cfg
    configMap:
      name: app-config
      defaultMode: 0440
      items: [{key: greeting, path: conf/greeting.txt}, {key: color, path: color, mode: 0600}]
)Y",
        {"cm-volume"}, {"configmap/app-config"});
  ASSERT_TRUE(logsContain("cm-volume", "now hello")) << d().logs("cm-volume", "main") << d().pod("cm-volume").dump(2);
  std::string logs = d().logs("cm-volume", "main");
  EXPECT_NE(logs.find("mode 440\nmode 600\n"), std::string::npos) << logs;
  EXPECT_NE(logs.find("color\nconf\n"), std::string::npos) << logs;  // only the items, no "unused"
  EXPECT_NE(logs.find("read-only"), std::string::npos) << logs;
  // The mode is stored as given (0440 = 288); unset it would default to 420.
  EXPECT_EQ(d().pod("cm-volume")["spec"]["volumes"][0]["configMap"]["defaultMode"], 0440);
  apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {greeting: bonjour, color: red}\n", {});
  EXPECT_TRUE(logsContain("cm-volume", "now bonjour")) << d().logs("cm-volume", "main");
}

// Seed 003's ConfigMap verbatim, with its Deployment's pod template as a Pod (busybox for alpine):
// an interactive shell on a terminal that stays up, the file read through exec.
TEST_F(VolumesE2E, SeedResolvConfConfigMapMountedWithSubPath) {
  apply(R"Y(kind: ConfigMap
apiVersion: v1
metadata:
  name: resolvconf
  namespace: default
data:
  resolv.conf: |
    search default.svc.cluster.local svc.cluster.local cluster.local
    nameserver 10.0.0.10

---
kind: Pod
apiVersion: v1
metadata:
  name: dns-test
  namespace: default
  labels:
    name: dns-test
spec:
  containers:
    - name: dns-test
      image: busybox
      imagePullPolicy: IfNotPresent
      stdin: true
      tty: true
      command: ["sh"]
      volumeMounts:
        - name: resolv-conf
          mountPath: /etc/resolv.conf
          subPath: resolv.conf
  volumes:
    - name: resolv-conf
      configMap:
        name: resolvconf
        items:
        - key: resolv.conf
          path: resolv.conf
)Y",
        {"dns-test"}, {"configmap/resolvconf"});
  ASSERT_TRUE(d().waitPod("dns-test", [](const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; }))
      << d().pod("dns-test").dump(2);
  auto r = d().peapod({"exec", "dns-test", "--", "cat", "/etc/resolv.conf"});
  EXPECT_EQ(r.out, "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.0.0.10\n") << r.err;
  EXPECT_EQ(d().pod("dns-test")["status"]["containerStatuses"][0].value("restartCount", -1), 0);
}

TEST_F(VolumesE2E, EnvFromConfigMapAndSecretKeys) {
  apply(R"Y(
apiVersion: v1
kind: ConfigMap
metadata: {name: env-config}
data: {LEVEL: debug, MODE: fast}
---
apiVersion: v1
kind: Secret
metadata: {name: env-secret}
data: {password: czNjcjN0}
stringData: {user: admin}
---
apiVersion: v1
kind: Pod
metadata: {name: env-sources}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo "level=$LEVEL pass=$PASS user=$USER_NAME opt=${OPT-unset} both=$BOTH"; env | grep ^CFG_ | sort']
    envFrom:
    - configMapRef: {name: env-config}
      prefix: CFG_
    - secretRef: {name: missing-secret, optional: true}
    env:
    - {name: LEVEL, valueFrom: {configMapKeyRef: {name: env-config, key: LEVEL}}}
    - {name: PASS, valueFrom: {secretKeyRef: {name: env-secret, key: password}}}
    - {name: USER_NAME, valueFrom: {secretKeyRef: {name: env-secret, key: user}}}
    - {name: OPT, valueFrom: {configMapKeyRef: {name: env-config, key: nope, optional: true}}}
    - {name: BOTH, value: '$(LEVEL)-$(CFG_MODE)'}
)Y",
        {"env-sources"}, {"configmap/env-config", "secret/env-secret"});
  EXPECT_TRUE(logsContain("env-sources", "level=debug pass=s3cr3t user=admin opt=unset both=debug-fast\n"
                                         "CFG_LEVEL=debug\nCFG_MODE=fast\n"))
      << d().logs("env-sources", "main") << d().pod("env-sources").dump(2);
}

TEST_F(VolumesE2E, MissingConfigMapIsCreateContainerConfigErrorUntilItExists) {
  apply(R"Y(
apiVersion: v1
kind: Pod
metadata: {name: late-config}
spec:
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo "value=$VALUE"; sleep 3600']
    env: [{name: VALUE, valueFrom: {configMapKeyRef: {name: late-cm, key: k}}}]
)Y",
        {"late-config"}, {"configmap/late-cm"});
  ASSERT_TRUE(d().waitPod("late-config", [](const nlohmann::json& p) {
    return waitingReason(p) == "CreateContainerConfigError: configmap \"late-cm\" not found";
  })) << d().pod("late-config").dump(2);
  apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late-cm}\ndata: {other: x}\n", {});
  ASSERT_TRUE(d().waitPod("late-config", [](const nlohmann::json& p) {
    return waitingReason(p) == "CreateContainerConfigError: couldn't find key k in ConfigMap default/late-cm";
  })) << d().pod("late-config").dump(2);
  apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late-cm}\ndata: {k: finally}\n", {});
  EXPECT_TRUE(logsContain("late-config", "value=finally")) << d().pod("late-config").dump(2);
  EXPECT_EQ(d().pod("late-config")["status"].value("phase", ""), "Running");
}

TEST_F(VolumesE2E, SecretVolumeDecodesDataAndStringData) {
  apply(R"Y(
apiVersion: v1
kind: Secret
metadata: {name: creds}
data: {token: dG9wLXNlY3JldA==}
stringData: {note: plain text}
---
apiVersion: v1
kind: Pod
metadata: {name: secret-volume}
spec:
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo "token=$(cat /s/token) note=$(cat /s/note) mode=$(stat -L -c %a /s/token)"; grep " /s " /proc/mounts | cut -d" " -f3; sleep 3600']
    volumeMounts: [{name: s, mountPath: /s}]
  volumes: [{name: s, secret: {secretName: creds}}]
)Y",
        {"secret-volume"}, {"secret/creds"});
  EXPECT_TRUE(logsContain("secret-volume", "token=top-secret note=plain text mode=644\ntmpfs\n"))
      << d().logs("secret-volume", "main") << d().pod("secret-volume").dump(2);
}

TEST_F(VolumesE2E, DownwardAPIVolumeFollowsLabels) {
  apply(R"Y(
apiVersion: v1
kind: Pod
metadata:
  name: downward
  labels: {app: web, tier: front}
  annotations: {build: "42"}
spec:
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'cat /info/name; echo; cat /info/annotations; echo; while true; do echo "labels[$(cat /info/labels | tr "\n" " ")]"; sleep 0.2; done']
    volumeMounts: [{name: info, mountPath: /info}]
  volumes:
  - name: info
    downwardAPI:
      items:
      - {path: name, fieldRef: {fieldPath: metadata.name}}
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: annotations, fieldRef: {fieldPath: metadata.annotations}}
)Y",
        {"downward"});
  ASSERT_TRUE(logsContain("downward", "labels[app=\"web\" tier=\"front\"]")) << d().logs("downward", "main");
  EXPECT_NE(d().logs("downward", "main").find("downward\nbuild=\"42\"\n"), std::string::npos) << d().logs("downward", "main");
  auto r = kubectl({"label", "pod", "downward", "tier=back", "--overwrite"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(logsContain("downward", "labels[app=\"web\" tier=\"back\"]")) << d().logs("downward", "main");
}

TEST_F(VolumesE2E, MemoryEmptyDirIsTmpfsSizedByItsLimit) {
  apply(R"Y(
apiVersion: v1
kind: Pod
metadata: {name: memory-dir}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'grep " /data " /proc/mounts | cut -d" " -f1,3; dd if=/dev/zero of=/data/big bs=1024 count=2048 2>/dev/null || echo write-failed; echo done']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {medium: Memory, sizeLimit: 1Mi}}]
)Y",
        {"memory-dir"});
  EXPECT_TRUE(logsContain("memory-dir", "tmpfs tmpfs\nwrite-failed\ndone\n")) << d().logs("memory-dir", "main");
}

TEST_F(VolumesE2E, EmptyDirOverItsSizeLimitEvictsThePod) {
  apply(R"Y(
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'dd if=/dev/zero of=/scratch/f bs=1024 count=2048; sync; sleep 3600']
    volumeMounts: [{name: scratch, mountPath: /scratch}]
  volumes: [{name: scratch, emptyDir: {sizeLimit: 1Mi}}]
)Y",
        {"hog"});
  ASSERT_TRUE(d().waitPod("hog", [](const nlohmann::json& p) { return p["status"].value("phase", "") == "Failed"; },
                          seconds(30)))
      << d().pod("hog").dump(2);
  auto status = d().pod("hog")["status"];
  EXPECT_EQ(status.value("reason", ""), "Evicted");
  EXPECT_EQ(status.value("message", ""), "Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\". ");
  EXPECT_NE(events().find("exceeds the limit"), std::string::npos);
}

TEST_F(VolumesE2E, HostPathTypeChecks) {
  TempDir host("peapod-hostpath");
  std::string missing = (host.path() / "missing-file").string();
  apply(R"Y(
apiVersion: v1
kind: Pod
metadata: {name: hostpath-missing}
spec:
  containers:
  - {name: main, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"], volumeMounts: [{name: f, mountPath: /f}]}
  volumes: [{name: f, hostPath: {path: )Y" + missing + R"Y(, type: File}}]
)Y",
        {"hostpath-missing"});
  EXPECT_TRUE(waitUntil([&] {
    return events().find("MountVolume.SetUp failed for volume \\\"f\\\" : hostPath type check failed: " + missing +
                         " is not a file") != std::string::npos;
  }, seconds(20))) << events();
  EXPECT_EQ(d().pod("hostpath-missing")["status"].value("phase", ""), "Pending");

  std::string created = (host.path() / "made" / "dir").string();
  std::string file = (host.path() / "file.txt").string();
  apply(R"Y(
apiVersion: v1
kind: Pod
metadata: {name: hostpath-ok}
spec:
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo hi > /made/x && cat /made/x; test -f /file && echo file-ok; test -c /null && echo chardev-ok; sleep 3600']
    volumeMounts: [{name: made, mountPath: /made}, {name: file, mountPath: /file}, {name: devnull, mountPath: /null}]
  volumes:
  - {name: made, hostPath: {path: )Y" + created + R"Y(, type: DirectoryOrCreate}}
  - {name: file, hostPath: {path: )Y" + file + R"Y(, type: FileOrCreate}}
  - {name: devnull, hostPath: {path: /dev/null, type: CharDevice}}
)Y",
        {"hostpath-ok"});
  EXPECT_TRUE(logsContain("hostpath-ok", "hi\nfile-ok\nchardev-ok\n")) << d().logs("hostpath-ok", "main");
  EXPECT_EQ(readFile(created + "/x"), "hi\n");
  EXPECT_TRUE(fs::is_regular_file(file));
  d().peapod({"delete", "pod", "hostpath-ok", "--grace-period=0", "--force"});
}

TEST_F(VolumesE2E, ReadOnlyMountRefusesWrites) {
  apply(R"Y(
apiVersion: v1
kind: Pod
metadata: {name: read-only}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'touch /ro/x 2>/dev/null && echo wrote || echo write-refused; touch /rw/x && echo rw-ok']
    volumeMounts: [{name: data, mountPath: /ro, readOnly: true}, {name: data, mountPath: /rw}]
  volumes: [{name: data, emptyDir: {}}]
)Y",
        {"read-only"});
  EXPECT_TRUE(logsContain("read-only", "write-refused\nrw-ok\n")) << d().logs("read-only", "main");
}

TEST_F(VolumesE2E, SubPathExprPerPodDirectory) {
  apply(R"Y(
apiVersion: v1
kind: Pod
metadata: {name: subpath-expr}
spec:
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo mine > /own/file; sleep 3600']
    env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
    volumeMounts: [{name: data, mountPath: /own, subPathExpr: 'logs/$(POD_NAME)'}]
  - name: viewer
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'until [ -f /all/logs/subpath-expr/file ]; do sleep 0.1; done; echo "found $(cat /all/logs/subpath-expr/file)"; sleep 3600']
    volumeMounts: [{name: data, mountPath: /all}]
  volumes: [{name: data, emptyDir: {}}]
)Y",
        {"subpath-expr"});
  EXPECT_TRUE(logsContain("subpath-expr", "found mine", "viewer")) << d().logs("subpath-expr", "viewer");
}

TEST_F(VolumesE2E, SubPathSymlinkEscapeIsRefused) {
  apply(R"Y(
apiVersion: v1
kind: Pod
metadata: {name: escape}
spec:
  initContainers:
  - name: plant
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'ln -s / /work/root-link; ln -s ../../../../../../.. /work/up-link']
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'ls /escaped; sleep 3600']
    volumeMounts: [{name: work, mountPath: /escaped, subPath: root-link}]
  volumes: [{name: work, emptyDir: {}}]
)Y",
        {"escape"});
  ASSERT_TRUE(d().waitPod("escape", [](const nlohmann::json& p) {
    return waitingReason(p) ==
           "CreateContainerConfigError: failed to prepare subPath for volumeMount \"work\" of container \"main\"";
  })) << d().pod("escape").dump(2);
  EXPECT_EQ(d().logs("escape", "main"), "");
}

TEST_F(VolumesE2E, HostToContainerPropagationSeesLaterHostMounts) {
  TempDir host("peapod-propagation");
  std::string shared = (host.path() / "shared").string();
  fs::create_directories(shared + "/sub");
  // A shared mount, as /var/lib/kubelet is on a node; the host mounts under it after the pod starts.
  ASSERT_EQ(::mount(shared.c_str(), shared.c_str(), nullptr, MS_BIND, nullptr), 0);
  ASSERT_EQ(::mount(nullptr, shared.c_str(), nullptr, MS_SHARED, nullptr), 0);
  apply(R"Y(
apiVersion: v1
kind: Pod
metadata: {name: propagation}
spec:
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'echo started; while true; do echo "slave[$(cat /slave/sub/hello 2>/dev/null)] private[$(cat /private/sub/hello 2>/dev/null)]"; sleep 0.2; done']
    volumeMounts:
    - {name: host, mountPath: /slave, mountPropagation: HostToContainer}
    - {name: host, mountPath: /private}
  volumes: [{name: host, hostPath: {path: )Y" + shared + R"Y(, type: Directory}}]
)Y",
        {"propagation"});
  bool started = logsContain("propagation", "started");
  bool mounted = ::mount("tmpfs", (shared + "/sub").c_str(), "tmpfs", 0, "size=1m") == 0;
  if (mounted) std::ofstream(shared + "/sub/hello") << "from-host";
  EXPECT_TRUE(started) << d().pod("propagation").dump(2);
  EXPECT_TRUE(mounted);
  EXPECT_TRUE(logsContain("propagation", "slave[from-host] private[]")) << d().logs("propagation", "main");
  d().peapod({"delete", "pod", "propagation", "--grace-period=0", "--force"});
  d().waitGone("propagation");
  ::umount2((shared + "/sub").c_str(), MNT_DETACH);
  ::umount2(shared.c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace peapod::testing
