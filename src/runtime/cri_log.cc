#include "runtime/cri_log.h"

namespace peapod::runtime {

void CriLineSplitter::feed(std::string_view data, const Sink& sink) {
  pending_.append(data);
  size_t start = 0;
  while (true) {
    size_t nl = pending_.find('\n', start);
    if (nl != std::string::npos && nl - start <= kMaxLineBytes + 1) {
      size_t end = nl;
      if (end > start && pending_[end - 1] == '\r') --end;
      if (end - start <= kMaxLineBytes) {
        sink(std::string_view(pending_).substr(start, end - start), false);
        start = nl + 1;
        continue;
      }
    }
    // No newline within reach: emit a Partial chunk only once the line is longer than the
    // limit, so a line of exactly kMaxLineBytes still comes out as one Full record.
    size_t avail = (nl == std::string::npos ? pending_.size() : nl) - start;
    if (avail > kMaxLineBytes) {
      sink(std::string_view(pending_).substr(start, kMaxLineBytes), true);
      start += kMaxLineBytes;
      continue;
    }
    break;
  }
  pending_.erase(0, start);
}

void CriLineSplitter::finish(const Sink& sink) {
  if (!pending_.empty()) sink(pending_, true);
  pending_.clear();
  pending_.shrink_to_fit();
}

std::string formatCriRecord(std::string_view timestamp, LogStream stream, bool partial, std::string_view content) {
  std::string out;
  out.reserve(timestamp.size() + content.size() + 12);
  out.append(timestamp);
  out.append(stream == LogStream::kStdout ? " stdout " : " stderr ");
  out.append(partial ? "P " : "F ");
  out.append(content);
  out.push_back('\n');
  return out;
}

}  // namespace peapod::runtime
