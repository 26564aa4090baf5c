// The pods/log subresource: container defaulting, previous, timestamps, tailLines, sinceSeconds,
// limitBytes, and follow (a chunked stream that ends when the container stops running).
#include <fstream>
#include <sstream>

#include "api/codec.h"
#include "base/time.h"
#include "node/log_paths.h"
#include "server/api_status.h"
#include "server/pod_api.h"

namespace peapod::server {
namespace {

namespace fs = std::filesystem;

// The last n lines of text (each ending in a newline).
std::string lastLines(const std::string& text, long n) {
  if (n <= 0) return "";
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (long seen = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++seen == n) break;
  }
  return text.substr(pos);
}

// CRI lines ("<RFC3339Nano> stdout F text") written at or after `since`.
std::string criSince(const std::string& cri, WallTime since) {
  std::string out;
  std::stringstream in(cri);
  std::string line;
  while (std::getline(in, line)) {
    auto t = parseRfc3339(line.substr(0, line.find(' ')));
    if (!t || *t >= since) out += line + "\n";
  }
  return out;
}

struct FollowState {
  store::ObjectStore* store;
  fs::path file;
  store::Key key;
  std::string uid, container;
  int run;
  bool timestamps;
  std::streamoff offset;
};

// Whether the container of this run is still running (the log may still grow).
bool stillRunning(const FollowState& f) {
  auto obj = f.store->get(f.key);
  if (!obj.ok() || (*obj)["metadata"].value("uid", "") != f.uid) return false;
  for (const auto& s : (*obj)["status"].value("containerStatuses", nlohmann::json::array())) {
    if (s.value("name", "") != f.container) continue;
    if (s.value("restartCount", 0) != f.run) return false;
    auto state = s.value("state", nlohmann::json::object());
    return state.contains("running") || state.empty();
  }
  return false;
}

// New complete lines since the offset, as text.
std::string readMore(FollowState& f) {
  std::ifstream in(f.file, std::ios::binary);
  if (!in) return "";
  in.seekg(f.offset);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t end = data.rfind('\n');
  if (end == std::string::npos) return "";
  f.offset += static_cast<std::streamoff>(end + 1);
  return node::criLogToText(data.substr(0, end + 1), f.timestamps);
}

asio::awaitable<void> follow(FollowState f, std::string first, ResponseStream& out) {
  if (!first.empty()) {
    bool ok = co_await out.write(first);
    if (!ok) co_return;
  }
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    bool running = stillRunning(f);
    std::string more = readMore(f);
    if (!more.empty()) {
      bool ok = co_await out.write(more);
      if (!ok) co_return;
    }
    if (!running || out.clientGone()) co_return;
    timer.expires_after(std::chrono::milliseconds(200));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

Response PodApi::log(const Request& req, const std::string& ns, const std::string& name) {
  auto stored = store_.get({"pods", ns, name});
  if (!stored.ok()) return storeError(stored.error(), "pods", name);
  auto pod = api::podFromJson(*stored);
  if (!pod.ok()) return statusError(500, "InternalError", pod.error().message());
  std::string container = req.param("container");
  if (container.empty()) {
    if (pod->spec.containers.size() != 1) {
      std::string names;
      for (const auto& c : pod->spec.containers) names += (names.empty() ? "" : " ") + c.name;
      return badRequest("a container name must be specified for pod " + name + ", choose one of: [" + names + "]");
    }
    container = pod->spec.containers[0].name;
  }
  const api::ContainerStatus* status = nullptr;
  for (const auto& s : pod->status.containerStatuses) {
    if (s.name == container) status = &s;
  }
  bool known = false;
  for (const auto& c : pod->spec.containers) known = known || c.name == container;
  if (!known) return badRequest("container " + container + " is not valid for pod " + name);
  bool neverRan = !status || (status->state.waiting && !status->lastState.terminated);
  if (neverRan) {
    std::string reason = status ? status->state.waiting->reason : "ContainerCreating";
    return badRequest("container \"" + container + "\" in pod \"" + name + "\" is waiting to start: " + reason);
  }
  int restarts = status->restartCount;
  bool previous = req.flag("previous");
  if (previous && !status->lastState.terminated) {
    return badRequest("previous terminated container \"" + container + "\" in pod \"" + name + "\" not found");
  }
  // During a back-off the newest log is the last run's: restartCount only moves on a restart.
  int run = previous ? restarts - 1 : restarts;
  if (!previous && status->state.waiting) run = restarts;
  auto dir = node::podLogDir(logDir_, ns, name, pod->metadata.uid);
  auto file = node::containerLogFile(dir, container, run);
  std::ifstream in(file, std::ios::binary);
  std::string cri((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Only complete lines: a followed log continues from the end of the last one.
  size_t complete = cri.rfind('\n');
  complete = complete == std::string::npos ? 0 : complete + 1;
  cri.resize(complete);
  bool timestamps = req.flag("timestamps");
  try {
    if (std::string since = req.param("sinceSeconds"); !since.empty()) {
      cri = criSince(cri, WallClock::now() - std::chrono::seconds(std::stol(since)));
    } else if (std::string sinceTime = req.param("sinceTime"); !sinceTime.empty()) {
      if (auto t = parseRfc3339(sinceTime)) cri = criSince(cri, *t);
    }
    std::string text = node::criLogToText(cri, timestamps);
    if (std::string tail = req.param("tailLines"); !tail.empty()) text = lastLines(text, std::stol(tail));
    if (std::string limit = req.param("limitBytes"); !limit.empty()) {
      size_t n = std::stoul(limit);
      if (text.size() > n) text.resize(n);
    }
    Response r;
    r.contentType = "text/plain";
    bool following = req.flag("follow") && !previous && req.param("limitBytes").empty();
    if (!following) {
      r.body = std::move(text);
      return r;
    }
    FollowState f{&store_, file, {"pods", ns, name}, pod->metadata.uid, container, run, timestamps,
                  static_cast<std::streamoff>(complete)};
    r.stream = [f, text](ResponseStream& out) { return follow(f, text, out); };
    return r;
  } catch (const std::exception&) {
    return badRequest("invalid log options");
  }
}

}  // namespace peapod::server
