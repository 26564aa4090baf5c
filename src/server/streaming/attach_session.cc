// Attach as a RemoteCommandSession: the container's live output, read from its CRI log as it
// grows (the shim owns the pipes; the log is the one copy every reader can follow), raw bytes to
// stdout/stderr, until the container stops or the client leaves. Input goes straight to the
// container's stdin (a copy of the shim's end), resizes to its pty.
#include <fstream>
#include <optional>

#include "node/log_paths.h"
#include "server/streaming/async_lock.h"
#include "server/streaming/pod_streams.h"
#include "sys/pty.h"

namespace peapod::server::streaming {
namespace {

using nlohmann::json;

class AttachSession : public RemoteCommandSession {
 public:
  AttachSession(const asio::any_io_executor& ex, AttachTarget target)
      : target_(std::move(target)), wake_(ex) {
    std::error_code ec;
    offset_ = static_cast<std::streamoff>(std::filesystem::file_size(target_.logFile, ec));
    if (ec) offset_ = 0;
    if (target_.stdin) stdin_.emplace(ex, target_.stdin.release());
  }

  ~AttachSession() override { endInput(); }

  asio::awaitable<bool> writeStdin(std::string_view data) override { co_return co_await writeInput(stdin_, data); }

  // The client's end of input: the container's stdin ends only with stdinOnce (the shim holds
  // another copy); a terminal has no end of input but ^D.
  void closeStdin() override {
    if (!target_.tty) endInput();
  }

  void resize(uint16_t width, uint16_t height) override {
    if (target_.tty && stdin_ && stdin_->is_open()) (void)sys::resizePty(stdin_->native_handle(), width, height);
  }
  void cancel() override {
    cancelled_ = true;
    wake_.set();
  }

  asio::awaitable<json> run(RemoteCommandOutput& out) override {
    for (;;) {
      bool running = target_.stillRunning();  // before reading, so the last lines are not missed
      for (auto& [stream, data] : readMore()) {
        if (!co_await out.write(stream, data)) co_return successStatus();
      }
      if (!running || cancelled_) co_return successStatus();
      co_await wake_.waitFor(std::chrono::milliseconds(100));
    }
  }

 private:
  // New complete CRI records since the offset, as (channel, bytes), adjacent ones of a stream joined.
  std::vector<std::pair<int, std::string>> readMore() {
    std::vector<std::pair<int, std::string>> chunks;
    std::ifstream in(target_.logFile, std::ios::binary);
    if (!in) return chunks;
    in.seekg(offset_);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t end = data.rfind('\n');
    if (end == std::string::npos) return chunks;
    offset_ += static_cast<std::streamoff>(end + 1);
    size_t pos = 0;
    while (pos <= end) {
      size_t nl = data.find('\n', pos);
      std::string_view line(data.data() + pos, nl - pos);
      pos = nl + 1;
      // "<time> <stream> <F|P> <content>"
      size_t a = line.find(' ');
      size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
      if (b == std::string_view::npos || b + 2 > line.size()) continue;
      int stream = line.substr(a + 1, b - a - 1) == "stderr" ? 2 : 1;
      bool partial = line[b + 1] == 'P';
      std::string content(line.substr(std::min(line.size(), b + 3)));
      if (!partial) content += '\n';
      if (!chunks.empty() && chunks.back().first == stream) chunks.back().second += content;
      else chunks.emplace_back(stream, std::move(content));
    }
    return chunks;
  }

  void endInput() {
    if (!stdin_) return;
    boost::system::error_code ec;
    stdin_->close(ec);
    stdin_.reset();
    if (target_.endInput) target_.endInput();
  }

  AttachTarget target_;
  std::optional<asio::posix::stream_descriptor> stdin_;
  AsyncEvent wake_;  // set by cancel(); otherwise a 100 ms tick, as `logs -f` polls
  std::streamoff offset_ = 0;
  bool cancelled_ = false;
};

}  // namespace

std::unique_ptr<RemoteCommandSession> startAttachSession(const asio::any_io_executor& ex, AttachTarget target) {
  return std::make_unique<AttachSession>(ex, std::move(target));
}

}  // namespace peapod::server::streaming
