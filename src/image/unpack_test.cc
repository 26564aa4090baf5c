#include "image/unpack.h"

#include <gtest/gtest.h>

namespace peapod::image {
namespace {

TEST(SafeComponentsTest, MakesNamesRelative) {
  EXPECT_EQ(*safeComponents("/a/./b/"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*safeComponents("./"), std::vector<std::string>{});
  EXPECT_EQ(*safeComponents("a//b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*safeComponents("a..b/..c"), (std::vector<std::string>{"a..b", "..c"}));
}

TEST(SafeComponentsTest, RefusesDotDot) {
  for (const char* bad : {"..", "../escape", "a/../../b", "/../x", "a/.."}) {
    auto r = safeComponents(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message().find("\"..\""), std::string::npos) << r.error().message();
  }
}

}  // namespace
}  // namespace peapod::image
