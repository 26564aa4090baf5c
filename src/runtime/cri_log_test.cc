#include "runtime/cri_log.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace peapod::runtime {
namespace {

using Records = std::vector<std::pair<std::string, bool>>;

Records split(const std::vector<std::string>& chunks, bool finish = true) {
  CriLineSplitter s;
  Records out;
  auto sink = [&](std::string_view c, bool p) { out.emplace_back(std::string(c), p); };
  for (const auto& c : chunks) s.feed(c, sink);
  if (finish) s.finish(sink);
  return out;
}

TEST(CriLineSplitter, FullLinesAcrossChunks) {
  EXPECT_EQ(split({"hel", "lo\nwor", "ld\n"}), (Records{{"hello", false}, {"world", false}}));
}

TEST(CriLineSplitter, StripsCarriageReturnAndKeepsEmptyLines) {
  EXPECT_EQ(split({"a\r\n\nb\n"}), (Records{{"a", false}, {"", false}, {"b", false}}));
}

TEST(CriLineSplitter, TrailingFragmentAtEofIsPartial) {
  EXPECT_EQ(split({"done\nno newline"}), (Records{{"done", false}, {"no newline", true}}));
  EXPECT_EQ(split({"x"}, /*finish=*/false), Records{});
}

TEST(CriLineSplitter, LongLinesSplitIntoPartialChunks) {
  const size_t max = CriLineSplitter::kMaxLineBytes;
  std::string exact(max, 'a');
  EXPECT_EQ(split({exact + "\n"}), (Records{{exact, false}}));
  std::string longer(2 * max + 5, 'b');
  EXPECT_EQ(split({longer.substr(0, 100), longer.substr(100) + "\n"}),
            (Records{{std::string(max, 'b'), true}, {std::string(max, 'b'), true}, {"bbbbb", false}}));
}

TEST(CriRecord, Format) {
  EXPECT_EQ(formatCriRecord("2026-01-02T03:04:05.000000001Z", LogStream::kStdout, false, "hi"),
            "2026-01-02T03:04:05.000000001Z stdout F hi\n");
  EXPECT_EQ(formatCriRecord("T", LogStream::kStderr, true, "x"), "T stderr P x\n");
}

}  // namespace
}  // namespace peapod::runtime
