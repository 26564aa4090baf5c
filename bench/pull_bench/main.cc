// pull_bench: pull + unpack throughput of a ~100 MB image (a busybox base, incompressible random
// layers and a compressible many-files layer) from a loopback docker-registry — peapod's library
// puller and `peapod pull` through the daemon, next to `skopeo copy` to an OCI dir +
// `umoci unpack` in the same run — and the time to a pod's first Running container on a cold
// store. Needs root, docker-registry, skopeo and umoci.
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
using image::testing::TarEntry;

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

// Log-like text: compresses about 5-10x with gzip, like the config files and sources of real images.
std::string compressibleText(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  static const char* words[] = {"pod", "container", "image", "layer", "started", "ready", "volume", "mount",
                                "network", "sandbox", "probe", "kubelet", "restart", "digest", "registry", "node"};
  std::string s;
  s.reserve(n + 128);
  while (s.size() < n) {
    s += "2026-11-22T10:" + std::to_string(rng() % 60) + ":" + std::to_string(rng() % 60) + " level=info";
    for (int w = 0; w < 8; ++w) s += std::string(" ") + words[rng() % 16];
    s += " n=" + std::to_string(rng() % 100000) + "\n";
  }
  s.resize(n);
  return s;
}

// The base layer: static busybox as /bin/busybox with the applets the bench runs.
Result<std::vector<TarEntry>> busyboxLayer() {
  std::string bin = peapod::testing::readFile("/bin/busybox");
  if (bin.empty()) return Error("read /bin/busybox: empty or missing (busybox-static)");
  std::vector<TarEntry> e = {image::testing::dirEntry("bin"), image::testing::fileEntry("bin/busybox", bin, 0755),
                             image::testing::linkEntry("bin/sh", "busybox"),
                             image::testing::linkEntry("bin/sleep", "busybox"), image::testing::dirEntry("tmp", 01777)};
  return e;
}

uint64_t dirBytes(const fs::path& dir) {
  uint64_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

void line(const char* what, double ms, uint64_t compressed, uint64_t unpacked) {
  std::printf("%-44s %9.1f ms  %7.1f MB/s compressed  %7.1f MB/s unpacked\n", what, ms,
              compressed / 1e6 / (ms / 1e3), unpacked / 1e6 / (ms / 1e3));
}

int fail(const std::string& what) {
  std::cerr << "pull_bench: " << what << "\n";
  return 1;
}

bool running(const nlohmann::json& p) { return p["status"].value("phase", "") == "Running"; }

std::string podYaml(const std::string& name, const std::string& image) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  containers:\n  - name: main\n    image: " +
         image + "\n    imagePullPolicy: IfNotPresent\n    command: [/bin/sleep, '3600']\n";
}

// apply -> Running on the daemon's current store; prints the line and removes the pod.
bool timePodStart(peapod::testing::PeapodDaemon& d, const std::string& name, const std::string& image,
                  const std::string& label) {
  auto t0 = Clock::now();
  d.apply(podYaml(name, image));
  bool up = d.waitPod(name, running, std::chrono::seconds(120));
  double ms = msSince(t0);
  std::printf("%-44s %9.1f ms%s\n", label.c_str(), ms, up ? "" : "  (timed out)");
  if (!up) std::cerr << d.pod(name).dump(2) << "\n";
  d.peapod({"delete", "pod", name, "--grace-period=0", "--force"});
  d.waitGone(name);
  return up;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pull + unpack throughput from a loopback registry"};
  int layers = 3, mbPerLayer = 25, textMb = 25, textFiles = 2500;
  app.add_option("--layers", layers, "random (incompressible) data layers")->capture_default_str();
  app.add_option("--mb-per-layer", mbPerLayer, "MB of random data per layer")->capture_default_str();
  app.add_option("--text-mb", textMb, "MB of compressible text in one more layer (0: none)")->capture_default_str();
  app.add_option("--text-files", textFiles, "files the text layer is split into")->capture_default_str();
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

  // 1. The image: busybox, `layers` random layers, a text layer of many files; pushed to the registry.
  std::vector<std::vector<TarEntry>> content;
  auto base = busyboxLayer();
  if (!base.ok()) return fail(base.error().message());
  content.push_back(std::move(*base));
  for (int i = 0; i < layers; ++i)
    content.push_back({image::testing::fileEntry("data/blob" + std::to_string(i),
                                                 randomBytes(static_cast<size_t>(mbPerLayer) << 20, i + 1))});
  if (textMb > 0 && textFiles > 0) {
    std::vector<TarEntry> text = {image::testing::dirEntry("text")};
    size_t per = (static_cast<size_t>(textMb) << 20) / static_cast<size_t>(textFiles);
    for (int f = 0; f < textFiles; ++f) {
      if (f % 100 == 0) text.push_back(image::testing::dirEntry("text/d" + std::to_string(f / 100)));
      text.push_back(image::testing::fileEntry("text/d" + std::to_string(f / 100) + "/f" + std::to_string(f),
                                               compressibleText(per, 1000 + f)));
    }
    content.push_back(std::move(text));
  }
  uint64_t unpacked = 0;
  for (const auto& l : content)
    for (const auto& e : l) unpacked += e.data.size();
  auto layout = image::testing::writeLayout(tmp / "layout", content,
                                            {.annotations = {{"org.opencontainers.image.ref.name", "bench"}}});
  if (!layout.ok()) return fail(layout.error().message());
  content.clear();
  uint64_t imageBytes = dirBytes(tmp / "layout/blobs");
  peapod::testing::LocalRegistry reg;
  if (!reg.ok()) return fail(reg.error());
  if (auto err = reg.push(tmp / "layout", "bench", "bench/random:1"); !err.empty()) return fail(err);
  std::string busybox = reg.host() + "/bench/busybox:1";
  if (auto err = reg.push(peapod::testing::busyboxImageDir(), "latest", "bench/busybox:1"); !err.empty())
    return fail(err);
  std::string ref = reg.host() + "/bench/random:1";
  std::printf("image: %zu layers (busybox, %d x %d MB random, %d MB text in %d files): %.1f MB compressed, "
              "%.1f MB of file data; registry %s\n",
              static_cast<size_t>(1 + layers + (textMb > 0 ? 1 : 0)), layers, mbPerLayer, textMb, textFiles,
              imageBytes / 1e6, unpacked / 1e6, reg.host().c_str());

  // 2. peapod's puller (library), cold store.
  auto libraryPull = [&](const char* label) {
    auto store = image::Store::open(tmp / "store");
    if (!store.ok()) return fail(store.error().message());
    image::RegistryClient client({});
    image::Puller puller(**store, client);
    auto t0 = Clock::now();
    auto r = puller.pull(ref);
    double ms = msSince(t0);
    if (!r.ok()) return fail(r.error().message());
    line(label, ms, imageBytes, unpacked);
    store->reset();
    fs::remove_all(tmp / "store");
    return 0;
  };
  if (libraryPull("peapod Puller (pull + verify + unpack)") != 0) return 1;
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
    if (copy.exitCode != 0 || unpack.exitCode != 0) return fail("reference failed: " + copy.err + unpack.err);
    line("skopeo copy (pull to oci dir)", copyMs, imageBytes, unpacked);
    line("umoci unpack", unpackMs, imageBytes, unpacked);
    line("skopeo copy + umoci unpack", copyMs + unpackMs, imageBytes, unpacked);
  }
  fs::remove_all(tmp / "ref");
  fs::remove_all(tmp / "bundle");
  // 4. Through a daemon whose store is emptied first (the fixture imports busybox: removed).
  {
    peapod::testing::PeapodDaemon d;
    if (auto r = d.peapod({"rmi", "busybox:latest"}); r.exitCode != 0) return fail("rmi busybox: " + r.err);
    if (!timePodStart(d, "cold-small", busybox, "cold store: apply -> Running (busybox, 1 MB)")) return 1;
    if (!timePodStart(d, "cold-big", ref, "cold store: apply -> Running (this image)")) return 1;
    if (!timePodStart(d, "warm", ref, "warm store: apply -> Running (this image)")) return 1;
    for (std::string img : {busybox, ref}) d.peapod({"rmi", img});
    auto t0 = Clock::now();
    auto pulled = d.peapod({"pull", "-q", ref});
    double ms = msSince(t0);
    if (pulled.exitCode != 0) return fail("peapod pull: " + pulled.err);
    line("peapod pull (CLI -> daemon, cold store)", ms, imageBytes, unpacked);
  }
  // The library again, after the page cache and writeback saw everything above: how much of the
  // spread between the lines is the machine rather than the path.
  return libraryPull("peapod Puller again, last (machine noise)");
}
