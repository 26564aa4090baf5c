#include "server/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <optional>

#include <iostream>

#include "api/codec.h"
#include "base/log.h"
#include "image/store.h"
#include "node/pod_manager.h"
#include "server/http_server.h"
#include "server/image_api.h"
#include "server/node_link.h"
#include "server/node_object.h"
#include "server/objects_api.h"
#include "server/pki.h"
#include "server/pod_api.h"
#include "server/router.h"
#include "server/store_object_source.h"
#include "server/streaming/pod_streams.h"
#include "server/streaming/streaming_api.h"
#include "server/watch.h"
#include "store/object_store.h"

namespace peapod::server {
namespace {

std::string hostNameForCert() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

}  // namespace

int runDaemon(DaemonOptions options) {
  if (options.verbose) log::setLevel(log::Level::kDebug);
  // Shims are our children until they are re-parented; never leave them as zombies.
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sa.sa_flags = SA_NOCLDWAIT;
  sigaction(SIGCHLD, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto& cfg = options.node;
  std::error_code ec;
  for (const auto& dir : {cfg.dataDir, cfg.runDir, cfg.logDir}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      std::cerr << "peapod daemon: create " << dir << ": " << ec.message() << "\n";
      return 1;
    }
  }
  auto objects = store::ObjectStore::open(cfg.dataDir / "peapod.db");
  if (!objects.ok()) {
    std::cerr << "peapod daemon: " << objects.error().message() << "\n";
    return 1;
  }
  auto images = image::Store::open(cfg.dataDir / "images");
  if (!images.ok()) {
    std::cerr << "peapod daemon: image store: " << images.error().message() << "\n";
    return 1;
  }
  store::ObjectStore& store = **objects;
  StoreObjectSource objectSource(store);  // ConfigMaps and Secrets for pod volumes and env

  asio::io_context io;
  asio::thread_pool workers(1);
  NodeLink link(io, store, cfg.nodeName);
  node::PodManager node(io, cfg, **images, link.nodeCallbacks());
  if (auto s = node.start(); !s.ok()) {
    std::cerr << "peapod daemon: " << s.error().message() << "\n";
    return 1;
  }
  node.setObjectSource(&objectSource);
  // Static pods run whether or not anyone ever talks to the API.
  node::StaticPodSource staticPods(io, options.manifestDir, cfg.nodeName, link.staticCallbacks());
  link.setStaticSource(&staticPods);
  link.attach(node);
  if (auto s = staticPods.start(); !s.ok()) {
    std::cerr << "peapod daemon: static pods: " << s.error().message() << "\n";
    return 1;
  }

  PodApi podApi(store, cfg.nodeName, cfg.logDir);
  ImageApi imageApi(**images, workers, [&node] { node.imagesChanged(); }, &node.imagePuller().puller(),
                    [&node] { return node.imagePuller().inUse(); });
  WatchHub watches(io, store);
  ObjectApi objectApi(io, store, [&podApi](const std::string& ns, const std::string& name) {
    (void)podApi.remove(Request{}, ns, name);
  });
  podApi.setHistory(&watches);
  objectApi.setHistory(&watches);
  objectApi.ensureSystemNamespaces();
  registerNode(store, cfg.nodeName, cfg.dataDir);
  auto podStreams = streaming::makeNodePodStreams(io, store, node);
  streaming::StreamingApi streamingApi(*podStreams);
  Router router(podApi, imageApi, &objectApi, &watches, &streamingApi);
  HttpServer http(io, [&router](Request req) { return router.handle(std::move(req)); });

  ListenerSecurity tcpSecurity;
  std::optional<Pki> pki;
  bool anyTcp = false;
  for (const auto& addr : options.listen) anyTcp = anyTcp || addr.rfind("tcp://", 0) == 0;
  if (anyTcp) {
    std::filesystem::path pkiDir = options.pkiDir.empty() ? cfg.dataDir / "pki" : options.pkiDir;
    auto loaded = ensurePki(pkiDir, {cfg.nodeName, hostNameForCert()});
    if (!loaded.ok()) {
      std::cerr << "peapod daemon: " << loaded.error().message() << "\n";
      return 1;
    }
    pki = *loaded;
    tcpSecurity.token = pki->token;
    if (!options.plainHttp) {
      auto ctx = serverTlsContext(*pki);
      if (!ctx.ok()) {
        std::cerr << "peapod daemon: " << ctx.error().message() << "\n";
        return 1;
      }
      tcpSecurity.tls = *ctx;
    }
  }
  for (const auto& addr : options.listen) {
    bool tcp = addr.rfind("tcp://", 0) == 0;
    if (auto s = http.listen(addr, tcp ? tcpSecurity : ListenerSecurity{}); !s.ok()) {
      std::cerr << "peapod daemon: " << s.error().message() << "\n";
      return 1;
    }
  }
  for (const auto& addr : http.boundAddresses()) {
    log::info("serving the API on " + addr);
    if (pki && addr.rfind("unix://", 0) != 0) {
      std::string server = addr;
      if (auto at = server.find("0.0.0.0"); at != std::string::npos) server.replace(at, 7, "127.0.0.1");
      if (auto s = writeKubeconfig(options.kubeconfig, kubeconfigText(*pki, server)); !s.ok()) {
        std::cerr << "peapod daemon: kubeconfig: " << s.error().message() << "\n";
        return 1;
      }
      log::info("wrote kubeconfig " + options.kubeconfig.string() + " for " + server);
      pki.reset();  // the first TCP listener is the one kubectl uses
    }
  }

  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&io](const boost::system::error_code&, int) {
    log::info("stopping; pods keep running");
    io.stop();
  });
  io.run();
  workers.join();
  return 0;
}

}  // namespace peapod::server
