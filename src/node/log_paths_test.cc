#include "node/log_paths.h"

#include <gtest/gtest.h>

namespace peapod::node {
namespace {

TEST(LogPaths, KubeletLayout) {
  auto dir = podLogDir("/var/log/pods", "default", "web", "u-1");
  EXPECT_EQ(dir, "/var/log/pods/default_web_u-1");
  EXPECT_EQ(containerLogFile(dir, "nginx", 2), "/var/log/pods/default_web_u-1/nginx/2.log");
}

TEST(CriLogToText, JoinsPartialsAndKeepsEmptyLines) {
  std::string log =
      "2026-11-22T10:00:00.000000001Z stdout F hello\n"
      "2026-11-22T10:00:00.000000002Z stderr P part \n"
      "2026-11-22T10:00:00.000000003Z stderr F one\n"
      "2026-11-22T10:00:00.000000004Z stdout F\n";
  EXPECT_EQ(criLogToText(log, false), "hello\npart one\n\n");
  EXPECT_EQ(criLogToText(log, true),
            "2026-11-22T10:00:00.000000001Z hello\n2026-11-22T10:00:00.000000002Z part one\n"
            "2026-11-22T10:00:00.000000004Z \n");
}

}  // namespace
}  // namespace peapod::node
