#include "server/list_page.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "server/pod_api.h"
#include "server/watch.h"

namespace peapod::server {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

TEST(ContinueTokenTest, RoundTripsInTheApiserversShape) {
  std::string t = encodeContinue({42, std::string("default/web-3") + '\0'});
  EXPECT_EQ(t.find_first_of("+/="), std::string::npos) << t;  // base64url, unpadded
  auto back = decodeContinue(t);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->rv, 42);
  EXPECT_EQ(back->start, std::string("default/web-3") + '\0');
  // A token the apiserver wrote: {"v":"meta.k8s.io/v1","rv":7,"start":"default/b\u0000"}.
  auto theirs = decodeContinue("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6Nywic3RhcnQiOiJkZWZhdWx0L2JcdTAwMDAifQ");
  ASSERT_TRUE(theirs.ok()) << theirs.error().message();
  EXPECT_EQ(theirs->rv, 7);
  EXPECT_EQ(theirs->start, std::string("default/b") + '\0');
}

TEST(ContinueTokenTest, GarbledTokensAreRefused) {
  EXPECT_FALSE(decodeContinue("5").ok());     // the old offset tokens
  EXPECT_FALSE(decodeContinue("!!!!").ok());  // not base64url
  // Valid base64 of JSON with the wrong version, no rv, no start, a path escape.
  auto token = [](const std::string& text) {
    static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : text) {
      acc = (acc << 8) | c;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        out += a[(acc >> bits) & 63];
      }
    }
    if (bits > 0) out += a[(acc << (6 - bits)) & 63];
    return out;
  };
  EXPECT_TRUE(decodeContinue(token(R"({"v":"meta.k8s.io/v1","rv":3,"start":"a"})")).ok());
  auto wrongVersion = decodeContinue(token(R"({"v":"v9","rv":3,"start":"a"})"));
  ASSERT_FALSE(wrongVersion.ok());
  EXPECT_NE(wrongVersion.error().message().find("does not recognize this encoded version"), std::string::npos);
  EXPECT_FALSE(decodeContinue(token(R"({"v":"meta.k8s.io/v1","start":"a"})")).ok());
  EXPECT_FALSE(decodeContinue(token(R"({"v":"meta.k8s.io/v1","rv":3})")).ok());
  EXPECT_FALSE(decodeContinue(token(R"({"v":"meta.k8s.io/v1","rv":3,"start":"../x"})")).ok());
  EXPECT_FALSE(decodeContinue(token(R"({"v":"meta.k8s.io/v1","rv":3,"start":"a//b"})")).ok());
}

class PagedListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("peapod-listpage-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    store_ = std::move(*store::ObjectStore::open(dir_ / "db"));
    hub_ = std::make_unique<WatchHub>(io_, *store_);
    api_ = std::make_unique<PodApi>(*store_, "node1", dir_ / "logs");
    api_->setHistory(hub_.get());
  }
  void TearDown() override {
    api_.reset();
    hub_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  void add(const std::string& name, const std::string& app = "web") {
    json p = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", app}}}}}};
    ASSERT_TRUE(store_->create({"pods", "default", name}, p).ok());
  }
  Response list(const std::string& query) {
    Request req;
    req.query = parseQuery(query);
    return api_->list(req, "default");
  }
  static std::vector<std::string> names(const json& list) {
    std::vector<std::string> out;
    for (const auto& p : list["items"]) out.push_back(p["metadata"]["name"]);
    return out;
  }

  asio::io_context io_;
  fs::path dir_;
  std::unique_ptr<store::ObjectStore> store_;
  std::unique_ptr<WatchHub> hub_;
  std::unique_ptr<PodApi> api_;
};

TEST_F(PagedListTest, PagesReadTheFirstPagesRevisionInKeyOrder) {
  for (const char* n : {"p3", "p1", "p5", "p2", "p4"}) add(n);
  auto r = list("limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  json page = json::parse(r.body);
  EXPECT_EQ(names(page), (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(page["metadata"]["remainingItemCount"], 3);
  std::string rv = page["metadata"]["resourceVersion"];
  std::string token = page["metadata"]["continue"];
  // Between pages: p1 (already listed) and p4 (not yet) go, p0 and p35 come.
  ASSERT_TRUE(store_->remove({"pods", "default", "p1"}).ok());
  ASSERT_TRUE(store_->remove({"pods", "default", "p4"}).ok());
  add("p0");
  add("p35");
  r = list("limit=2&continue=" + token);
  ASSERT_EQ(r.status, 200) << r.body;
  page = json::parse(r.body);
  EXPECT_EQ(names(page), (std::vector<std::string>{"p3", "p4"}));  // as of the first page
  EXPECT_EQ(page["metadata"]["resourceVersion"], rv);
  EXPECT_EQ(page["metadata"]["remainingItemCount"], 1);
  r = list("limit=2&continue=" + page["metadata"]["continue"].get<std::string>());
  page = json::parse(r.body);
  EXPECT_EQ(names(page), (std::vector<std::string>{"p5"}));
  EXPECT_FALSE(page["metadata"].contains("continue"));
  EXPECT_FALSE(page["metadata"].contains("remainingItemCount"));
}

TEST_F(PagedListTest, SelectorsFilterPagesWithoutARemainingCount) {
  for (int i = 0; i < 6; ++i) add("p" + std::to_string(i), i % 2 ? "db" : "web");
  auto page = json::parse(list("limit=2&labelSelector=app%3Dweb").body);
  EXPECT_EQ(names(page), (std::vector<std::string>{"p0", "p2"}));
  EXPECT_FALSE(page["metadata"].contains("remainingItemCount"));
  page = json::parse(list("limit=2&labelSelector=app%3Dweb&continue=" + page["metadata"]["continue"].get<std::string>()).body);
  EXPECT_EQ(names(page), (std::vector<std::string>{"p4"}));
}

TEST_F(PagedListTest, ExpiredAndGarbledTokens) {
  auto r = list("limit=1&continue=5");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("invalid continue token"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"reason\":\"BadRequest\""), std::string::npos) << r.body;
  for (int i = 0; i < 3; ++i) add("p" + std::to_string(i));
  std::string token = json::parse(list("limit=1").body)["metadata"]["continue"];
  r = list("limit=1&resourceVersion=7&continue=" + token);
  EXPECT_EQ(r.status, 400) << r.body;
  // A hub whose history no longer reaches the token's revision.
  hub_ = std::make_unique<WatchHub>(io_, *store_, 1);
  api_->setHistory(hub_.get());
  add("p7");
  add("p8");
  r = list("limit=1&continue=" + token);
  ASSERT_EQ(r.status, 410) << r.body;
  json status = json::parse(r.body);
  EXPECT_EQ(status["reason"], "Expired");
  EXPECT_NE(status["message"].get<std::string>().find("too old to display a consistent list result"), std::string::npos);
  // Its token continues at the latest revision from the same key.
  std::string fresh = status["metadata"]["continue"];
  auto t = decodeContinue(fresh);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->rv, -1);
  json rest = json::parse(list("continue=" + fresh).body);
  EXPECT_EQ(names(rest), (std::vector<std::string>{"p1", "p2", "p7", "p8"}));
  EXPECT_EQ(rest["metadata"]["resourceVersion"], std::to_string(store_->revision()));
}

}  // namespace
}  // namespace peapod::server
