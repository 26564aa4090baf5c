// End to end: pods whose images live only in a loopback docker-registry, imagePullPolicy
// behaviours, ErrImagePull -> ImagePullBackOff, and the image CLI (pull, rmi, inspect, export,
// import, prune) against the real daemon.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "image/digest.h"

#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"
#include "testing/registry_fixture.h"

namespace peapod::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

std::string sha256Hex(const std::string& data) { return image::sha256Digest(data).substr(7); }

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

}  // namespace
}  // namespace peapod::testing
