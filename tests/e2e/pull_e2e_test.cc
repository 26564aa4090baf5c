// End to end: pods whose images live only in a loopback docker-registry, imagePullPolicy
// behaviours, ErrImagePull -> ImagePullBackOff, and the image CLI (pull, rmi, inspect, export,
// import, prune) against the real daemon.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "image/digest.h"

#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"
#include "testing/registry_fixture.h"

namespace peapod::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

std::string sha256Hex(const std::string& data) { return image::sha256Digest(data).substr(7); }

// Runs argv on a pseudo-terminal (stdout and stderr are the tty) and returns what it wrote.
std::string runOnTerminal(const std::vector<std::string>& argv) {
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return "forkpty failed";
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 60000) <= 0) break;  // bounded: a hung CLI fails the test instead of hanging it
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child and its tty are gone
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

class PullE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0 || !fs::exists("/usr/bin/docker-registry") || !fs::exists("/usr/bin/skopeo")) return;
    registry_ = new LocalRegistry();
    // Image pull back-off follows the restart back-off settings: 2 s doubling here.
    daemon_ = new PeapodDaemon({"--restart-backoff-base", "2s", "--restart-backoff-max", "8s"});
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
    delete registry_;
    registry_ = nullptr;
  }
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    if (!registry_) GTEST_SKIP() << "needs docker-registry and skopeo (scripts/install-deps)";
    ASSERT_TRUE(registry_->ok()) << registry_->error();
  }
  PeapodDaemon& d() { return *daemon_; }
  LocalRegistry& reg() { return *registry_; }
  // Pushes the busybox test image as <registry>/<repo:tag> and returns that reference.
  std::string pushBusybox(const std::string& repoTag) {
    std::string err = reg().push(busyboxImageDir(), "latest", repoTag);
    EXPECT_EQ(err, "");
    return reg().host() + "/" + repoTag;
  }
  // A copy of the busybox layout with a label in its config, so its image id is its own.
  static fs::path distinctBusybox(const fs::path& dir, const std::string& label) {
    fs::copy(busyboxImageDir(), dir, fs::copy_options::recursive);
    auto blob = [&](const std::string& digest) { return dir / "blobs/sha256" / digest.substr(7); };
    auto put = [&](const nlohmann::json& j) {
      std::string data = j.dump();
      std::string d = sha256Hex(data);
      std::ofstream(dir / "blobs/sha256" / d, std::ios::binary) << data;
      return nlohmann::json{{"digest", "sha256:" + d}, {"size", data.size()}};
    };
    auto index = nlohmann::json::parse(readFile(dir / "index.json"));
    auto manifest = nlohmann::json::parse(readFile(blob(index["manifests"][0]["digest"])));
    auto config = nlohmann::json::parse(readFile(blob(manifest["config"]["digest"])));
    config["config"]["Labels"] = {{"peapod.test", label}};
    auto cd = put(config);
    manifest["config"]["digest"] = cd["digest"];
    manifest["config"]["size"] = cd["size"];
    auto md = put(manifest);
    index["manifests"][0]["digest"] = md["digest"];
    index["manifests"][0]["size"] = md["size"];
    std::ofstream(dir / "index.json") << index.dump();
    return dir;
  }
  std::string podYaml(const std::string& name, const std::string& image, const std::string& policy = "") {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  containers:\n  - name: main\n    image: " +
           image + "\n" + (policy.empty() ? "" : "    imagePullPolicy: " + policy + "\n") +
           "    command: [sh, -c, 'echo up; sleep 3600']\n";
  }
  static std::string waitingReason(const nlohmann::json& p) {
    for (const auto& c : p["status"].value("containerStatuses", nlohmann::json::array()))
      if (c.contains("state") && c["state"].contains("waiting")) return c["state"]["waiting"].value("reason", "");
    return "";
  }
  static bool running(const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; }
  static std::string imageIdOf(const nlohmann::json& p) {
    auto cs = p["status"].value("containerStatuses", nlohmann::json::array());
    return cs.empty() ? "" : cs[0].value("imageID", "");
  }
  void remove(const std::string& pod) { d().peapod({"delete", "pod", pod, "--grace-period=0", "--force"}); }

  static inline LocalRegistry* registry_ = nullptr;
  static inline PeapodDaemon* daemon_ = nullptr;
};

TEST_F(PullE2E, PodWithAnImageOnlyInTheRegistryStarts) {
  std::string image = pushBusybox("e2e/only-remote:v1");
  ASSERT_EQ(d().apply(podYaml("remote", image)).exitCode, 0);
  ASSERT_TRUE(d().waitPod("remote", running, seconds(60))) << d().pod("remote").dump(2);
  auto pod = d().pod("remote");
  std::string imageID = pod["status"]["containerStatuses"][0].value("imageID", "");
  EXPECT_NE(imageID.find(image.substr(0, image.rfind(':')) + "@sha256:"), std::string::npos) << imageID;
  auto describe = d().peapod({"describe", "pod", "remote"});
  EXPECT_NE(describe.out.find("Pulling image \"" + image + "\""), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("Successfully pulled image \"" + image + "\" in "), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("Image size: "), std::string::npos) << describe.out;
  remove("remote");
  ASSERT_TRUE(d().waitGone("remote"));
}

TEST_F(PullE2E, NeverWithAMissingImageIsErrImageNeverPull) {
  std::string image = reg().host() + "/e2e/never-pulled:v1";
  ASSERT_EQ(d().apply(podYaml("never", image, "Never")).exitCode, 0);
  ASSERT_TRUE(d().waitPod("never", [](const nlohmann::json& p) { return waitingReason(p) == "ErrImageNeverPull"; }))
      << d().pod("never").dump(2);
  auto describe = d().peapod({"describe", "pod", "never"});
  EXPECT_NE(describe.out.find("is not present with pull policy of Never"), std::string::npos) << describe.out;
  remove("never");
}

TEST_F(PullE2E, MissingImageIsErrImagePullThenImagePullBackOff) {
  std::string image = reg().host() + "/e2e/does-not-exist:v1";
  ASSERT_EQ(d().apply(podYaml("missing", image)).exitCode, 0);
  ASSERT_TRUE(d().waitPod("missing", [](const nlohmann::json& p) { return waitingReason(p) == "ErrImagePull"; },
                          seconds(30)))
      << d().pod("missing").dump(2);
  ASSERT_TRUE(d().waitPod("missing", [](const nlohmann::json& p) { return waitingReason(p) == "ImagePullBackOff"; },
                          seconds(30)))
      << d().pod("missing").dump(2);
  auto describe = d().peapod({"describe", "pod", "missing"});
  EXPECT_NE(describe.out.find("Failed to pull image \"" + image + "\""), std::string::npos) << describe.out;
  EXPECT_NE(describe.out.find("Back-off pulling image"), std::string::npos) << describe.out;
  // Pushing the image ends the back-off at the next retry.
  pushBusybox("e2e/does-not-exist:v1");
  EXPECT_TRUE(d().waitPod("missing", running, seconds(60))) << d().pod("missing").dump(2);
  remove("missing");
}

TEST_F(PullE2E, IfNotPresentUsesTheStoreWithoutTheRegistry) {
  LocalRegistry own;
  ASSERT_TRUE(own.ok()) << own.error();
  ASSERT_EQ(own.push(busyboxImageDir(), "latest", "e2e/cached:v1"), "");
  std::string image = own.host() + "/e2e/cached:v1";
  auto pulled = d().peapod({"pull", image});
  ASSERT_EQ(pulled.exitCode, 0) << pulled.err << pulled.out;
  own.stop();  // from now on any registry request would fail
  ASSERT_EQ(d().apply(podYaml("cached", image, "IfNotPresent")).exitCode, 0);
  ASSERT_TRUE(d().waitPod("cached", running, seconds(30))) << d().pod("cached").dump(2);
  auto describe = d().peapod({"describe", "pod", "cached"});
  EXPECT_NE(describe.out.find("Container image \"" + image + "\" already present on machine"), std::string::npos)
      << describe.out;
  // Always would have to ask the registry: ErrImagePull.
  ASSERT_EQ(d().apply(podYaml("always", image, "Always")).exitCode, 0);
  EXPECT_TRUE(d().waitPod("always", [](const nlohmann::json& p) { return waitingReason(p) == "ErrImagePull"; },
                          seconds(30)))
      << d().pod("always").dump(2);
  remove("cached");
  remove("always");
  ASSERT_TRUE(d().waitGone("cached"));
  ASSERT_TRUE(d().waitGone("always"));
}

// busybox (":latest", so Always) was imported, not pulled: there is no registry to ask, and the
// daemon must not try docker.io.
TEST_F(PullE2E, AlwaysUsesAnImportedImageWithoutARegistry) {
  ASSERT_EQ(d().apply(podYaml("imported", "busybox")).exitCode, 0);
  ASSERT_TRUE(d().waitPod("imported", running, seconds(30))) << d().pod("imported").dump(2);
  auto pod = d().pod("imported");
  EXPECT_EQ(pod["spec"]["containers"][0].value("imagePullPolicy", ""), "Always");
  auto describe = d().peapod({"describe", "pod", "imported"});
  EXPECT_NE(describe.out.find("Container image \"busybox\" already present on machine"), std::string::npos)
      << describe.out;
  EXPECT_EQ(describe.out.find("Pulling image"), std::string::npos) << describe.out;
  remove("imported");
  ASSERT_TRUE(d().waitGone("imported"));
}

TEST_F(PullE2E, ImageCommandsPullInspectRmiExportImportPrune) {
  TempDir layouts("peapod-layout");
  ASSERT_EQ(reg().push(distinctBusybox(layouts / "cli", "cli"), "latest", "e2e/cli:v2"), "");
  std::string image = reg().host() + "/e2e/cli:v2";
  auto pulled = d().peapod({"pull", image});
  ASSERT_EQ(pulled.exitCode, 0) << pulled.err;
  EXPECT_NE(pulled.out.find("Digest: sha256:"), std::string::npos) << pulled.out;
  auto images = d().peapod({"images"});
  EXPECT_NE(images.out.find(reg().host() + "/e2e/cli"), std::string::npos) << images.out;
  auto inspect = d().peapod({"image", "inspect", image});
  ASSERT_EQ(inspect.exitCode, 0) << inspect.err;
  auto j = nlohmann::json::parse(inspect.out);
  EXPECT_EQ(j["config"]["Cmd"], nlohmann::json::array({"sh"}));
  EXPECT_EQ(j["names"][0], image);
  std::string id = j["id"];

  // In use by a pod: rmi is refused, prune leaves it.
  ASSERT_EQ(d().apply(podYaml("user", image, "IfNotPresent")).exitCode, 0);
  ASSERT_TRUE(d().waitPod("user", running, seconds(30)));
  auto refused = d().peapod({"rmi", image});
  EXPECT_NE(refused.exitCode, 0);
  EXPECT_NE((refused.err + refused.out).find("image is being used by running container"), std::string::npos)
      << refused.err << refused.out;
  auto prune = d().peapod({"image", "prune"});
  ASSERT_EQ(prune.exitCode, 0) << prune.err;
  EXPECT_EQ(prune.out.find(image), std::string::npos) << prune.out;
  EXPECT_EQ(d().peapod({"image", "inspect", image}).exitCode, 0);

  // Export both ways while it is here.
  TempDir out("peapod-export");
  ASSERT_EQ(d().peapod({"image", "export", image, "-o", (out / "img-oci.tar").string()}).exitCode, 0);
  ASSERT_EQ(d().peapod({"image", "export", image, "--format", "docker", "-o", (out / "img-docker.tar").string()}).exitCode, 0);
  EXPECT_GT(fs::file_size(out / "img-oci.tar"), 100000u);

  remove("user");
  ASSERT_TRUE(d().waitGone("user"));
  auto rmi = d().peapod({"rmi", image});
  ASSERT_EQ(rmi.exitCode, 0) << rmi.err << rmi.out;
  EXPECT_NE(d().peapod({"image", "inspect", image}).exitCode, 0);

  // Both archives import back to the same image id.
  for (std::string tar : {"img-oci.tar", "img-docker.tar"}) {
    auto imp = d().peapod({"image", "import", (out / tar).string()});
    ASSERT_EQ(imp.exitCode, 0) << tar << ": " << imp.err;
    auto again = d().peapod({"image", "inspect", image});
    ASSERT_EQ(again.exitCode, 0) << tar << ": " << again.err;
    EXPECT_EQ(nlohmann::json::parse(again.out)["id"], id) << tar;
    ASSERT_EQ(d().peapod({"rmi", image}).exitCode, 0);
  }
  // Prune now removes an unused pulled image.
  ASSERT_EQ(d().peapod({"pull", image}).exitCode, 0);
  auto pruned = d().peapod({"image", "prune"});
  ASSERT_EQ(pruned.exitCode, 0) << pruned.err;
  EXPECT_NE(pruned.out.find("deleted: " + image), std::string::npos) << pruned.out;
}

// The kubelet checks the image before every container start: with Always a restart asks the
// registry again, and a tag moved to new content runs the new image.
TEST_F(PullE2E, AlwaysRepullsOnRestartAndRunsTheNewDigest) {
  TempDir layouts("peapod-layout");
  ASSERT_EQ(reg().push(distinctBusybox(layouts / "one", "one"), "latest", "e2e/moving:v1"), "");
  std::string image = reg().host() + "/e2e/moving:v1";
  ASSERT_EQ(d().apply("apiVersion: v1\nkind: Pod\nmetadata: {name: moving}\nspec:\n  containers:\n  - name: main\n"
                      "    image: " + image + "\n    imagePullPolicy: Always\n"
                      "    command: [sh, -c, 'sleep 1; exit 1']\n").exitCode, 0);
  ASSERT_TRUE(d().waitPod("moving", [](const nlohmann::json& p) { return !imageIdOf(p).empty(); }, seconds(60)))
      << d().pod("moving").dump(2);
  std::string first = imageIdOf(d().pod("moving"));
  ASSERT_EQ(reg().push(distinctBusybox(layouts / "two", "two"), "latest", "e2e/moving:v1"), "");
  ASSERT_TRUE(d().waitPod("moving", [&](const nlohmann::json& p) {
    auto id = imageIdOf(p);
    return !id.empty() && id != first;
  }, seconds(60))) << first << "\n" << d().pod("moving").dump(2);
  auto pod = d().pod("moving");
  EXPECT_GE(pod["status"]["containerStatuses"][0].value("restartCount", 0), 1);
  auto inspect = d().peapod({"image", "inspect", image});
  ASSERT_EQ(inspect.exitCode, 0) << inspect.err;
  std::string digest = nlohmann::json::parse(inspect.out)["digest"];
  EXPECT_EQ(imageIdOf(pod), reg().host() + "/e2e/moving@" + digest);
  auto describe = d().peapod({"describe", "pod", "moving"});
  size_t pulls = 0;
  for (size_t at = 0; (at = describe.out.find("Successfully pulled image", at)) != std::string::npos; ++at) ++pulls;
  EXPECT_GE(pulls, 2u) << describe.out;
  // Every start pulled: none says the image was already there.
  EXPECT_EQ(describe.out.find("already present on machine"), std::string::npos) << describe.out;
  remove("moving");
  ASSERT_TRUE(d().waitGone("moving"));
}

// A pull stuck on a slow registry holds up neither an import nor the pull of another image.
TEST_F(PullE2E, ASlowPullBlocksNeitherImportsNorOtherPulls) {
  TempDir layouts("peapod-layout");
  fs::path slowLayout = distinctBusybox(layouts / "slow", "slow");
  std::mutex mu;
  std::condition_variable cv;
  bool blobAsked = false, released = false;
  auto serve = layoutRegistryHandler(slowLayout);
  MiniHttpServer slow([&](const MiniHttpServer::Request& req) {
    if (req.target.find("/blobs/") != std::string::npos) {
      std::unique_lock lock(mu);
      blobAsked = true;
      cv.notify_all();
      cv.wait_for(lock, seconds(60), [&] { return released; });
    }
    return serve(req);
  });
  auto release = [&] {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  };
  std::string slowRef = "127.0.0.1:" + std::to_string(slow.port()) + "/e2e/slow:latest";
  std::atomic<bool> slowDone{false};
  CommandResult slowResult;
  std::thread puller([&] {
    slowResult = d().peapod({"pull", "-q", slowRef});
    slowDone = true;
  });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, seconds(30), [&] { return blobAsked; })) << "the slow pull never asked for a blob";
  }
  auto imported = d().peapod({"image", "import", busyboxImageDir().string(), "--tag", "e2e/imported:while-pulling"});
  bool importFirst = !slowDone;
  std::string other = pushBusybox("e2e/other:v1");
  auto pulled = d().peapod({"pull", "-q", other});
  bool pullFirst = !slowDone;
  release();
  puller.join();
  EXPECT_EQ(imported.exitCode, 0) << imported.err;
  EXPECT_TRUE(importFirst) << "the import waited for the slow pull";
  EXPECT_EQ(pulled.exitCode, 0) << pulled.err;
  EXPECT_TRUE(pullFirst) << "the other pull waited for the slow pull";
  EXPECT_EQ(slowResult.exitCode, 0) << slowResult.err;
  for (std::string ref : {slowRef, other, std::string("e2e/imported:while-pulling")})
    EXPECT_EQ(d().peapod({"rmi", ref}).exitCode, 0) << ref;
}

// `peapod pull`: per-layer lines redrawn in place on a terminal, plain lines otherwise.
TEST_F(PullE2E, PullDrawsProgressOnATerminalAndPlainLinesOtherwise) {
  TempDir layouts("peapod-layout");
  ASSERT_EQ(reg().push(distinctBusybox(layouts / "tty", "tty"), "latest", "e2e/progress:tty"), "");
  ASSERT_EQ(reg().push(distinctBusybox(layouts / "plain", "plain"), "latest", "e2e/progress:plain"), "");
  std::string ttyRef = reg().host() + "/e2e/progress:tty", plainRef = reg().host() + "/e2e/progress:plain";
  std::string tty = runOnTerminal({(fs::path(PEAPOD_BUILD_DIR) / "bin" / "peapod").string(), "--server", d().server(), "pull", ttyRef});
  EXPECT_NE(tty.find("\x1b[2K"), std::string::npos) << tty;  // erase-line: rows redrawn in place
  EXPECT_NE(tty.find("Digest: sha256:"), std::string::npos) << tty;
  auto plain = d().peapod({"pull", plainRef});
  ASSERT_EQ(plain.exitCode, 0) << plain.err;
  EXPECT_EQ(plain.out.find('\x1b'), std::string::npos) << plain.out;
  // One line per layer state: "<12 hex>: Already exists" (busybox's layer is in the store).
  EXPECT_NE(plain.out.find(": Already exists"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("Digest: sha256:"), std::string::npos) << plain.out;
  for (const auto& ref : {ttyRef, plainRef}) EXPECT_EQ(d().peapod({"rmi", ref}).exitCode, 0) << ref;
}

}  // namespace
}  // namespace peapod::testing
