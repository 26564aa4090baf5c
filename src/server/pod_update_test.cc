// Unit tests for PUT/PATCH/status, fieldValidation, Tables and watches over a real store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "server/pod_api.h"
#include "server/table.h"
#include "server/watch.h"

namespace peapod::server {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class PodUpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("peapod-podupdate-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    store_ = std::move(*store::ObjectStore::open(dir_ / "db"));
    api_ = std::make_unique<PodApi>(*store_, "node1", dir_ / "logs");
    Request req;
    req.body = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"1"}},
                   "spec":{"containers":[{"name":"app","image":"busybox"}]}})";
    ASSERT_EQ(api_->create(req, "default").status, 201);
  }
  void TearDown() override {
    api_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  json stored() { return *store_->get({"pods", "default", "p"}); }
  static Request patchReq(const std::string& type, const std::string& body) {
    Request r;
    r.headers["content-type"] = "application/" + type;
    r.body = body;
    return r;
  }

  fs::path dir_;
  std::unique_ptr<store::ObjectStore> store_;
  std::unique_ptr<PodApi> api_;
};

TEST_F(PodUpdateTest, PutWithAStaleResourceVersionIsAConflict) {
  json pod = stored();
  pod["metadata"]["labels"]["b"] = "2";
  Request req;
  req.body = pod.dump();
  auto ok = api_->update(req, "default", "p", false);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["metadata"]["labels"]["b"], "2");
  auto again = api_->update(req, "default", "p", false);  // the same, now old, resourceVersion
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(json::parse(again.body)["reason"], "Conflict");
  EXPECT_NE(again.body.find("Operation cannot be fulfilled on pods \\\"p\\\""), std::string::npos) << again.body;
}

TEST_F(PodUpdateTest, PatchesChangeAllowedFieldsAndRefuseOthers) {
  auto r = api_->patch(patchReq("strategic-merge-patch+json",
                                R"({"spec":{"$setElementOrder/containers":[{"name":"app"}],"containers":[{"name":"app","image":"busybox:2"}]}})"),
                       "default", "p", false);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(stored()["spec"]["containers"][0]["image"], "busybox:2");
  EXPECT_EQ(stored()["spec"]["containers"][0]["imagePullPolicy"], "Always");  // defaulted at create, kept
  r = api_->patch(patchReq("merge-patch+json", R"({"spec":{"restartPolicy":"Never"}})"), "default", "p", false);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("Pod \\\"p\\\" is invalid"), std::string::npos) << r.body;
  r = api_->patch(patchReq("json-patch+json", R"([{"op":"add","path":"/metadata/labels/c","value":"3"}])"), "default",
                  "p", false);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(stored()["metadata"]["labels"]["c"], "3");
  r = api_->patch(patchReq("merge-patch+json", R"({"status":{"phase":"Running"}})"), "default", "p", true);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(stored()["status"]["phase"], "Running");
}

TEST_F(PodUpdateTest, ServerSideApplyCreatesAMissingPod) {
  Request req = patchReq("apply-patch+yaml", R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"q"},
    "spec":{"containers":[{"name":"app","image":"busybox"}]}})");
  auto r = api_->patch(req, "default", "q", false);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(store_->get({"pods", "default", "q"}).ok());
}

TEST_F(PodUpdateTest, FieldValidationIgnoreDropsUnknownFields) {
  Request req;
  req.body = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"u"},"bogus":1,
                 "spec":{"containers":[{"name":"app","image":"busybox","foo":"bar"}]}})";
  EXPECT_EQ(api_->create(req, "default").status, 400);
  req.query["fieldValidation"] = "Strict";
  EXPECT_EQ(api_->create(req, "default").status, 400);
  req.query["fieldValidation"] = "Ignore";
  auto r = api_->create(req, "default");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(json::parse(r.body)["spec"]["containers"][0].contains("foo"));
}

TEST_F(PodUpdateTest, TablesCarryKubectlsColumns) {
  Request req;
  req.headers["accept"] = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
  auto r = api_->list(req, "default");
  ASSERT_EQ(r.status, 200);
  auto t = json::parse(r.body);
  EXPECT_EQ(t["kind"], "Table");
  ASSERT_EQ(t["columnDefinitions"].size(), 9u);
  EXPECT_EQ(t["columnDefinitions"][7]["name"], "Nominated Node");
  EXPECT_EQ(t["columnDefinitions"][5]["priority"], 1);
  ASSERT_EQ(t["rows"].size(), 1u);
  EXPECT_EQ(t["rows"][0]["cells"][0], "p");
  EXPECT_EQ(t["rows"][0]["cells"][1], "0/1");
  EXPECT_EQ(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
}

// A ResponseStream that records what a watch writes.
struct Recorder : ResponseStream {
  std::string text;
  asio::awaitable<bool> write(const std::string& data) override {
    text += data;
    co_return true;
  }
  bool clientGone() override { return false; }
};

std::vector<json> runWatch(asio::io_context& io, WatchHub& hub, Request req) {
  auto resp = hub.watch(req, "pods", "default");
  EXPECT_TRUE(resp.stream) << resp.body;
  Recorder rec;
  if (resp.stream) {
    asio::co_spawn(io, resp.stream(rec), asio::detached);
    io.restart();
    io.run();
  }
  std::vector<json> events;
  std::stringstream in(rec.text);
  for (std::string line; std::getline(in, line);) events.push_back(json::parse(line));
  return events;
}

TEST_F(PodUpdateTest, WatchReplaysOnlyWhatCameAfterTheVersion) {
  asio::io_context io;
  WatchHub hub(io, *store_, 3);
  std::string rv = stored()["metadata"]["resourceVersion"];
  json pod = stored();
  pod["metadata"]["labels"]["b"] = "2";
  ASSERT_TRUE(store_->update({"pods", "default", "p"}, pod).ok());
  Request req;
  req.query = {{"watch", "true"}, {"resourceVersion", rv}, {"timeoutSeconds", "0"}};
  auto events = runWatch(io, hub, req);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "MODIFIED");
  EXPECT_EQ(events[0]["object"]["metadata"]["labels"]["b"], "2");

  // WatchList: the current objects, then the bookmark that ends them.
  req.query = {{"watch", "true"}, {"sendInitialEvents", "true"}, {"allowWatchBookmarks", "true"},
               {"timeoutSeconds", "0"}};
  events = runWatch(io, hub, req);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "BOOKMARK");
  EXPECT_EQ(events[1]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");

  // Older than the history: 410 Expired.
  for (int i = 0; i < 4; ++i) {
    pod = stored();
    pod["metadata"]["labels"]["n"] = std::to_string(i);
    ASSERT_TRUE(store_->update({"pods", "default", "p"}, pod).ok());
  }
  req.query = {{"watch", "true"}, {"resourceVersion", rv}};
  auto gone = hub.watch(req, "pods", "default");
  EXPECT_EQ(gone.status, 410);
  EXPECT_NE(gone.body.find("Expired"), std::string::npos);
}

}  // namespace
}  // namespace peapod::server
