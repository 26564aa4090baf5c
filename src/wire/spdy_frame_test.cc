#include "wire/spdy_frame.h"

#include <gtest/gtest.h>

namespace peapod::wire {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

SpdyFrame roundTrip(const SpdyFrame& f) {
  SpdyFramer out, in;
  auto wire = out.encode(f);
  EXPECT_TRUE(wire.ok());
  in.feed(*wire);
  auto back = in.next();
  EXPECT_TRUE(back.ok() && back->has_value()) << (back.ok() ? "incomplete" : back.error().message());
  EXPECT_EQ(in.buffered(), 0u);
  return back.ok() && back->has_value() ? **back : SpdyFrame{};
}

TEST(SpdyFrame, DataFrameLayout) {
  SpdyFramer framer;
  auto wire = framer.encode(SpdyFrame::dataFrame(5, "hi", true));
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(*wire, bytes({0, 0, 0, 5, 1, 0, 0, 2, 'h', 'i'}));
}

TEST(SpdyFrame, ControlFrameLayouts) {
  SpdyFramer framer;
  EXPECT_EQ(*framer.encode(SpdyFrame::ping(7)), bytes({0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 7}));
  EXPECT_EQ(*framer.encode(SpdyFrame::rstStream(3, kSpdyCancel)),
            bytes({0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 3, 0, 0, 0, 5}));
  EXPECT_EQ(*framer.encode(SpdyFrame::goAway(9)), bytes({0x80, 3, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 0}));
  EXPECT_EQ(*framer.encode(SpdyFrame::windowUpdate(1, 0x10000)),
            bytes({0x80, 3, 0, 9, 0, 0, 0, 8, 0, 0, 0, 1, 0, 1, 0, 0}));
}

TEST(SpdyFrame, RoundTrips) {
  auto d = roundTrip(SpdyFrame::dataFrame(0x7fffffff, std::string(70000, 'x'), true));
  EXPECT_EQ(d.type, SpdyFrameType::kData);
  EXPECT_EQ(d.streamId, 0x7fffffffu);
  EXPECT_TRUE(d.fin());
  EXPECT_EQ(d.data.size(), 70000u);

  SpdyFrame syn = SpdyFrame::synStream(3, {{"streamtype", "stdin"}}, false);
  syn.priority = 5;
  syn.associatedStreamId = 1;
  auto s = roundTrip(syn);
  EXPECT_EQ(s.type, SpdyFrameType::kSynStream);
  EXPECT_EQ(s.streamId, 3u);
  EXPECT_EQ(s.associatedStreamId, 1u);
  EXPECT_EQ(s.priority, 5);
  EXPECT_EQ(s.headers, syn.headers);

  auto r = roundTrip(SpdyFrame::synReply(3, {}, true));
  EXPECT_EQ(r.type, SpdyFrameType::kSynReply);
  EXPECT_TRUE(r.fin());
  EXPECT_TRUE(r.headers.empty());

  SpdyFrame h = SpdyFrame::synReply(4, {{"a", "b"}});
  h.type = SpdyFrameType::kHeaders;
  EXPECT_EQ(roundTrip(h).headers, h.headers);

  SpdyFrame settings;
  settings.type = SpdyFrameType::kSettings;
  settings.settings = {{1, kSpdySettingInitialWindowSize, 1 << 20}, {0, 4, 100}};
  auto st = roundTrip(settings);
  ASSERT_EQ(st.settings.size(), 2u);
  EXPECT_EQ(st.settings[0].flags, 1);
  EXPECT_EQ(st.settings[0].id, kSpdySettingInitialWindowSize);
  EXPECT_EQ(st.settings[0].value, 1u << 20);

  EXPECT_EQ(roundTrip(SpdyFrame::ping(42)).value, 42u);
  EXPECT_EQ(roundTrip(SpdyFrame::windowUpdate(0, 12345)).value, 12345u);
  auto g = roundTrip(SpdyFrame::goAway(11, 2));
  EXPECT_EQ(g.streamId, 11u);
  EXPECT_EQ(g.value, 2u);
}

TEST(SpdyFrame, ParsesKubectlsSynStream) {
  // kubectl 1.20's first frame of `exec` (captured): SYN_STREAM 1 {streamtype: error}.
  std::string wire = bytes({0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x29, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                            0x00, 0x00, 0x00, 0x00, 0x78, 0xf9, 0xe3, 0xc6, 0xa7, 0xc2, 0x62, 0x60, 0x60, 0x60,
                            0x04, 0xa7, 0xb3, 0x92, 0xa2, 0xd4, 0xc4, 0x5c, 0x68, 0x51, 0xc2, 0x9a, 0x0a, 0x0a,
                            0x68, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff});
  SpdyFramer framer;
  // Byte by byte: a partial frame waits for the rest.
  for (size_t i = 0; i + 1 < wire.size(); ++i) {
    framer.feed(wire.substr(i, 1));
    auto none = framer.next();
    ASSERT_TRUE(none.ok());
    ASSERT_FALSE(none->has_value());
  }
  framer.feed(wire.substr(wire.size() - 1));
  auto f = framer.next();
  ASSERT_TRUE(f.ok()) << f.error().message();
  ASSERT_TRUE(f->has_value());
  EXPECT_EQ((*f)->type, SpdyFrameType::kSynStream);
  EXPECT_EQ((*f)->streamId, 1u);
  EXPECT_FALSE((*f)->fin());
  EXPECT_EQ((*f)->headers, (SpdyHeaders{{"streamtype", "error"}}));
}

TEST(SpdyFrame, SeveralFramesInOneRead) {
  SpdyFramer out, in;
  std::string wire;
  for (const char* t : {"error", "stdin", "stdout", "stderr"}) {
    static uint32_t id = 1;
    wire += *out.encode(SpdyFrame::synStream(id, {{"streamtype", t}}));
    id += 2;
  }
  wire += *out.encode(SpdyFrame::dataFrame(3, "input", true));
  in.feed(wire);
  std::vector<SpdyFrame> got;
  while (true) {
    auto f = in.next();
    ASSERT_TRUE(f.ok()) << f.error().message();
    if (!f->has_value()) break;
    got.push_back(**f);
  }
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[3].headers.at("streamtype"), "stderr");
  EXPECT_EQ(got[4].data, "input");
}

TEST(SpdyFrame, UnknownControlFramesAreSkipped) {
  SpdyFramer framer;
  framer.feed(bytes({0x80, 3, 0, 10, 0, 0, 0, 2, 'z', 'z'}));  // CREDENTIAL
  framer.feed(*SpdyFramer().encode(SpdyFrame::ping(1)));
  auto f = framer.next();
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->type, SpdyFrameType::kPing);
}

TEST(SpdyFrame, MalformedFramesAreRefused) {
  auto refuse = [](const std::string& wire) {
    SpdyFramer framer;
    framer.feed(wire);
    auto f = framer.next();
    return !f.ok();
  };
  EXPECT_TRUE(refuse(bytes({0x80, 2, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1})));              // SPDY/2
  EXPECT_TRUE(refuse(bytes({0x80, 3, 0, 6, 0, 0, 0, 3, 0, 0, 1})));                 // short PING
  EXPECT_TRUE(refuse(bytes({0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0})));  // RST status 0
  EXPECT_TRUE(refuse(bytes({0x80, 3, 0, 3, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 5})));  // RST stream 0
  EXPECT_TRUE(refuse(bytes({0x80, 3, 0, 9, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0})));  // zero window delta
  EXPECT_TRUE(refuse(bytes({0x80, 3, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1})));              // short SYN_STREAM
  EXPECT_TRUE(refuse(bytes({0x80, 3, 0, 4, 0, 0, 0, 4, 0, 0, 0, 2})));              // SETTINGS count lies
  EXPECT_TRUE(refuse(bytes({0, 0, 0, 0, 0, 0, 0, 1, 'x'})));                        // DATA on stream 0
  // SYN_STREAM whose header block is not zlib.
  EXPECT_TRUE(refuse(bytes({0x80, 3, 0, 1, 0, 0, 0, 14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 'j', 'u', 'n', 'k'})));
  // A frame longer than the framer accepts is refused from its header alone.
  SpdyFramer small(1024);
  small.feed(bytes({0, 0, 0, 1, 0, 0, 0x10, 0}));
  EXPECT_FALSE(small.next().ok());
}

}  // namespace
}  // namespace peapod::wire
