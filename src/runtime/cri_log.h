// CRI container log format (what the kubelet/containerd write): "<RFC3339Nano> <stream> <F|P> <line>\n".
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace peapod::runtime {

enum class LogStream { kStdout, kStderr };

// Splits one stream's bytes into CRI records like containerd's cri logger: a "\n" (or "\r\n")
// ends a Full record; content beyond kMaxLineBytes without a newline goes out as Partial
// chunks; a fragment left at EOF is written Partial (as containerd does).
class CriLineSplitter {
 public:
  static constexpr size_t kMaxLineBytes = 16 * 1024;
  // sink(content, partial) receives each record's content.
  using Sink = std::function<void(std::string_view content, bool partial)>;

  void feed(std::string_view data, const Sink& sink);
  void finish(const Sink& sink);

 private:
  std::string pending_;
};

// Formats one record, e.g. "2026-01-02T03:04:05.000000001Z stdout F hello\n".
std::string formatCriRecord(std::string_view timestamp, LogStream stream, bool partial, std::string_view content);

}  // namespace peapod::runtime
