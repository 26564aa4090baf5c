#include "server/selectors.h"

#include <gtest/gtest.h>

namespace peapod::server {
namespace {

const nlohmann::json kPod = {{"metadata", {{"name", "web"}, {"labels", {{"app", "web"}, {"tier", "front"}}}}},
                             {"status", {{"phase", "Running"}}}};

bool labels(const std::string& sel) { return matchesLabels(*parseSelector(sel), kPod); }
bool fields(const std::string& sel) { return matchesFields(*parseSelector(sel), kPod); }

TEST(Selectors, Labels) {
  EXPECT_TRUE(labels(""));
  EXPECT_TRUE(labels("app=web"));
  EXPECT_TRUE(labels("app==web,tier=front"));
  EXPECT_FALSE(labels("app=db"));
  EXPECT_TRUE(labels("app!=db"));
  EXPECT_TRUE(labels("missing!=x"));
  EXPECT_FALSE(labels("missing=x"));
}

TEST(Selectors, Fields) {
  EXPECT_TRUE(fields("metadata.name=web"));
  EXPECT_TRUE(fields("status.phase=Running,metadata.name!=db"));
  EXPECT_FALSE(fields("status.phase=Pending"));
}

TEST(Selectors, SetBasedIsAClearError) {
  auto s = parseSelector("app in (a,b)");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("only equality-based"), std::string::npos);
}

}  // namespace
}  // namespace peapod::server
