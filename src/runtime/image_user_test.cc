#include "runtime/image_user.h"

#include <gtest/gtest.h>

namespace peapod::runtime {
namespace {

const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# comment\n"
    "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
    "app:x:1000:1001::/home/app:/bin/sh\n";
const char* kGroup =
    "root:x:0:\n"
    "wheel:x:10:root,app\n"
    "app:x:1001:\n"
    "video:x:44:app\n";

TEST(ResolveUser, NamesNumbersAndMemberGroups) {
  auto r = resolveUser("app", kPasswd, kGroup, {});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, (ResolvedUser{1000, 1001, {10, 44, 1001}}));
  // A numeric user takes its passwd entry's gid and groups.
  EXPECT_EQ(*resolveUser("1000", kPasswd, kGroup, {}), (ResolvedUser{1000, 1001, {10, 44, 1001}}));
  // Unknown number: gid 0, no member groups; extra groups are added, sorted and unique.
  EXPECT_EQ(*resolveUser("4242", kPasswd, kGroup, {7, 3, 7}), (ResolvedUser{4242, 0, {0, 3, 7}}));
  EXPECT_EQ(*resolveUser("1000:3000", kPasswd, kGroup, {2000}), (ResolvedUser{1000, 3000, {10, 44, 2000, 3000}}));
  EXPECT_EQ(*resolveUser("root", kPasswd, kGroup, {}), (ResolvedUser{0, 0, {0, 10}}));
  EXPECT_EQ(resolveUser("app:video", kPasswd, kGroup, {})->gid, 44u);
  EXPECT_EQ(*resolveUser("", "", "", {}), (ResolvedUser{0, 0, {0}}));
  EXPECT_FALSE(resolveUser("ghost", kPasswd, kGroup, {}).ok());
  EXPECT_FALSE(resolveUser("app:ghosts", kPasswd, kGroup, {}).ok());
}

}  // namespace
}  // namespace peapod::runtime
