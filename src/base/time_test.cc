#include "base/time.h"

#include <gtest/gtest.h>

namespace peapod {
namespace {

TEST(TimeTest, FormatsAndParsesBothPrecisions) {
  auto t = parseRfc3339("2026-11-22T17:40:01.123456789Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(formatRfc3339Nano(*t), "2026-11-22T17:40:01.123456789Z");
  EXPECT_EQ(formatRfc3339(*t), "2026-11-22T17:40:01Z");
  EXPECT_FALSE(parseRfc3339("yesterday"));
}

TEST(TimeTest, SecondsPrecisionDropsTheFraction) {
  EXPECT_EQ(secondsPrecision("2026-11-22T17:40:01.999999999Z"), "2026-11-22T17:40:01Z");
  EXPECT_EQ(secondsPrecision("2026-11-22T17:40:01Z"), "2026-11-22T17:40:01Z");
  EXPECT_EQ(secondsPrecision("not a time"), "not a time");
}

TEST(TimeTest, NowIsParseable) { EXPECT_TRUE(parseRfc3339(nowRfc3339())); }

TEST(TimeTest, HumanDurationFollowsKubectl) {
  EXPECT_EQ(humanDuration(std::chrono::seconds(5)), "5s");
  EXPECT_EQ(humanDuration(std::chrono::seconds(192)), "3m12s");
  EXPECT_EQ(humanDuration(std::chrono::hours(48)), "2d");
}

}  // namespace
}  // namespace peapod
