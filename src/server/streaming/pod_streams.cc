#include "server/streaming/pod_streams.h"

#include "api/codec.h"
#include "node/log_paths.h"
#include "node/netns_socket.h"
#include "server/api_status.h"
#include "sys/unique_fd.h"

namespace peapod::server::streaming {
namespace {

using nlohmann::json;

class NodePodStreams : public PodStreams {
 public:
  NodePodStreams(asio::io_context& io, store::ObjectStore& store, node::PodManager& node)
      : io_(io), store_(store), node_(node) {}

  std::optional<Response> check(RemoteCommandOptions& o) override {
    auto stored = store_.get({"pods", o.ns, o.pod});
    if (!stored.ok()) return storeError(stored.error(), "pods", o.pod);
    auto pod = api::podFromJson(*stored);
    if (!pod.ok()) return statusError(500, "InternalError", pod.error().message());
    if (o.container.empty()) {
      auto ann = pod->metadata.annotations.find("kubectl.kubernetes.io/default-container");
      if (ann != pod->metadata.annotations.end()) {
        o.container = ann->second;
      } else if (pod->spec.containers.size() == 1) {
        o.container = pod->spec.containers[0].name;
      } else {
        std::string names;
        for (const auto& c : pod->spec.containers) names += (names.empty() ? "" : " ") + c.name;
        return badRequest("a container name must be specified for pod " + o.pod + ", choose one of: [" + names + "]");
      }
    }
    bool known = false;
    for (const auto* list : {&pod->spec.containers, &pod->spec.initContainers}) {
      for (const auto& c : *list) known = known || c.name == o.container;
    }
    if (!known) return badRequest("container " + o.container + " is not valid for pod " + o.pod);
    const std::string& phase = pod->status.phase;
    if (phase == "Succeeded" || phase == "Failed") {
      return badRequest("cannot " + std::string(o.attach ? "attach to" : "exec into") +
                        " a container in a completed pod; current phase is " + phase);
    }
    return std::nullopt;
  }

  asio::awaitable<std::unique_ptr<RemoteCommandSession>> open(const RemoteCommandOptions& o) override {
    std::string uid = uidOf(o.ns, o.pod);
    auto lookup = [this, uid]() -> node::ShimConnection* { return uid.empty() ? nullptr : node_.shimFor(uid); };
    if (o.attach) co_return attach(co_await asio::this_coro::executor, o, uid);
    co_return co_await startExecSession(lookup, o);
  }

  asio::awaitable<Result<asio::ip::tcp::socket>> dial(const std::string& ns, const std::string& pod,
                                                      uint16_t port) override {
    std::string uid = uidOf(ns, pod);
    node::ShimConnection* shim = uid.empty() ? nullptr : node_.shimFor(uid);
    if (!shim) co_return Error("pod " + ns + "/" + pod + " has no running sandbox");
    int pid = shim->peerPid();
    if (pid <= 0) co_return Error("pod " + ns + "/" + pod + ": cannot find its shim process");
    auto fd = node::tcpSocketInNetnsOf(pid);
    if (!fd.ok()) co_return std::move(fd).error().wrap("port-forward to " + pod);
    asio::ip::tcp::socket socket(io_);
    boost::system::error_code ec;
    socket.assign(asio::ip::tcp::v4(), fd->release(), ec);
    if (ec) co_return Error("port-forward: " + ec.message());
    asio::ip::tcp::endpoint target(asio::ip::address_v4::loopback(), port);
    co_await socket.async_connect(target, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return Error("failed to connect to localhost:" + std::to_string(port) + " inside namespace of pod " + pod +
                      ": " + ec.message());
    }
    co_return std::move(socket);
  }

 private:
  // Whether the container's run `run` of pod `uid` is still running, from the stored status.
  bool stillRunning(const std::string& ns, const std::string& name, const std::string& uid,
                    const std::string& container, int run) {
    auto obj = store_.get({"pods", ns, name});
    if (!obj.ok() || (*obj)["metadata"].value("uid", "") != uid) return false;
    for (const auto& s : (*obj)["status"].value("containerStatuses", json::array())) {
      if (s.value("name", "") != container) continue;
      return s.value("restartCount", 0) == run && s.value("state", json::object()).contains("running");
    }
    return false;
  }

  std::unique_ptr<RemoteCommandSession> attach(const asio::any_io_executor& ex, const RemoteCommandOptions& o,
                                               const std::string& uid) {
    auto stored = store_.get({"pods", o.ns, o.pod});
    auto pod = stored.ok() ? api::podFromJson(*stored) : Result<api::Pod>(Error("gone"));
    int run = -1;
    if (pod.ok()) {
      for (const auto& s : pod->status.containerStatuses) {
        if (s.name == o.container && s.state.running) run = s.restartCount;
      }
    }
    if (run < 0) {
      return failedSession(failureStatus(500, "InternalError",
                                         "Internal error occurred: container " + o.container + " is not running"));
    }
    AttachTarget target;
    target.logFile = node::containerLogFile(node::podLogDir(node_.config().logDir, o.ns, o.pod, uid), o.container, run);
    target.stillRunning = [this, ns = o.ns, name = o.pod, uid, container = o.container, run] {
      return stillRunning(ns, name, uid, container, run);
    };
    if (o.stdin) attachInput(target, *pod, uid, o.container);
    return startAttachSession(ex, std::move(target));
  }

  // The container's stdin from its shim, when its spec asked for one (stdin: true).
  void attachInput(AttachTarget& target, const api::Pod& pod, const std::string& uid, const std::string& container) {
    const api::Container* spec = nullptr;
    for (const auto* list : {&pod.spec.containers, &pod.spec.initContainers}) {
      for (const auto& c : *list) spec = c.name == container ? &c : spec;
    }
    node::ShimConnection* shim = node_.shimFor(uid);
    if (!spec || !spec->stdin || !shim) return;
    std::vector<sys::UniqueFd> fds;
    auto reply = shim->call("attach", {{"name", container}}, &fds);
    if (!reply.ok() || fds.empty()) return;
    target.stdin = std::move(fds[0]);
    target.tty = reply->value("tty", false);
    if (spec->stdinOnce) {
      target.endInput = [this, uid, container] {
        if (node::ShimConnection* s = node_.shimFor(uid)) s->callAsync("closeStdin", {{"name", container}}, [](Result<json>) {});
      };
    }
  }

  std::string uidOf(const std::string& ns, const std::string& name) {
    auto stored = store_.get({"pods", ns, name});
    return stored.ok() ? (*stored)["metadata"].value("uid", "") : "";
  }

  asio::io_context& io_;
  store::ObjectStore& store_;
  node::PodManager& node_;
};

}  // namespace

asio::awaitable<bool> writeInput(std::optional<asio::posix::stream_descriptor>& stdin, std::string_view data) {
  if (!stdin || !stdin->is_open()) co_return false;
  boost::system::error_code ec;
  co_await asio::async_write(*stdin, asio::buffer(data.data(), data.size()), asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

std::unique_ptr<PodStreams> makeNodePodStreams(asio::io_context& io, store::ObjectStore& store,
                                               node::PodManager& node) {
  return std::make_unique<NodePodStreams>(io, store, node);
}

}  // namespace peapod::server::streaming
