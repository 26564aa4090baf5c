#include "store/object_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace peapod::store {
namespace {

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("peapod-store-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto s = ObjectStore::open(dir_ / "db.sqlite");
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static nlohmann::json pod(const std::string& name) {
    return {{"kind", "Pod"}, {"metadata", {{"name", name}, {"namespace", "default"}}}};
  }
  std::filesystem::path dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, CreateGetListRemove) {
  auto a = store_->create({"pods", "default", "a"}, pod("a"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)["metadata"]["resourceVersion"], "1");
  ASSERT_TRUE(store_->create({"pods", "other", "b"}, pod("b")).ok());
  EXPECT_EQ(store_->list("pods", "default").size(), 1u);
  EXPECT_EQ(store_->list("pods", "").size(), 2u);
  auto got = store_->get({"pods", "default", "a"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["metadata"]["name"], "a");
  ASSERT_TRUE(store_->remove({"pods", "default", "a"}).ok());
  auto gone = store_->get({"pods", "default", "a"});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), kNotFound);
  EXPECT_EQ(store_->revision(), 3);
}

TEST_F(ObjectStoreTest, CreateTwiceIsAlreadyExists) {
  ASSERT_TRUE(store_->create({"pods", "default", "a"}, pod("a")).ok());
  auto again = store_->create({"pods", "default", "a"}, pod("a"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), kAlreadyExists);
  EXPECT_EQ(store_->revision(), 1);
}

TEST_F(ObjectStoreTest, UpdateChecksResourceVersion) {
  auto a = *store_->create({"pods", "default", "a"}, pod("a"));
  auto fresh = store_->update({"pods", "default", "a"}, a);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*fresh)["metadata"]["resourceVersion"], "2");
  auto stale = store_->update({"pods", "default", "a"}, a);  // still carries "1"
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code(), kConflict);
}

TEST_F(ObjectStoreTest, ListenersSeeChangesInOrder) {
  std::vector<EventType> seen;
  int id = store_->subscribe([&](const Event& e) { seen.push_back(e.type); });
  auto a = *store_->create({"pods", "default", "a"}, pod("a"));
  ASSERT_TRUE(store_->update({"pods", "default", "a"}, a).ok());
  ASSERT_TRUE(store_->remove({"pods", "default", "a"}).ok());
  store_->unsubscribe(id);
  ASSERT_TRUE(store_->create({"pods", "default", "b"}, pod("b")).ok());
  EXPECT_EQ(seen, (std::vector<EventType>{EventType::kAdded, EventType::kModified, EventType::kDeleted}));
}

TEST_F(ObjectStoreTest, SurvivesReopen) {
  ASSERT_TRUE(store_->create({"pods", "default", "a"}, pod("a")).ok());
  store_.reset();
  auto s = ObjectStore::open(dir_ / "db.sqlite");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->revision(), 1);
  EXPECT_TRUE((*s)->get({"pods", "default", "a"}).ok());
}

}  // namespace
}  // namespace peapod::store
