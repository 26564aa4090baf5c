// Unit tests for mountinfo parsing and mountOf.
#include "sys/mountinfo.h"

#include <gtest/gtest.h>

namespace peapod::sys {
namespace {

constexpr char kText[] =
    "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "43 26 254:0 /tmp/v /var/lib/peapod/pods/u/volumes rw,relatime shared:2 - ext4 /dev/vda rw\n"
    "44 43 0:38 / /var/lib/peapod/pods/u/volumes/cache rw master:7 propagate_from:1 - tmpfs tmpfs rw\n"
    "45 26 0:39 / /mnt/with\\040space rw shared:3 unbindable - tmpfs tmpfs rw\n";

TEST(MountInfo, ParsesPointsAndPropagation) {
  auto m = parseMountInfo(kText);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].mountPoint, "/");
  EXPECT_FALSE(m[0].shared());
  EXPECT_TRUE(m[1].shared());
  EXPECT_EQ(m[2].optional, (std::vector<std::string>{"master:7", "propagate_from:1"}));
  EXPECT_FALSE(m[2].shared());
  EXPECT_EQ(m[3].mountPoint, "/mnt/with space");
  EXPECT_TRUE(m[3].shared());
}

TEST(MountInfo, MountOfTheDeepestAncestor) {
  auto m = parseMountInfo(kText);
  EXPECT_EQ(mountOf(m, "/etc/passwd")->mountPoint, "/");
  EXPECT_EQ(mountOf(m, "/var/lib/peapod/pods/u/volumes/data")->mountPoint, "/var/lib/peapod/pods/u/volumes");
  EXPECT_EQ(mountOf(m, "/var/lib/peapod/pods/u/volumes")->mountPoint, "/var/lib/peapod/pods/u/volumes");
  EXPECT_EQ(mountOf(m, "/var/lib/peapod/pods/u/volumes/cache/x")->mountPoint, "/var/lib/peapod/pods/u/volumes/cache");
  EXPECT_EQ(mountOf(m, "/var/lib/peapod/pods/u/volumesX")->mountPoint, "/");  // a sibling, not a child
  EXPECT_EQ(mountOf({}, "/x"), nullptr);
}

}  // namespace
}  // namespace peapod::sys
