// ImageApi: JSON in and out; blocking store and registry work hops to a worker thread and back.
#include "server/image_api.h"

#include <chrono>
#include <deque>
#include <mutex>

#include <nlohmann/json.hpp>

#include "image/export.h"
#include "server/api_status.h"

namespace peapod::server {
namespace {

using nlohmann::json;

json imageJson(const image::Image& img, const std::set<std::string>& inUse) {
  return {{"id", img.id},     {"digest", img.digest},   {"names", img.names},
          {"size", img.size}, {"created", img.created}, {"inUse", inUse.count(img.id) > 0}};
}

json configJson(const image::ImageConfig& c) {
  return {{"Entrypoint", c.entrypoint}, {"Cmd", c.cmd},           {"Env", c.env},
          {"WorkingDir", c.workingDir}, {"User", c.user},         {"StopSignal", c.stopSignal},
          {"Labels", c.labels}};
}

// Runs job on the worker pool and resumes the calling coroutine on its executor with the result.
// (Callers pass named locals: GCC 12 destroys temporaries in co_await operands twice.)
template <class T>
asio::awaitable<T> onWorker(asio::thread_pool* pool, std::function<T()> job) {
  auto home = co_await asio::this_coro::executor;
  auto initiate = [pool, home, job = std::move(job)](auto handler) mutable {
    asio::post(*pool, [home, job = std::move(job), handler = std::move(handler)]() mutable {
      auto result = std::make_shared<T>(job());
      asio::post(home, [handler = std::move(handler), result]() mutable { handler(std::move(*result)); });
    });
  };
  T result = co_await asio::async_initiate<decltype(asio::use_awaitable), void(T)>(std::move(initiate),
                                                                                    asio::use_awaitable);
  co_return result;
}

Result<json> jsonBody(const Request& req) {
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Error("expected a JSON object body");
  return body;
}

std::string stringField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Response errorFor(const Error& e, const std::string& what) {
  if (e.code() == ENOENT) return statusError(404, "NotFound", what + ": " + e.message());
  if (e.code() == EBUSY) return statusError(409, "Conflict", e.message());
  if (e.code() == EACCES) return statusError(401, "Unauthorized", what + ": " + e.message());
  return badRequest(what + ": " + e.message());
}

}  // namespace

asio::awaitable<Response> ImageApi::handle(const Request& req) {
  const std::string& p = req.path;
  const bool get = req.method == "GET", post = req.method == "POST";
  if (p == "/peapod/v1/images" && get) co_return list();
  if (p == "/peapod/v1/images/inspect" && get) co_return inspect(req);
  if (p == "/peapod/v1/images/import" && post) co_return co_await import(req);
  if (p == "/peapod/v1/images/pull" && post) co_return co_await pull(req);
  if (p == "/peapod/v1/images/pull" && get) co_return pullStream(req.param("image"));
  if (p == "/peapod/v1/images/remove" && post) co_return co_await remove(req);
  if (p == "/peapod/v1/images/export" && post) co_return co_await exportImage(req);
  if (p == "/peapod/v1/images/prune" && post) co_return co_await prune();
  co_return statusError(404, "NotFound", "no such image endpoint: " + req.method + " " + p);
}

Response ImageApi::list() {
  auto used = inUse();
  json items = json::array();
  for (const auto& img : images_.list()) items.push_back(imageJson(img, used));
  return jsonResponse(200, json{{"items", items}}.dump());
}

Response ImageApi::inspect(const Request& req) {
  std::string ref = req.param("image");
  auto img = images_.find(ref);
  if (!img.ok()) return errorFor(img.error(), "inspect " + ref);
  json j = imageJson(*img, inUse());
  j["config"] = configJson(img->config);
  j["layers"] = img->layerDirs;
  json repoDigests = json::array();
  for (const auto& n : img->names) repoDigests.push_back(n.substr(0, n.rfind(':')) + "@" + img->digest);
  j["repoDigests"] = repoDigests;
  return jsonResponse(200, j.dump());
}

asio::awaitable<Response> ImageApi::import(const Request& req) {
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("path") || !body["path"].is_string()) {
    co_return badRequest("expected a JSON body {\"path\": \"/abs/path\", \"tag\": \"name:tag\"}");
  }
  std::string path = body["path"];
  std::optional<std::string> tag;
  if (body.contains("tag") && body["tag"].is_string() && !body["tag"].get<std::string>().empty()) tag = body["tag"];
  using ImportResult = Result<std::vector<image::Image>>;
  std::function<ImportResult()> job = [this, path, tag] { return images_.importArchive(path, tag); };
  ImportResult result = co_await onWorker<ImportResult>(&workers_, std::move(job));
  if (!result.ok()) co_return badRequest("import " + path + ": " + result.error().message());
  imagesChanged_();
  auto used = inUse();
  json items = json::array();
  for (const auto& img : *result) items.push_back(imageJson(img, used));
  co_return jsonResponse(200, json{{"items", items}}.dump());
}

asio::awaitable<Response> ImageApi::pull(const Request& req) {
  auto body = jsonBody(req);
  std::string ref = body.ok() ? stringField(*body, "image") : "";
  if (ref.empty()) co_return badRequest("expected a JSON body {\"image\": \"name[:tag]\"}");
  if (!puller_) co_return badRequest("this daemon does not pull images");
  // Pulls share the node's puller: a pod starting meanwhile joins this download.
  using PullR = Result<image::PullResult>;
  image::Puller* puller = puller_;
  std::function<PullR()> job = [puller, ref] { return puller->pull(ref); };
  PullR result = co_await onWorker<PullR>(&pulls_, std::move(job));
  if (!result.ok()) co_return errorFor(result.error(), "pull " + ref);
  imagesChanged_();
  co_return jsonResponse(200, json{{"image", imageJson(result->image, inUse())},
                                   {"downloaded", result->downloadedBytes}}.dump());
}

Response ImageApi::pullStream(const std::string& ref) {
  if (ref.empty()) return badRequest("expected ?image=name[:tag]");
  if (!puller_) return badRequest("this daemon does not pull images");
  Response r;
  r.contentType = "application/json";
  image::Puller* puller = puller_;
  asio::thread_pool* pool = &pulls_;
  auto changed = imagesChanged_;
  r.stream = [puller, pool, ref, changed](ResponseStream& out) -> asio::awaitable<void> {
    // Progress from the pull threads is queued (latest per layer) and flushed every 100 ms.
    struct Shared {
      std::mutex mu;
      std::vector<std::string> order;
      std::map<std::string, json> latest;
      std::optional<json> final;
    };
    auto shared = std::make_shared<Shared>();
    asio::post(*pool, [puller, ref, shared] {
      auto result = puller->pull(ref, [shared](const image::PullProgress& p) {
        std::lock_guard lock(shared->mu);
        std::string key = p.digest.empty() ? "*" : p.digest;
        if (!shared->latest.count(key)) shared->order.push_back(key);
        shared->latest[key] = json{{"status", std::string(image::phaseName(p.phase))},
                                   {"id", p.digest.empty() ? "" : p.digest.substr(7, 12)},
                                   {"current", p.current},
                                   {"total", p.total}};
      });
      std::lock_guard lock(shared->mu);
      if (result.ok())
        shared->final = json{{"image", imageJson(result->image, {})}, {"downloaded", result->downloadedBytes}};
      else
        shared->final = json{{"error", result.error().message()}};
    });
    asio::steady_timer timer(co_await asio::this_coro::executor);
    std::map<std::string, std::string> sent;
    while (true) {
      std::string chunk;
      bool done = false;
      {
        std::lock_guard lock(shared->mu);
        for (const auto& k : shared->order) {
          std::string line = shared->latest[k].dump();
          if (sent[k] != line) chunk += line + "\n";
          sent[k] = line;
        }
        if (shared->final) {
          chunk += shared->final->dump() + "\n";
          done = true;
        }
      }
      if (!chunk.empty() && !co_await out.write(chunk)) co_return;  // the pull goes on without us
      if (done) break;
      timer.expires_after(std::chrono::milliseconds(100));
      co_await timer.async_wait(asio::use_awaitable);
    }
    if (changed) changed();
  };
  return r;
}

asio::awaitable<Response> ImageApi::remove(const Request& req) {
  auto body = jsonBody(req);
  std::string ref = body.ok() ? stringField(*body, "image") : "";
  if (ref.empty()) co_return badRequest("expected a JSON body {\"image\": \"name[:tag]|id\", \"force\": false}");
  bool force = body->value("force", false);
  auto used = inUse();
  using R = Status;
  std::function<R()> job = [this, ref, used, force] { return images_.remove(ref, used, force); };
  R result = co_await onWorker<R>(&workers_, std::move(job));
  if (!result.ok()) co_return errorFor(result.error(), "remove " + ref);
  co_return jsonResponse(200, json{{"removed", ref}}.dump());
}

asio::awaitable<Response> ImageApi::exportImage(const Request& req) {
  auto body = jsonBody(req);
  if (!body.ok()) co_return badRequest("expected a JSON body {\"image\", \"path\", \"format\"}");
  std::string ref = stringField(*body, "image"), path = stringField(*body, "path");
  if (ref.empty() || path.empty() || path[0] != '/') co_return badRequest("export needs \"image\" and an absolute \"path\"");
  auto format = image::parseExportFormat(stringField(*body, "format"));
  if (!format.ok()) co_return badRequest(format.error().message());
  using R = Status;
  image::ExportFormat f = *format;
  std::function<R()> job = [this, ref, path, f] { return image::exportImage(images_, ref, path, f); };
  R result = co_await onWorker<R>(&workers_, std::move(job));
  if (!result.ok()) co_return errorFor(result.error(), "export " + ref);
  co_return jsonResponse(200, json{{"path", path}}.dump());
}

asio::awaitable<Response> ImageApi::prune() {
  auto used = inUse();
  using R = Result<std::vector<image::Image>>;
  std::function<R()> job = [this, used] { return images_.prune(used, std::nullopt); };
  R result = co_await onWorker<R>(&workers_, std::move(job));
  if (!result.ok()) co_return badRequest("prune: " + result.error().message());
  json items = json::array();
  uint64_t freed = 0;
  for (const auto& img : *result) {
    items.push_back(imageJson(img, {}));
    freed += img.size;
  }
  co_return jsonResponse(200, json{{"removed", items}, {"reclaimed", freed}}.dump());
}

}  // namespace peapod::server
