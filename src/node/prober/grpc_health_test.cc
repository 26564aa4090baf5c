#include "node/prober/grpc_health.h"

#include <gtest/gtest.h>

namespace peapod::node {
namespace {

const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

TEST(GrpcHealth, RequestIsSettingsHeadersAndOneEndingDataFrame) {
  std::string req = grpcHealthRequest("10.0.0.2:9000", "liveness");
  ASSERT_EQ(req.substr(0, kPreface.size()), kPreface);
  Http2FrameReader reader;
  std::vector<Http2Frame> frames;
  ASSERT_TRUE(reader.feed(req.substr(kPreface.size()), frames));
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].type, kH2Settings);
  EXPECT_EQ(frames[1].type, kH2Headers);
  EXPECT_EQ(frames[1].stream, 1u);
  EXPECT_NE(frames[1].payload.find("/grpc.health.v1.Health/Check"), std::string::npos);
  EXPECT_EQ(frames[2].type, kH2Data);
  EXPECT_EQ(frames[2].flags & kH2FlagEndStream, kH2FlagEndStream);
  // 5-byte gRPC prefix, then field 1 (tag 0x0a), length 8, "liveness".
  EXPECT_EQ(frames[2].payload, std::string("\0\0\0\0\x0a\x0a\x08liveness", 15));
}

TEST(GrpcHealth, EmptyServiceSendsAnEmptyMessage) {
  std::string req = grpcHealthRequest("h:1", "");
  EXPECT_EQ(req.substr(req.size() - 5), std::string(5, '\0'));
}

TEST(GrpcHealth, ReaderWaitsForWholeFramesAndRefusesHugeOnes) {
  std::string ack = http2SettingsAck();
  Http2FrameReader reader;
  std::vector<Http2Frame> frames;
  ASSERT_TRUE(reader.feed(ack.substr(0, 4), frames));
  EXPECT_TRUE(frames.empty());
  ASSERT_TRUE(reader.feed(ack.substr(4) + http2PingAck("12345678"), frames));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].flags, kH2FlagAck);
  EXPECT_EQ(frames[1].payload, "12345678");
  Http2FrameReader strict;
  EXPECT_FALSE(strict.feed(std::string("\x01\x00\x00\x00\x00\x00\x00\x00\x01", 9), frames, 1024));
}

TEST(GrpcHealth, ServingStatusFromTheResponseMessage) {
  EXPECT_EQ(healthStatusFromData(std::string("\0\0\0\0\x02\x08\x01", 7)), 1);
  EXPECT_EQ(healthStatusFromData(std::string("\0\0\0\0\x02\x08\x02", 7)), 2);
  EXPECT_EQ(healthStatusFromData(std::string("\0\0\0\0\0", 5)), 0);  // proto3 default: UNKNOWN
  EXPECT_EQ(healthStatusFromData(std::string("\0\0\0\0\x05\x08", 6)), std::nullopt);  // truncated
  EXPECT_EQ(healthStatusFromData(std::string("\x01\0\0\0\x02\x08\x01", 7)), std::nullopt);  // compressed
  EXPECT_STREQ(servingStatusName(2), "NOT_SERVING");
}

}  // namespace
}  // namespace peapod::node
