#include "server/streaming/remote_command.h"

#include <gtest/gtest.h>

namespace peapod::server::streaming {
namespace {

TEST(RemoteCommand, ParsesRepeatedCommand) {
  auto o = parseRemoteCommandOptions("command=sh&command=-c&command=echo+%22a%20b%22&container=web&stdin=true&stdout=true&stderr=true", false);
  ASSERT_TRUE(o.ok()) << o.error().message();
  EXPECT_EQ(o->command, (std::vector<std::string>{"sh", "-c", "echo \"a b\""}));
  EXPECT_EQ(o->container, "web");
  EXPECT_TRUE(o->stdin && o->stdout && o->stderr);
  EXPECT_FALSE(o->tty);
}

TEST(RemoteCommand, TtyDropsStderr) {
  auto o = parseRemoteCommandOptions("command=sh&stdout=true&stderr=true&tty=true", false);
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->tty);
  EXPECT_FALSE(o->stderr);
}

TEST(RemoteCommand, Errors) {
  auto none = parseRemoteCommandOptions("command=ls", false);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(), "you must specify at least 1 of stdin, stdout, stderr");
  auto noCommand = parseRemoteCommandOptions("stdout=true", false);
  ASSERT_FALSE(noCommand.ok());
  EXPECT_EQ(noCommand.error().message(), "you must specify a command");
  EXPECT_TRUE(parseRemoteCommandOptions("stdout=true", /*attach=*/true).ok());
}

TEST(RemoteCommand, Statuses) {
  EXPECT_EQ(successStatus().dump(), R"({"metadata":{},"status":"Success"})");
  auto s = exitCodeStatus(3);
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_EQ(s["reason"], "NonZeroExitCode");
  EXPECT_EQ(s["details"]["causes"][0]["reason"], "ExitCode");
  EXPECT_EQ(s["details"]["causes"][0]["message"], "3");
  auto f = failureStatus(500, "InternalError", "boom");
  EXPECT_EQ(f["code"], 500);
  EXPECT_EQ(f["message"], "boom");
}

}  // namespace
}  // namespace peapod::server::streaming
