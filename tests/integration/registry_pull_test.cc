// Root tests of pulling from registries: a real docker-registry on loopback (anonymous, Basic
// auth, manifest lists, corrupted blobs, malicious layers, concurrent pulls) and an in-process
// registry front for Bearer tokens and cross-host blob redirects.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "image/auth.h"
#include "image/digest.h"
#include "image/pull.h"
#include "image/registry_client.h"
#include "image/store.h"
#include "image/testing/layout_builder.h"
#include "testing/fixtures.h"
#include "testing/registry_fixture.h"

namespace peapod::image {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using peapod::testing::LocalRegistry;
using peapod::testing::MiniHttpServer;
using peapod::testing::TempDir;

bool isEmptyDir(const fs::path& p) { return fs::is_empty(p); }

class RegistryPullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PEAPOD_REQUIRE_ROOT();
    if (!fs::exists("/usr/bin/docker-registry") || !fs::exists("/usr/bin/skopeo"))
      GTEST_SKIP() << "needs docker-registry and skopeo (scripts/install-deps)";
    ASSERT_TRUE(fs::exists(peapod::testing::busyboxImageDir() / "index.json")) << "build the busybox_image target";
    auto s = Store::open(tmp_ / "store");
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(*s);
  }
  std::unique_ptr<Puller> puller(RegistryOptions o = {}) {
    o.attempts = 2;
    o.retryBase = std::chrono::milliseconds(10);
    client_ = std::make_unique<RegistryClient>(std::move(o));
    return std::make_unique<Puller>(*store_, *client_);
  }
  void expectNothingStored() {
    EXPECT_TRUE(store_->list().empty());
    EXPECT_TRUE(isEmptyDir(tmp_ / "store/layers/sha256"));
    EXPECT_TRUE(isEmptyDir(tmp_ / "store/blobs/sha256"));
    EXPECT_TRUE(isEmptyDir(tmp_ / "store/tmp"));
  }
  // The busybox layout's single manifest, parsed.
  static json busyboxManifest() {
    auto index = json::parse(peapod::testing::readFile(peapod::testing::busyboxImageDir() / "index.json"));
    std::string d = index["manifests"][0]["digest"];
    return json::parse(peapod::testing::readFile(peapod::testing::busyboxImageDir() / "blobs/sha256" / d.substr(7)));
  }
  TempDir tmp_{"peapod-pull"};
  std::unique_ptr<Store> store_;
  std::unique_ptr<RegistryClient> client_;
};

TEST_F(RegistryPullTest, AnonymousPullThenAgainReusesEverything) {
  LocalRegistry reg;
  ASSERT_TRUE(reg.ok()) << reg.error();
  ASSERT_EQ(reg.push(peapod::testing::busyboxImageDir(), "latest", "library/busybox:latest"), "");
  auto p = puller();
  std::string ref = reg.host() + "/library/busybox:latest";
  std::vector<std::string> phases;
  std::mutex mu;
  auto r = p->pull(ref, [&](const PullProgress& pr) {
    std::lock_guard lock(mu);
    phases.emplace_back(phaseName(pr.phase));
  });
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->image.names, std::vector<std::string>{ref});
  EXPECT_GT(r->downloadedBytes, 100000u);
  ASSERT_EQ(r->image.layerDirs.size(), 1u);
  EXPECT_TRUE(fs::exists(fs::path(r->image.layerDirs[0]) / "bin/busybox"));
  EXPECT_EQ(r->image.config.cmd, std::vector<std::string>{"sh"});
  EXPECT_NE(std::find(phases.begin(), phases.end(), "Downloading"), phases.end());
  EXPECT_TRUE(isEmptyDir(tmp_ / "store/tmp"));

  // The same content under the same name: nothing is downloaded again.
  auto again = p->pull(ref);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->image.id, r->image.id);
  EXPECT_EQ(again->downloadedBytes, 0u);
  // Found by its digest reference too.
  auto byDigest = store_->find(reg.host() + "/library/busybox@" + r->image.digest);
  ASSERT_TRUE(byDigest.ok()) << byDigest.error().message();
  // A tag the registry does not have: a clear not-found error.
  auto missing = p->pull(reg.host() + "/library/busybox:nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("not found"), std::string::npos) << missing.error().message();
}

TEST_F(RegistryPullTest, BasicAuthNeedsCredentialsFromConfigJson) {
  LocalRegistry reg(LocalRegistry::Options{.basicAuth = true});
  ASSERT_TRUE(reg.ok()) << reg.error();
  ASSERT_EQ(reg.push(peapod::testing::busyboxImageDir(), "latest", "team/app:1"), "");
  std::string ref = reg.host() + "/team/app:1";

  auto anon = puller(RegistryOptions{.authFile = "/nonexistent/auth.json"})->pull(ref);
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(anon.error().code(), EACCES);
  EXPECT_NE(anon.error().message().find("no credentials for \"" + reg.host() + "\""), std::string::npos)
      << anon.error().message();
  expectNothingStored();

  auto wrong = AuthConfig::parse(json{{"auths", {{reg.host(), {{"auth", base64Encode("peapod:wrong")}}}}}}.dump());
  ASSERT_TRUE(wrong.ok());
  auto denied = puller(RegistryOptions{.auth = *wrong})->pull(ref);
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().message().find("401"), std::string::npos) << denied.error().message();

  // "auth" (base64 user:password) and the username/password form both work.
  auto b64 = AuthConfig::parse(json{{"auths", {{"http://" + reg.host() + "/v2/", {{"auth", base64Encode("peapod:s3cret-pw")}}}}}}.dump());
  ASSERT_TRUE(b64.ok());
  auto r = puller(RegistryOptions{.auth = *b64})->pull(ref);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(fs::exists(fs::path(r->image.layerDirs.at(0)) / "bin/busybox"));
  auto plain = AuthConfig::parse(json{{"auths", {{reg.host(), {{"username", "peapod"}, {"password", "s3cret-pw"}}}}}}.dump());
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(store_->remove(ref).ok());
  auto r2 = puller(RegistryOptions{.auth = *plain})->pull(ref);
  ASSERT_TRUE(r2.ok()) << r2.error().message();
}

// An in-process registry serving the busybox layout that wants a Bearer token from a token
// server (which wants Basic credentials), and redirects blob GETs to a third server.
TEST_F(RegistryPullTest, BearerTokenAuthAndRedirectedBlobsWithoutTheToken) {
  fs::path layout = peapod::testing::busyboxImageDir();
  const std::string token = "tok-" + peapod::testing::randomSuffix(12);
  MiniHttpServer storage(peapod::testing::layoutRegistryHandler(layout));
  MiniHttpServer tokens([&](const MiniHttpServer::Request& req) {
    MiniHttpServer::Response r;
    auto auth = req.headers.find("authorization");
    if (auth == req.headers.end() || auth->second != "Basic " + base64Encode("robot:pw")) {
      r.status = 401;
      return r;
    }
    r.body = json{{"token", token}, {"expires_in", 300}}.dump();
    return r;
  });
  auto serveLayout = peapod::testing::layoutRegistryHandler(layout);
  MiniHttpServer registry([&](const MiniHttpServer::Request& req) {
    auto auth = req.headers.find("authorization");
    if (auth == req.headers.end() || auth->second != "Bearer " + token) {
      MiniHttpServer::Response r;
      r.status = 401;
      r.headers["WWW-Authenticate"] = "Bearer realm=\"" + tokens.url() +
                                      "/token\",service=\"peapod-test\",scope=\"repository:library/busybox:pull\"";
      r.body = R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})";
      return r;
    }
    if (req.target.find("/blobs/") != std::string::npos) {
      MiniHttpServer::Response r;
      r.status = 307;
      r.headers["Location"] = storage.url() + req.target;
      return r;
    }
    return serveLayout(req);
  });
  std::string host = "127.0.0.1:" + std::to_string(registry.port());
  std::string ref = host + "/library/busybox:latest";

  auto noCreds = puller()->pull(ref);
  ASSERT_FALSE(noCreds.ok());
  EXPECT_NE(noCreds.error().message().find("token endpoint"), std::string::npos) << noCreds.error().message();

  auto cfg = AuthConfig::parse(json{{"auths", {{host, {{"auth", base64Encode("robot:pw")}}}}}}.dump());
  ASSERT_TRUE(cfg.ok());
  auto r = puller(RegistryOptions{.auth = *cfg})->pull(ref);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(fs::exists(fs::path(r->image.layerDirs.at(0)) / "bin/busybox"));
  // The token server saw the scope; the blob storage never saw the registry's token.
  bool scoped = false;
  for (const auto& q : tokens.requests())
    scoped = scoped || q.target.find("scope=repository%3Alibrary%2Fbusybox%3Apull") != std::string::npos;
  EXPECT_TRUE(scoped);
  auto blobGets = storage.requests();
  EXPECT_GE(blobGets.size(), 2u);  // config and layer
  for (const auto& q : blobGets) EXPECT_EQ(q.headers.count("authorization"), 0u) << q.target;
}

// A manifest list with an arm64 image first: the linux/amd64 one is chosen.
TEST_F(RegistryPullTest, ManifestListSelectsLinuxAmd64) {
  fs::path layout = tmp_ / "multi";
  fs::copy(peapod::testing::busyboxImageDir(), layout, fs::copy_options::recursive);
  json amd = busyboxManifest();
  auto index = json::parse(peapod::testing::readFile(layout / "index.json"));
  json amdDesc = index["manifests"][0];
  amdDesc.erase("annotations");
  // An arm64 config and manifest sharing the layer.
  std::string amdConfig = amd["config"]["digest"];
  json cfg = json::parse(peapod::testing::readFile(layout / "blobs/sha256" / amdConfig.substr(7)));
  cfg["architecture"] = "arm64";
  cfg["variant"] = "v8";
  auto put = [&](const std::string& data) {
    std::string d = sha256Digest(data);
    std::ofstream(layout / "blobs/sha256" / d.substr(7), std::ios::binary) << data;
    return json{{"digest", d}, {"size", data.size()}};
  };
  json armCfgDesc = put(cfg.dump());
  json arm = amd;
  arm["config"]["digest"] = armCfgDesc["digest"];
  arm["config"]["size"] = armCfgDesc["size"];
  json armDesc = put(arm.dump());
  armDesc["mediaType"] = "application/vnd.oci.image.manifest.v1+json";
  armDesc["platform"] = {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}};
  json list{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"},
            {"manifests", {armDesc, amdDesc}}};
  json listDesc = put(list.dump());
  listDesc["mediaType"] = "application/vnd.oci.image.index.v1+json";
  listDesc["annotations"] = {{"org.opencontainers.image.ref.name", "multi"}};
  index["manifests"] = {listDesc};
  std::ofstream(layout / "index.json") << index.dump();

  LocalRegistry reg;
  ASSERT_TRUE(reg.ok()) << reg.error();
  ASSERT_EQ(reg.push(layout, "multi", "library/multi:1", /*all=*/true), "");
  auto r = puller()->pull(reg.host() + "/library/multi:1");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->image.id, amdConfig);
  EXPECT_EQ(r->image.digest, amdDesc["digest"]);
}

TEST_F(RegistryPullTest, CorruptedBlobIsRefusedNamingTheDigestAndNothingIsStored) {
  LocalRegistry reg;
  ASSERT_TRUE(reg.ok()) << reg.error();
  ASSERT_EQ(reg.push(peapod::testing::busyboxImageDir(), "latest", "library/busybox:latest"), "");
  std::string layer = busyboxManifest()["layers"][0]["digest"];
  fs::path file = reg.blobFile(layer);
  ASSERT_TRUE(fs::exists(file));
  {  // flip one byte in the middle: same size, different content
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(fs::file_size(file) / 2));
    char c;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
    f.put(static_cast<char>(c ^ 0x5a));
  }
  auto r = puller()->pull(reg.host() + "/library/busybox:latest");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("digest mismatch"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find(layer), std::string::npos) << r.error().message();
  expectNothingStored();
}

TEST_F(RegistryPullTest, MaliciousLayersAreRefused) {
  using namespace testing;  // NOLINT: layout builder helpers
  std::string victim = "peapod-escape-" + peapod::testing::randomSuffix();
  LocalRegistry reg;
  ASSERT_TRUE(reg.ok()) << reg.error();
  struct Case {
    std::string tag;
    std::vector<TarEntry> entries;
    std::string expect;
  };
  std::vector<Case> cases = {
      {"dotdot", {fileEntry("ok", "1"), fileEntry("../" + victim, "x")}, ".."},
      {"symlink", {linkEntry("link", "/"), fileEntry("link/tmp/" + victim, "pwned")}, "outside the root"},
      {"relative", {dirEntry("a"), linkEntry("a/up", "../../../../../../../../tmp"), fileEntry("a/up/" + victim, "x")},
       "outside the root"},
  };
  for (const auto& c : cases) {
    fs::path dir = tmp_ / ("evil-" + c.tag);
    auto w = writeLayout(dir, {c.entries}, LayoutOptions{.annotations = {{"org.opencontainers.image.ref.name", c.tag}}});
    ASSERT_TRUE(w.ok()) << w.error().message();
    ASSERT_EQ(reg.push(dir, c.tag, "evil/img:" + c.tag), "");
    auto r = puller()->pull(reg.host() + "/evil/img:" + c.tag);
    ASSERT_FALSE(r.ok()) << c.tag;
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos) << c.tag << ": " << r.error().message();
    EXPECT_FALSE(fs::exists("/tmp/" + victim));
    expectNothingStored();
  }
}

// Layers as the registry serves them: zstd (tar+zstd) and uncompressed (tar) as well as gzip.
TEST_F(RegistryPullTest, ZstdAndUncompressedLayersArePulledAndUnpacked) {
  using namespace testing;  // NOLINT: layout builder helpers
  for (auto [name, compression] : {std::pair{"zstd", Compression::kZstd}, std::pair{"plain", Compression::kNone}}) {
    fs::path dir = tmp_ / name;
    auto w = writeLayout(dir, {{dirEntry("etc"), fileEntry("etc/base", std::string(50000, 'b'))},
                               {fileEntry("etc/top", name), linkEntry("etc/link", "top")}},
                         LayoutOptions{.compression = compression,
                                       .annotations = {{"org.opencontainers.image.ref.name", name}}});
    ASSERT_TRUE(w.ok()) << w.error().message();
    auto manifest = json::parse(peapod::testing::readFile(dir / "blobs/sha256" / w->substr(7)));
    std::string mt = manifest["layers"][0]["mediaType"];
    EXPECT_EQ(mt, compression == Compression::kZstd ? "application/vnd.oci.image.layer.v1.tar+zstd"
                                                    : "application/vnd.oci.image.layer.v1.tar");
    MiniHttpServer registry(peapod::testing::layoutRegistryHandler(dir));
    auto r = puller()->pull("127.0.0.1:" + std::to_string(registry.port()) + "/layers/" + name + ":" + name);
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().message();
    ASSERT_EQ(r->image.layerDirs.size(), 2u);
    EXPECT_EQ(fs::file_size(fs::path(r->image.layerDirs[0]) / "etc/base"), 50000u);
    EXPECT_EQ(peapod::testing::readFile(fs::path(r->image.layerDirs[1]) / "etc/link"), name);
  }
}

// A corrupted blob among several layers downloaded in parallel: the good layers were already
// fetched and unpacked in staging, yet nothing at all reaches the store.
TEST_F(RegistryPullTest, CorruptedLayerAmongGoodOnesLeavesNothingStored) {
  using namespace testing;  // NOLINT: layout builder helpers
  fs::path dir = tmp_ / "layout";
  std::vector<std::vector<TarEntry>> layers;
  for (int i = 0; i < 4; ++i) layers.push_back({fileEntry("f" + std::to_string(i), std::string(100000 + i, 'x'))});
  auto w = writeLayout(dir, layers, LayoutOptions{.annotations = {{"org.opencontainers.image.ref.name", "v1"}}});
  ASSERT_TRUE(w.ok()) << w.error().message();
  auto manifest = json::parse(peapod::testing::readFile(dir / "blobs/sha256" / w->substr(7)));
  std::string bad = manifest["layers"][3]["digest"];
  fs::path file = dir / "blobs/sha256" / bad.substr(7);
  std::string data = peapod::testing::readFile(file);
  data[data.size() / 2] ^= 0x5a;
  std::ofstream(file, std::ios::binary | std::ios::trunc) << data;
  MiniHttpServer registry(peapod::testing::layoutRegistryHandler(dir));
  auto r = puller()->pull("127.0.0.1:" + std::to_string(registry.port()) + "/corrupt/img:v1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find(bad), std::string::npos) << r.error().message();
  expectNothingStored();
}

// 5xx answers are retried with back-off (here: 2 attempts, 10 ms apart); a registry that keeps
// failing gives up with the last error and stores nothing.
TEST_F(RegistryPullTest, ServerErrorsAreRetriedThenGivenUp) {
  auto serve = peapod::testing::layoutRegistryHandler(peapod::testing::busyboxImageDir());
  std::mutex mu;
  std::set<std::string> failedOnce;
  MiniHttpServer flaky([&](const MiniHttpServer::Request& req) {
    std::lock_guard lock(mu);
    if (req.target != "/v2/" && failedOnce.insert(req.target).second) {
      MiniHttpServer::Response r;
      r.status = 503;
      r.body = R"({"errors":[{"code":"UNAVAILABLE","message":"try again"}]})";
      return r;
    }
    return serve(req);
  });
  auto r = puller()->pull("127.0.0.1:" + std::to_string(flaky.port()) + "/library/busybox:latest");
  ASSERT_TRUE(r.ok()) << r.error().message();
  // Every path (manifest, config, layer) was asked twice: 503, then the content.
  std::map<std::string, int> asked;
  for (const auto& q : flaky.requests())
    if (q.target != "/v2/") ++asked[q.target];
  EXPECT_EQ(asked.size(), 3u);
  for (const auto& [target, n] : asked) EXPECT_EQ(n, 2) << target;
  ASSERT_TRUE(store_->remove(r->image.id).ok());

  MiniHttpServer down([](const MiniHttpServer::Request&) {
    MiniHttpServer::Response r;
    r.status = 503;
    return r;
  });
  auto failed = puller()->pull("127.0.0.1:" + std::to_string(down.port()) + "/library/busybox:latest");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message().find("503"), std::string::npos) << failed.error().message();
  EXPECT_NE(failed.error().message().find("gave up after 2 attempts"), std::string::npos) << failed.error().message();
  expectNothingStored();
}

TEST_F(RegistryPullTest, ConcurrentPullsOfOneImageDownloadItOnce) {
  fs::path layout = peapod::testing::busyboxImageDir();
  MiniHttpServer registry(peapod::testing::layoutRegistryHandler(layout));
  std::string ref = "127.0.0.1:" + std::to_string(registry.port()) + "/library/busybox:latest";
  auto p = puller();
  std::vector<std::thread> threads;
  std::vector<std::optional<Result<PullResult>>> results(4);
  for (size_t i = 0; i < results.size(); ++i) threads.emplace_back([&, i] { results[i] = p->pull(ref); });
  for (auto& t : threads) t.join();
  std::string id;
  for (auto& r : results) {
    ASSERT_TRUE(r && r->ok()) << (r ? r->error().message() : "no result");
    if (id.empty()) id = (*r)->image.id;
    EXPECT_EQ((*r)->image.id, id);
  }
  // Every blob crossed the wire once, whichever pulls overlapped.
  std::map<std::string, int> gets;
  for (const auto& q : registry.requests())
    if (q.target.find("/blobs/") != std::string::npos) ++gets[q.target];
  EXPECT_EQ(gets.size(), 2u);
  for (const auto& [target, n] : gets) EXPECT_EQ(n, 1) << target;
  EXPECT_EQ(store_->list().size(), 1u);
}

}  // namespace
}  // namespace peapod::image
