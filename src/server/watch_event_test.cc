#include "server/watch_event.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <sstream>

#include "server/watch.h"

namespace peapod::server {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json pod(const std::string& name, const std::string& app, const std::string& rv = "1") {
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", app}}}, {"resourceVersion", rv}}}};
}

bool isWeb(const json& o) { return o["metadata"]["labels"].value("app", "") == "web"; }

TEST(FilterEventTest, ModifiedByMatchBeforeAndAfter) {
  using T = store::EventType;
  auto both = filterEvent(T::kModified, pod("a", "web", "5"), pod("a", "web", "4"), 5, isWeb);
  ASSERT_TRUE(both);
  EXPECT_STREQ(both->type, "MODIFIED");
  // Starts matching: ADDED with the new object.
  auto starts = filterEvent(T::kModified, pod("a", "web", "5"), pod("a", "db", "4"), 5, isWeb);
  ASSERT_TRUE(starts);
  EXPECT_STREQ(starts->type, "ADDED");
  EXPECT_EQ(starts->object["metadata"]["labels"]["app"], "web");
  // Stops matching: DELETED with the old object at the change's resourceVersion.
  auto stops = filterEvent(T::kModified, pod("a", "db", "5"), pod("a", "web", "4"), 5, isWeb);
  ASSERT_TRUE(stops);
  EXPECT_STREQ(stops->type, "DELETED");
  EXPECT_EQ(stops->object["metadata"]["labels"]["app"], "web");
  EXPECT_EQ(stops->object["metadata"]["resourceVersion"], "5");
  EXPECT_FALSE(filterEvent(T::kModified, pod("a", "db", "5"), pod("a", "db", "4"), 5, isWeb));
  // Unknown previous state: the new object decides.
  auto unknown = filterEvent(T::kModified, pod("a", "web", "5"), nullptr, 5, isWeb);
  ASSERT_TRUE(unknown);
  EXPECT_STREQ(unknown->type, "MODIFIED");
}

TEST(FilterEventTest, AddedAndDeletedFollowTheObject) {
  using T = store::EventType;
  EXPECT_STREQ(filterEvent(T::kAdded, pod("a", "web"), nullptr, 1, isWeb)->type, "ADDED");
  EXPECT_FALSE(filterEvent(T::kAdded, pod("a", "db"), nullptr, 1, isWeb));
  EXPECT_STREQ(filterEvent(T::kDeleted, pod("a", "web"), nullptr, 2, isWeb)->type, "DELETED");
  EXPECT_FALSE(filterEvent(T::kDeleted, pod("a", "db"), nullptr, 2, isWeb));
}

TEST(ObjectKeyTest, NamespacedAndClusterScoped) {
  EXPECT_EQ(objectKey(pod("a", "web")), "default/a");
  EXPECT_EQ(objectKey(json{{"metadata", {{"name", "kube-system"}}}}), "kube-system");
  EXPECT_EQ(objectKey(json::object()), "");
}

// Collects what a watch writes.
class CaptureStream : public ResponseStream {
 public:
  asio::awaitable<bool> write(const std::string& data) override {
    text += data;
    co_return true;
  }
  bool clientGone() override { return false; }
  std::string text;
};

class WatchHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("peapod-watchhub-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    store_ = std::move(*store::ObjectStore::open(dir_ / "db"));
    hub_ = std::make_unique<WatchHub>(io_, *store_);
  }
  void TearDown() override {
    hub_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  void put(const std::string& name, const std::string& app) {
    store::Key key{"pods", "default", name};
    json o = pod(name, app);
    o["metadata"].erase("resourceVersion");
    if (store_->get(key).ok()) {
      ASSERT_TRUE(store_->update(key, o).ok());
    } else {
      ASSERT_TRUE(store_->create(key, o).ok());
    }
  }
  // The events of a watch from `rv` with `query` that ends at once (timeoutSeconds=0): what
  // happened after rv, as "TYPE name app" lines.
  std::vector<std::string> watchFrom(int64_t rv, const std::string& query) {
    Request req;
    req.query = parseQuery(query + "&resourceVersion=" + std::to_string(rv) + "&timeoutSeconds=0");
    Response r = hub_->watch(req, "pods", "default");
    EXPECT_TRUE(r.stream) << r.body;
    if (!r.stream) return {};
    CaptureStream out;
    asio::co_spawn(io_, r.stream(out), asio::detached);
    io_.run();
    io_.restart();
    std::vector<std::string> events;
    std::istringstream lines(out.text);
    for (std::string line; std::getline(lines, line);) {
      json e = json::parse(line);
      events.push_back(e["type"].get<std::string>() + " " + e["object"]["metadata"].value("name", "") + " " +
                       e["object"]["metadata"]["labels"].value("app", ""));
    }
    return events;
  }

  asio::io_context io_;
  fs::path dir_;
  std::unique_ptr<store::ObjectStore> store_;
  std::unique_ptr<WatchHub> hub_;
};

TEST_F(WatchHubTest, SelectorWatchSeesObjectsLeaveAndEnterTheSelection) {
  put("a", "web");
  put("b", "db");
  int64_t rv = store_->revision();
  put("a", "db");   // leaves app=web
  put("b", "web");  // enters app=web
  put("b", "web");  // stays
  put("c", "db");   // never matches
  EXPECT_EQ(watchFrom(rv, "labelSelector=app%3Dweb"),
            (std::vector<std::string>{"DELETED a web", "ADDED b web", "MODIFIED b web"}));
  EXPECT_EQ(watchFrom(rv, "labelSelector=app%21%3Dweb"),
            (std::vector<std::string>{"ADDED a db", "DELETED b db", "ADDED c db"}));
  EXPECT_EQ(watchFrom(rv, "").size(), 4u);
}

TEST_F(WatchHubTest, ListAtRebuildsAnOlderRevision) {
  put("a", "web");
  put("b", "web");
  int64_t rv = store_->revision();
  put("a", "db");
  ASSERT_TRUE(store_->remove({"pods", "default", "b"}).ok());
  put("c", "web");
  auto then = hub_->listAt("pods", "default", rv);
  ASSERT_TRUE(then);
  ASSERT_EQ(then->size(), 2u);
  EXPECT_EQ((*then)[0]["metadata"]["labels"]["app"], "web");
  EXPECT_EQ((*then)[1]["metadata"]["name"], "b");
  EXPECT_EQ(hub_->listAt("pods", "default", 0)->size(), 2u);  // a and c now
  EXPECT_EQ(hub_->listAt("pods", "other", rv)->size(), 0u);
}

TEST_F(WatchHubTest, ListAtBeforeTheHistoryIsGone) {
  WatchHub small(io_, *store_, 2);
  put("a", "web");
  int64_t rv = store_->revision();
  put("b", "web");
  put("c", "web");
  put("d", "web");
  EXPECT_FALSE(small.listAt("pods", "default", rv));
  EXPECT_TRUE(small.listAt("pods", "default", store_->revision() - 1));
}

}  // namespace
}  // namespace peapod::server
