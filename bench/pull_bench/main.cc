// pull_bench: pull + unpack throughput of a ~100 MB image (random-data layers) from a loopback
// docker-registry — peapod's library puller and `peapod pull` through the daemon, next to
// `skopeo copy` to an OCI dir + `umoci unpack` in the same run — and the time to a pod's first
// Running container on a cold store. Needs root, docker-registry, skopeo and umoci.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>

#include <CLI/CLI.hpp>

#include "image/pull.h"
#include "image/registry_client.h"
#include "image/store.h"
#include "image/testing/layout_builder.h"
#include "testing/fixtures.h"
#include "testing/peapod_daemon.h"
#include "testing/registry_fixture.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace peapod;

namespace {

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

std::string randomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v = rng();
    std::memcpy(&s[i], &v, 8);
  }
  return s;
}

void line(const char* what, double ms, uint64_t bytes) {
  std::printf("%-46s %9.1f ms  %8.1f MB/s\n", what, ms, bytes / 1e6 / (ms / 1e3));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pull + unpack throughput from a loopback registry"};
  int layers = 4, mbPerLayer = 25;
  app.add_option("--layers", layers, "random-data layers")->capture_default_str();
  app.add_option("--mb-per-layer", mbPerLayer, "MB of random data per layer")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (::geteuid() != 0) {
    std::cerr << "pull_bench: needs root\n";
    return 2;
  }
  for (const char* tool : {"/usr/bin/docker-registry", "/usr/bin/skopeo", "/usr/bin/umoci"})
    if (!fs::exists(tool)) {
      std::cerr << "pull_bench: needs " << tool << " (scripts/install-deps)\n";
      return 2;
    }
  peapod::testing::TempDir tmp("peapod-pull-bench");

  // 1. The image: `layers` layers of incompressible data (plus busybox to run), pushed to the registry.
  std::vector<std::vector<image::testing::TarEntry>> content;
  for (int i = 0; i < layers; ++i)
    content.push_back({image::testing::fileEntry("data/blob" + std::to_string(i),
                                                 randomBytes(static_cast<size_t>(mbPerLayer) << 20, i + 1))});
  auto layout = image::testing::writeLayout(tmp / "layout", content,
                                            {.annotations = {{"org.opencontainers.image.ref.name", "bench"}}});
  if (!layout.ok()) {
    std::cerr << "pull_bench: " << layout.error().message() << "\n";
    return 1;
  }
  uint64_t imageBytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(tmp / "layout/blobs")) imageBytes += e.is_regular_file() ? e.file_size() : 0;
  peapod::testing::LocalRegistry reg;
  if (!reg.ok()) {
    std::cerr << "pull_bench: " << reg.error() << "\n";
    return 1;
  }
  if (auto err = reg.push(tmp / "layout", "bench", "bench/random:1"); !err.empty()) {
    std::cerr << "pull_bench: " << err << "\n";
    return 1;
  }
  std::string busybox = reg.host() + "/bench/busybox:1";
  if (auto err = reg.push(peapod::testing::busyboxImageDir(), "latest", "bench/busybox:1"); !err.empty()) {
    std::cerr << "pull_bench: " << err << "\n";
    return 1;
  }
  std::string ref = reg.host() + "/bench/random:1";
  std::printf("image: %d layers, %.1f MB compressed, registry %s\n", layers, imageBytes / 1e6, reg.host().c_str());

  // 2. peapod's puller (library), cold store.
  {
    auto store = image::Store::open(tmp / "store");
    image::RegistryClient client({});
    image::Puller puller(**store, client);
    auto t0 = Clock::now();
    auto r = puller.pull(ref);
    double ms = msSince(t0);
    if (!r.ok()) {
      std::cerr << "pull_bench: " << r.error().message() << "\n";
      return 1;
    }
    line("peapod Puller (pull + verify + unpack)", ms, imageBytes);
  }
  // 3. The reference: skopeo copy to an OCI dir, then umoci unpack.
  {
    auto t0 = Clock::now();
    auto copy = peapod::testing::runCommand({"skopeo", "copy", "--quiet", "--src-tls-verify=false", "docker://" + ref,
                                     "oci:" + (tmp / "ref").string() + ":bench"});
    double copyMs = msSince(t0);
    auto t1 = Clock::now();
    auto unpack = peapod::testing::runCommand({"umoci", "unpack", "--image", (tmp / "ref").string() + ":bench",
                                       (tmp / "bundle").string()});
    double unpackMs = msSince(t1);
    if (copy.exitCode != 0 || unpack.exitCode != 0) {
      std::cerr << "pull_bench: reference failed: " << copy.err << unpack.err << "\n";
      return 1;
    }
    line("skopeo copy (pull to oci dir)", copyMs, imageBytes);
    line("umoci unpack", unpackMs, imageBytes);
    line("skopeo copy + umoci unpack", copyMs + unpackMs, imageBytes);
  }
  // 4. Through the daemon: `peapod pull`, then a pod on a cold store (image only in the registry).
  {
    peapod::testing::PeapodDaemon d;
    auto t0 = Clock::now();
    auto pulled = d.peapod({"pull", "-q", ref});
    double ms = msSince(t0);
    if (pulled.exitCode != 0) {
      std::cerr << "pull_bench: peapod pull: " << pulled.err << "\n";
      return 1;
    }
    line("peapod pull (CLI -> daemon)", ms, imageBytes);
    auto t1 = Clock::now();
    d.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: cold}\nspec:\n  containers:\n  - name: main\n    image: " +
            busybox + "\n    command: [sleep, '3600']\n");
    bool up = d.waitPod("cold", [](const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; },
                        std::chrono::seconds(60));
    double startMs = msSince(t1);
    std::printf("%-46s %9.1f ms%s\n", "cold store: apply -> Running (pull busybox)", startMs, up ? "" : "  (timed out)");
    d.peapod({"delete", "pod", "cold", "--grace-period=0", "--force"});
    d.waitGone("cold");
  }
  return 0;
}
