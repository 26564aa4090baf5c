#include "wire/spdy_header_block.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace peapod::wire {
namespace {

TEST(SpdyHeaderBlock, DictionaryIsTheSpecsOne) {
  auto d = spdyHeaderDictionary();
  ASSERT_EQ(d.size(), 1423u);
  EXPECT_EQ(adler32(1, reinterpret_cast<const Bytef*>(d.data()), static_cast<uInt>(d.size())), 0xe3c6a7c2u);
  EXPECT_EQ(d.substr(0, 11), std::string_view("\0\0\0\7options", 11));
  EXPECT_EQ(d.substr(d.size() - 6), "enq=0.");
}

TEST(SpdyHeaderBlock, PlainLayoutRoundTrips) {
  SpdyHeaders h = {{"streamtype", "stdout"}, {"port", "8080"}, {"multi", std::string("a\0b", 3)}};
  std::string block = encodeSpdyHeaderBlock(h);
  EXPECT_EQ(block.substr(0, 4), std::string("\0\0\0\3", 4));
  auto back = decodeSpdyHeaderBlock(block);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, h);
}

TEST(SpdyHeaderBlock, MalformedPlainBlocksAreRefused) {
  std::string good = encodeSpdyHeaderBlock({{"a", "b"}});
  EXPECT_FALSE(decodeSpdyHeaderBlock("").ok());
  EXPECT_FALSE(decodeSpdyHeaderBlock(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(decodeSpdyHeaderBlock(good + "x").ok());
  // A count far larger than the block must fail, not allocate.
  EXPECT_FALSE(decodeSpdyHeaderBlock(std::string("\xff\xff\xff\xff", 4)).ok());
  std::string dup = std::string("\0\0\0\2", 4) + good.substr(4) + good.substr(4);
  EXPECT_FALSE(decodeSpdyHeaderBlock(dup).ok());
  std::string emptyName = std::string("\0\0\0\1\0\0\0\0\0\0\0\0", 12);
  EXPECT_FALSE(decodeSpdyHeaderBlock(emptyName).ok());
}

TEST(SpdyHeaderBlock, UpperCaseNamesAreLowered) {
  auto h = decodeSpdyHeaderBlock(encodeSpdyHeaderBlock({{"StreamType", "error"}}));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->count("streamtype"), 1u);
}

TEST(SpdyHeaderBlock, OneZlibStreamAcrossManyBlocks) {
  SpdyHeaderDeflater deflater;
  SpdyHeaderInflater inflater;
  std::vector<SpdyHeaders> blocks = {{{"streamtype", "error"}},
                                     {{"streamtype", "stdin"}},
                                     {{"streamtype", "stdout"}},
                                     {{"streamtype", "data"}, {"port", "80"}, {"requestid", "0"}},
                                     {}};
  size_t firstSize = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    auto z = deflater.compress(blocks[i]);
    ASSERT_TRUE(z.ok()) << z.error().message();
    if (i == 0) firstSize = z->size();
    // Sync-flushed: every block ends with the empty stored block marker.
    EXPECT_EQ(z->substr(z->size() - 4), std::string("\0\0\xff\xff", 4));
    auto h = inflater.decompress(*z);
    ASSERT_TRUE(h.ok()) << i << ": " << h.error().message();
    EXPECT_EQ(*h, blocks[i]);
  }
  EXPECT_GT(firstSize, 6u);  // zlib header with the dictionary id

  // A fresh inflater cannot read a later block: the stream's history (and dictionary) matters.
  auto later = deflater.compress({{"streamtype", "stderr"}});
  ASSERT_TRUE(later.ok());
  SpdyHeaderInflater fresh;
  EXPECT_FALSE(fresh.decompress(*later).ok());
  EXPECT_TRUE(inflater.decompress(*later).ok());
}

TEST(SpdyHeaderBlock, InflatesKubectlsFirstBlock) {
  // The header block of the first SYN_STREAM kubectl 1.20 sent for `exec` (captured).
  const unsigned char kBlock[] = {0x78, 0xf9, 0xe3, 0xc6, 0xa7, 0xc2, 0x62, 0x60, 0x60, 0x60, 0x04, 0xa7, 0xb3,
                                  0x92, 0xa2, 0xd4, 0xc4, 0x5c, 0x68, 0x51, 0xc2, 0x9a, 0x0a, 0x0a, 0x68, 0x00,
                                  0x00, 0x00, 0x00, 0xff, 0xff};
  SpdyHeaderInflater inflater;
  auto h = inflater.decompress(std::string_view(reinterpret_cast<const char*>(kBlock), sizeof(kBlock)));
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(*h, (SpdyHeaders{{"streamtype", "error"}}));
}

TEST(SpdyHeaderBlock, GarbageAndBombsAreRefused) {
  SpdyHeaderInflater inflater;
  EXPECT_FALSE(inflater.decompress("not zlib at all").ok());
  // Once failed, the stream stays failed (it is out of step with the peer).
  SpdyHeaderDeflater deflater;
  EXPECT_FALSE(inflater.decompress(*deflater.compress({{"a", "b"}})).ok());

  SpdyHeaderInflater small(1024);
  SpdyHeaderDeflater d2;
  auto big = d2.compress({{"x", std::string(100000, 'a')}});
  ASSERT_TRUE(big.ok());
  EXPECT_LT(big->size(), 2000u);
  EXPECT_FALSE(small.decompress(*big).ok());
}

}  // namespace
}  // namespace peapod::wire
