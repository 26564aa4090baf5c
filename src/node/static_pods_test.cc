#include "node/static_pods.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace peapod::node {
namespace {

namespace fs = std::filesystem;

constexpr const char* kManifest = R"(
metadata: {name: web}
spec:
  containers: [{name: main, image: busybox, command: [sleep, '3600']}]
)";

TEST(StaticPodsFromManifest, NamedAfterTheNodeWithContentUid) {
  auto pods = staticPodsFromManifest(kManifest, "node1");
  ASSERT_TRUE(pods.ok()) << pods.error().message();
  ASSERT_EQ(pods->size(), 1u);
  const auto& p = (*pods)[0];
  EXPECT_EQ(p.metadata.name, "web-node1");
  EXPECT_EQ(p.metadata.namespace_, "default");
  EXPECT_EQ(p.spec.nodeName, "node1");
  EXPECT_EQ(p.spec.restartPolicy, "Always");  // defaulted
  EXPECT_EQ(p.metadata.uid.size(), 36u);
  EXPECT_TRUE(isMirrorPod(p));
  EXPECT_EQ(p.metadata.annotations.at(kConfigSourceAnnotation), "file");
  // Same content, same uid; other content or node, another uid.
  EXPECT_EQ((*staticPodsFromManifest(kManifest, "node1"))[0].metadata.uid, p.metadata.uid);
  EXPECT_NE((*staticPodsFromManifest(kManifest, "node2"))[0].metadata.uid, p.metadata.uid);
  std::string edited = std::string(kManifest) + "  restartPolicy: Never\n";
  EXPECT_NE((*staticPodsFromManifest(edited, "node1"))[0].metadata.uid, p.metadata.uid);
}

TEST(StaticPodsFromManifest, InvalidPodsAreErrors) {
  auto pods = staticPodsFromManifest("metadata: {name: x}\nspec: {containers: [{name: a}]}\n", "n");
  ASSERT_FALSE(pods.ok());
  EXPECT_NE(pods.error().message().find("spec.containers[0].image: Required value"), std::string::npos)
      << pods.error().message();
}

class StaticPodSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("peapod-static-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  // Runs the loop until the source has handled the pending inotify events.
  void settle() {
    for (int i = 0; i < 50 && io_.poll() > 0;) ++i;
    io_.run_for(std::chrono::milliseconds(20));
    io_.restart();
  }
  fs::path dir_;
  asio::io_context io_;
};

TEST_F(StaticPodSourceTest, AddEditRemoveAndBrokenFiles) {
  std::vector<std::string> added, removed, invalid;
  StaticPodSource src(io_, dir_, "n1",
                      {[&](const api::Pod& p) { added.push_back(p.metadata.name); },
                       [&](const api::Pod& p) { removed.push_back(p.metadata.name); },
                       [&](const std::string& f, const std::string&) { invalid.push_back(f); }});
  write("web.yaml", kManifest);
  ASSERT_TRUE(src.start().ok());
  EXPECT_EQ(added, std::vector<std::string>{"web-n1"});

  write("web.yaml", std::string(kManifest) + "  restartPolicy: Never\n");  // edit: recreate
  settle();
  EXPECT_EQ(removed, std::vector<std::string>{"web-n1"});
  EXPECT_EQ(added.size(), 2u);

  write("web.yaml", "metadata: {name: web\n");  // broken: the pod keeps running
  settle();
  EXPECT_EQ(invalid.size(), 1u);
  EXPECT_EQ(removed.size(), 1u);
  EXPECT_EQ(src.pods().size(), 1u);

  write(".hidden.yaml", "not: [a pod");  // dot-files are ignored
  fs::remove(dir_ / "web.yaml");
  settle();
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_TRUE(src.pods().empty());
  EXPECT_EQ(invalid.size(), 1u);
}

}  // namespace
}  // namespace peapod::node
