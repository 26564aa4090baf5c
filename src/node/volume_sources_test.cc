// Unit tests for the ConfigMap/Secret consumers: env sources, volume payloads, the atomic writer.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "node/env.h"
#include "node/projected_files.h"
#include "node/volume_payload.h"

namespace peapod::node {
namespace {

namespace fs = std::filesystem;

api::Pod pod() {
  api::Pod p;
  p.metadata.name = "web";
  p.metadata.namespace_ = "prod";
  p.metadata.labels = {{"app", "web"}, {"tier", "front"}};
  p.metadata.annotations = {{"note", "say \"hi\"\n"}};
  return p;
}

struct Objects {
  MapObjectSource source;
  NodeFacts facts;
  Objects() {
    source.configMaps["prod/cfg"] = {{"LEVEL", "debug"}, {"MODE", "fast"}, {"bad=key", "x"}};
    source.secrets["prod/sec"] = {{"password", "s3cr3t"}};
    facts.objects = &source;
  }
};

std::string envOf(const std::vector<std::string>& env, const std::string& name) {
  for (auto it = env.rbegin(); it != env.rend(); ++it) {
    if (it->rfind(name + "=", 0) == 0) return it->substr(name.size() + 1);
  }
  return "<unset>";
}

TEST(KubeletEnv, EnvFromAndKeyRefs) {
  Objects o;
  api::Container c;
  c.envFrom.push_back({"CFG_", api::ConfigMapEnvSource{"cfg", std::nullopt}, std::nullopt});
  c.envFrom.push_back({"", std::nullopt, api::SecretEnvSource{"absent", true}});
  c.env.push_back({"PASS", "", api::EnvVarSource{{}, {}, {}, api::SecretKeySelector{"sec", "password", {}}}});
  c.env.push_back({"OPT", "", api::EnvVarSource{{}, {}, api::ConfigMapKeySelector{"cfg", "nope", true}, {}}});
  c.env.push_back({"BOTH", "$(CFG_LEVEL)-$(PASS)", {}});
  auto env = kubeletEnv(pod(), c, o.facts);
  ASSERT_TRUE(env.ok()) << env.error().message();
  EXPECT_EQ(envOf(*env, "CFG_LEVEL"), "debug");
  EXPECT_EQ(envOf(*env, "CFG_MODE"), "fast");
  EXPECT_EQ(envOf(*env, "CFG_bad"), "<unset>");  // "CFG_bad=key" is no variable name
  EXPECT_EQ(envOf(*env, "PASS"), "s3cr3t");
  EXPECT_EQ(envOf(*env, "OPT"), "<unset>");
  EXPECT_EQ(envOf(*env, "BOTH"), "debug-s3cr3t");
}

TEST(KubeletEnv, MissingObjectsAndKeysFailLikeTheKubelet) {
  Objects o;
  api::Container c;
  c.env.push_back({"X", "", api::EnvVarSource{{}, {}, api::ConfigMapKeySelector{"missing", "k", {}}, {}}});
  EXPECT_EQ(kubeletEnv(pod(), c, o.facts).error().message(), "configmap \"missing\" not found");
  c.env[0].valueFrom->configMapKeyRef->name = "cfg";
  EXPECT_EQ(kubeletEnv(pod(), c, o.facts).error().message(), "couldn't find key k in ConfigMap prod/cfg");
  c.env[0].valueFrom = api::EnvVarSource{{}, {}, {}, api::SecretKeySelector{"sec", "k", {}}};
  EXPECT_EQ(kubeletEnv(pod(), c, o.facts).error().message(), "couldn't find key k in Secret prod/sec");
  api::Container from;
  from.envFrom.push_back({"", std::nullopt, api::SecretEnvSource{"nosecret", std::nullopt}});
  EXPECT_EQ(kubeletEnv(pod(), from, o.facts).error().message(), "secret \"nosecret\" not found");
}

TEST(VolumePayload, ConfigMapItemsAndModes) {
  Objects o;
  api::Volume v;
  v.name = "cfg";
  v.configMap = api::ConfigMapVolumeSource{"cfg", {{"LEVEL", "conf/level", 0600}, {"MODE", "mode", {}}}, 0440, {}};
  auto p = volumePayload(pod(), v, o.facts);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(*p, (Payload{{"conf/level", {"debug", 0600}}, {"mode", {"fast", 0440}}}));
  v.configMap->items.push_back({"absent", "a", {}});
  EXPECT_EQ(volumePayload(pod(), v, o.facts).error().message(), "configmap references non-existent config key: absent");
  v.configMap->optional = true;
  EXPECT_TRUE(volumePayload(pod(), v, o.facts).ok());
  v.configMap->name = "gone";
  EXPECT_TRUE(volumePayload(pod(), v, o.facts)->empty());  // optional and missing: an empty volume
  v.configMap->optional = false;
  EXPECT_EQ(volumePayload(pod(), v, o.facts).error().message(), "configmap \"gone\" not found");
}

TEST(VolumePayload, DownwardAPIAndProjected) {
  Objects o;
  api::Volume v;
  v.name = "info";
  api::DownwardAPIVolumeSource d;
  d.defaultMode = 0644;
  d.items.push_back({"labels", api::ObjectFieldSelector{"v1", "metadata.labels"}, {}, {}});
  d.items.push_back({"annotations", api::ObjectFieldSelector{"v1", "metadata.annotations"}, {}, {}});
  d.items.push_back({"name", api::ObjectFieldSelector{"v1", "metadata.name"}, {}, 0400});
  v.downwardAPI = d;
  auto p = volumePayload(pod(), v, o.facts);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ((*p)["labels"].data, "app=\"web\"\ntier=\"front\"");
  EXPECT_EQ((*p)["annotations"].data, "note=\"say \\\"hi\\\"\\n\"");
  EXPECT_EQ((*p)["name"], (FileProjection{"web", 0400}));
  EXPECT_TRUE(usesPodMetadata(v));

  api::Volume proj;
  proj.name = "all";
  proj.projected = api::ProjectedVolumeSource{};
  proj.projected->defaultMode = 0600;
  api::VolumeProjection cm, sec, down;
  cm.configMap = api::ConfigMapProjection{"cfg", {{"LEVEL", "level", {}}}, {}};
  sec.secret = api::SecretProjection{"sec", {}, {}};
  down.downwardAPI = api::DownwardAPIProjection{{{"ns", api::ObjectFieldSelector{"v1", "metadata.namespace"}, {}, {}}}};
  proj.projected->sources = {cm, sec, down};
  p = volumePayload(pod(), proj, o.facts);
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(*p, (Payload{{"level", {"debug", 0600}}, {"password", {"s3cr3t", 0600}}, {"ns", {"prod", 0600}}}));
}

class AtomicWriter : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("peapod-atomic-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string read(const std::string& rel) {
    std::ifstream in(dir_ / rel);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path dir_;
};

TEST_F(AtomicWriter, UserPathsGoThroughDataLinkAndUpdatesSwapIt) {
  auto w = writeAtomic(dir_, {{"a", {"one", 0640}}, {"sub/b", {"two", 0600}}});
  ASSERT_TRUE(w.ok()) << w.error().message();
  EXPECT_TRUE(*w);
  EXPECT_TRUE(fs::is_symlink(dir_ / "..data"));
  EXPECT_EQ(fs::read_symlink(dir_ / "a"), "..data/a");
  EXPECT_EQ(fs::read_symlink(dir_ / "sub"), "..data/sub");
  EXPECT_EQ(read("a"), "one");
  EXPECT_EQ(read("sub/b"), "two");
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  std::string first = fs::read_symlink(dir_ / "..data");

  EXPECT_FALSE(*writeAtomic(dir_, {{"a", {"one", 0640}}, {"sub/b", {"two", 0600}}}));  // unchanged
  EXPECT_EQ(fs::read_symlink(dir_ / "..data").string(), first);

  ASSERT_TRUE(*writeAtomic(dir_, {{"a", {"uno", 0640}}, {"c", {"three", 0644}}}));
  EXPECT_EQ(read("a"), "uno");
  EXPECT_EQ(read("c"), "three");
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir_ / "sub")));  // gone with its key
  EXPECT_FALSE(fs::exists(dir_ / first));                      // the old payload dir too
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 4);  // ..data, the payload dir, a, c
}

TEST_F(AtomicWriter, RefusesEscapingPaths) {
  EXPECT_FALSE(writeAtomic(dir_, {{"../x", {"", 0644}}}).ok());
  EXPECT_FALSE(writeAtomic(dir_, {{"/abs", {"", 0644}}}).ok());
  EXPECT_FALSE(writeAtomic(dir_, {{"..data", {"", 0644}}}).ok());
  EXPECT_FALSE(writeAtomic(dir_, {{"a/../../x", {"", 0644}}}).ok());
}

}  // namespace
}  // namespace peapod::node
