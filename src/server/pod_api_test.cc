#include "server/pod_api.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "server/router.h"

namespace peapod::server {
namespace {

namespace fs = std::filesystem;

class PodApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("peapod-podapi-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    store_ = std::move(*store::ObjectStore::open(dir_ / "db"));
    api_ = std::make_unique<PodApi>(*store_, "node1", dir_ / "logs");
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  Response create(const nlohmann::json& pod) {
    Request req;
    req.body = pod.dump();
    return api_->create(req, "default");
  }
  static nlohmann::json pod(const std::string& name, int containers = 1) {
    nlohmann::json p = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", name}, {"labels", {{"app", name}}}}}};
    for (int i = 0; i < containers; ++i) p["spec"]["containers"].push_back({{"name", "c" + std::to_string(i)}, {"image", "busybox"}});
    return p;
  }
  static nlohmann::json body(const Response& r) { return nlohmann::json::parse(r.body); }

  fs::path dir_;
  std::unique_ptr<store::ObjectStore> store_;
  std::unique_ptr<PodApi> api_;
};

TEST_F(PodApiTest, CreateFillsIdentityNodeAndDefaults) {
  auto r = create(pod("web"));
  ASSERT_EQ(r.status, 201) << r.body;
  auto p = body(r);
  EXPECT_EQ(p["metadata"]["namespace"], "default");
  EXPECT_EQ(p["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(p["metadata"]["creationTimestamp"].is_null());
  EXPECT_EQ(p["spec"]["nodeName"], "node1");
  EXPECT_EQ(p["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(p["spec"]["containers"][0]["imagePullPolicy"], "Always");  // no tag means :latest
  EXPECT_EQ(p["status"]["phase"], "Pending");
}

TEST_F(PodApiTest, CreateTwiceIsAlreadyExists) {
  ASSERT_EQ(create(pod("web")).status, 201);
  auto r = create(pod("web"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(body(r)["reason"], "AlreadyExists");
  EXPECT_EQ(body(r)["message"], "pods \"web\" already exists");
}

TEST_F(PodApiTest, InvalidPodIs422WithCauses) {
  auto p = pod("web", 2);
  p["spec"]["containers"][1]["name"] = "c0";
  auto r = create(p);
  ASSERT_EQ(r.status, 422);
  auto s = body(r);
  EXPECT_EQ(s["reason"], "Invalid");
  EXPECT_EQ(s["message"], "Pod \"web\" is invalid: spec.containers[1].name: Duplicate value: \"c0\"");
  EXPECT_EQ(s["details"]["causes"][0]["field"], "spec.containers[1].name");
  EXPECT_EQ(store_->list("pods", "").size(), 0u);
}

TEST_F(PodApiTest, UnknownFieldAndNamespaceMismatchAreBadRequests) {
  auto p = pod("web");
  p["spec"]["containers"][0]["imagePullPolice"] = "Always";
  auto r = create(p);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(body(r)["message"].get<std::string>().find("unknown field \"spec.containers[0].imagePullPolice\""),
            std::string::npos);
  p = pod("web");
  p["metadata"]["namespace"] = "other";
  EXPECT_EQ(create(p).status, 400);
}

TEST_F(PodApiTest, ListFiltersByLabelAndField) {
  ASSERT_EQ(create(pod("a")).status, 201);
  ASSERT_EQ(create(pod("b")).status, 201);
  Request req;
  req.query["labelSelector"] = "app=b";
  EXPECT_EQ(body(api_->list(req, "default"))["items"].size(), 1u);
  req.query = {{"fieldSelector", "metadata.name!=a"}};
  auto items = body(api_->list(req, ""))["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["metadata"]["name"], "b");
}

TEST_F(PodApiTest, DeleteIsGracefulUnlessGraceIsZero) {
  ASSERT_EQ(create(pod("web")).status, 201);
  Request req;
  req.body = R"({"gracePeriodSeconds": 5})";
  auto r = api_->remove(req, "default", "web");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body(r)["metadata"]["deletionGracePeriodSeconds"], 5);
  EXPECT_TRUE(body(r)["metadata"].contains("deletionTimestamp"));
  EXPECT_TRUE(store_->get({"pods", "default", "web"}).ok());  // the node finishes the deletion
  req.body = R"({"gracePeriodSeconds": 0})";
  EXPECT_EQ(api_->remove(req, "default", "web").status, 200);
  EXPECT_FALSE(store_->get({"pods", "default", "web"}).ok());
  EXPECT_EQ(api_->remove(req, "default", "web").status, 404);
}

TEST_F(PodApiTest, LogNeedsAContainerNameWhenThereAreSeveral) {
  ASSERT_EQ(create(pod("web", 2)).status, 201);
  Request req;
  auto r = api_->log(req, "default", "web");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body(r)["message"], "a container name must be specified for pod web, choose one of: [c0 c1]");
  req.query["container"] = "nope";
  EXPECT_EQ(body(api_->log(req, "default", "web"))["message"], "container nope is not valid for pod web");
  req.query["container"] = "c0";
  EXPECT_EQ(body(api_->log(req, "default", "web"))["message"],
            "container \"c0\" in pod \"web\" is waiting to start: ContainerCreating");
}

TEST_F(PodApiTest, LogReadsTheCriFileWithTail) {
  auto created = body(create(pod("web")));
  std::string uid = created["metadata"]["uid"];
  created["status"]["containerStatuses"] = {{{"name", "c0"}, {"state", {{"running", {{"startedAt", "2026-01-01T00:00:00Z"}}}}},
                                             {"ready", true}, {"restartCount", 0}, {"image", "busybox"}, {"imageID", ""}}};
  ASSERT_TRUE(store_->update({"pods", "default", "web"}, created).ok());
  fs::path file = dir_ / "logs" / ("default_web_" + uid) / "c0" / "0.log";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "2026-01-01T00:00:00.1Z stdout F one\n2026-01-01T00:00:00.2Z stdout F two\n"
                         "2026-01-01T00:00:00.3Z stderr F three\n";
  Request req;
  EXPECT_EQ(api_->log(req, "default", "web").body, "one\ntwo\nthree\n");
  req.query["tailLines"] = "2";
  EXPECT_EQ(api_->log(req, "default", "web").body, "two\nthree\n");
  req.query["previous"] = "true";
  EXPECT_EQ(api_->log(req, "default", "web").status, 400);
}

TEST(ResourcePath, ParsesNamespacedAndClusterPaths) {
  auto p = parseResourcePath("/api/v1/namespaces/default/pods/web/log");
  EXPECT_TRUE(p.valid);
  EXPECT_EQ(p.ns, "default");
  EXPECT_EQ(p.resource, "pods");
  EXPECT_EQ(p.name, "web");
  EXPECT_EQ(p.subresource, "log");
  auto all = parseResourcePath("/api/v1/pods");
  EXPECT_TRUE(all.valid);
  EXPECT_EQ(all.ns, "");
  EXPECT_FALSE(parseResourcePath("/api/v2/pods").valid);
  EXPECT_FALSE(parseResourcePath("/api/v1/namespaces/a/pods/b/log/extra").valid);
}

}  // namespace
}  // namespace peapod::server
