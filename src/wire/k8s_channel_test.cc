#include "wire/k8s_channel.h"

#include <gtest/gtest.h>

namespace peapod::wire {
namespace {

TEST(K8sChannel, ChoosesV5OverV4) {
  EXPECT_EQ(chooseChannelProtocol("v5.channel.k8s.io"), "v5.channel.k8s.io");
  // client-node's offer
  EXPECT_EQ(chooseChannelProtocol("v5.channel.k8s.io,v4.channel.k8s.io,v3.channel.k8s.io,v2.channel.k8s.io,channel.k8s.io"),
            "v5.channel.k8s.io");
  EXPECT_EQ(chooseChannelProtocol("v4.channel.k8s.io, v3.channel.k8s.io"), "v4.channel.k8s.io");
  EXPECT_EQ(chooseChannelProtocol("v5.channel.k8s.io, v4.channel.k8s.io", /*allowV5=*/false), "v4.channel.k8s.io");
  EXPECT_FALSE(chooseChannelProtocol("base64.channel.k8s.io").has_value());
  EXPECT_FALSE(chooseChannelProtocol("SPDY/3.1+portforward.k8s.io").has_value());
  EXPECT_FALSE(chooseChannelProtocol("").has_value());
}

TEST(K8sChannel, Messages) {
  std::string m = channelMessage(kChannelStdout, "hi");
  EXPECT_EQ(m, std::string("\x01hi", 3));
  auto p = parseChannelMessage(m);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->channel, kChannelStdout);
  EXPECT_EQ(p->data, "hi");
  auto close = parseChannelMessage(std::string("\xff\x00", 2));
  ASSERT_TRUE(close);
  EXPECT_EQ(close->channel, kChannelClose);
  ASSERT_EQ(close->data.size(), 1u);
  EXPECT_EQ(close->data[0], 0);
  EXPECT_FALSE(parseChannelMessage(""));
}

TEST(K8sChannel, TerminalSize) {
  auto s = parseTerminalSize(R"({"Width":100,"Height":30})");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->width, 100);
  EXPECT_EQ(s->height, 30);
  EXPECT_FALSE(parseTerminalSize("{\"Width\":1}"));
  EXPECT_FALSE(parseTerminalSize("nope"));
  EXPECT_FALSE(parseTerminalSize(R"({"Width":-1,"Height":3})"));
  EXPECT_EQ(terminalSizeJson({80, 24}), R"({"Height":24,"Width":80})");
}

}  // namespace
}  // namespace peapod::wire
