#include "wire/websocket.h"

#include <gtest/gtest.h>

namespace peapod::wire {
namespace {

TEST(WebSocket, AcceptKeyMatchesRfc6455Example) {
  EXPECT_EQ(websocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocket, KeyIsSixteenBytesBase64) {
  std::string k = websocketKey();
  EXPECT_EQ(k.size(), 24u);
  EXPECT_NE(k, websocketKey());
}

TEST(WebSocket, ServerFrameUnmaskedRoundTrip) {
  std::string f = encodeWsFrame(WsOpcode::kBinary, "\x01hello", /*mask=*/false);
  EXPECT_EQ(static_cast<uint8_t>(f[0]), 0x82);
  EXPECT_EQ(static_cast<uint8_t>(f[1]), 6);
  WsDecoder client(/*expectMasked=*/false);
  client.feed(f);
  auto m = client.next();
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ((*m)->opcode, WsOpcode::kBinary);
  EXPECT_EQ((*m)->payload, "\x01hello");
}

TEST(WebSocket, ClientFrameMaskedWithRfcExample) {
  // RFC 6455 5.7: a masked "Hello" with key 37 fa 21 3d.
  const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  std::string f = encodeWsFrame(WsOpcode::kText, "Hello", /*mask=*/true, true, key);
  const uint8_t want[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
  ASSERT_EQ(f.size(), sizeof want);
  for (size_t i = 0; i < sizeof want; ++i) EXPECT_EQ(static_cast<uint8_t>(f[i]), want[i]) << i;
  WsDecoder server(/*expectMasked=*/true);
  server.feed(f);
  auto m = server.next();
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->payload, "Hello");
}

TEST(WebSocket, ServerRejectsUnmaskedClientFrame) {
  WsDecoder server(true);
  server.feed(encodeWsFrame(WsOpcode::kBinary, "x", /*mask=*/false));
  auto m = server.next();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), kWsCloseProtocolError);
}

TEST(WebSocket, LengthEncodings) {
  for (size_t n : {size_t(0), size_t(125), size_t(126), size_t(65535), size_t(65536), size_t(200000)}) {
    std::string payload(n, 'a');
    std::string f = encodeWsFrame(WsOpcode::kBinary, payload, true);
    WsDecoder d(true);
    // Byte by byte for the small ones: every partial prefix must ask for more.
    if (n <= 126) {
      for (size_t i = 0; i + 1 < f.size(); ++i) {
        d.feed(f.substr(i, 1));
        auto m = d.next();
        ASSERT_TRUE(m.ok());
        ASSERT_FALSE(m->has_value()) << n << " at " << i;
      }
      d.feed(f.substr(f.size() - 1));
    } else {
      d.feed(f);
    }
    auto m = d.next();
    ASSERT_TRUE(m.ok() && m->has_value()) << n;
    EXPECT_EQ((*m)->payload.size(), n);
  }
}

TEST(WebSocket, FragmentsReassembleAroundControlFrames) {
  std::string bytes = encodeWsFrame(WsOpcode::kBinary, "ab", true, /*fin=*/false) +
                      encodeWsFrame(WsOpcode::kPing, "p", true) +
                      encodeWsFrame(WsOpcode::kContinuation, "cd", true, false) +
                      encodeWsFrame(WsOpcode::kContinuation, "e", true, true);
  WsDecoder d(true);
  d.feed(bytes);
  auto ping = d.next();
  ASSERT_TRUE(ping.ok() && ping->has_value());
  EXPECT_EQ((*ping)->opcode, WsOpcode::kPing);
  EXPECT_EQ((*ping)->payload, "p");
  auto data = d.next();
  ASSERT_TRUE(data.ok() && data->has_value());
  EXPECT_EQ((*data)->opcode, WsOpcode::kBinary);
  EXPECT_EQ((*data)->payload, "abcde");
  auto none = d.next();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(WebSocket, ContinuationWithoutStartIsAnError) {
  WsDecoder d(true);
  d.feed(encodeWsFrame(WsOpcode::kContinuation, "x", true));
  EXPECT_FALSE(d.next().ok());
}

TEST(WebSocket, TooBigMessage) {
  WsDecoder d(true, 10);
  d.feed(encodeWsFrame(WsOpcode::kBinary, std::string(11, 'x'), true));
  auto m = d.next();
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), kWsCloseTooBig);
}

TEST(WebSocket, ClosePayload) {
  std::string p = wsClosePayload(kWsCloseNormal, "bye");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(static_cast<uint8_t>(p[0]), 0x03);
  EXPECT_EQ(static_cast<uint8_t>(p[1]), 0xe8);
  EXPECT_EQ(p.substr(2), "bye");
}

}  // namespace
}  // namespace peapod::wire
