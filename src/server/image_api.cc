#include "server/image_api.h"

#include <nlohmann/json.hpp>

#include "server/api_status.h"

namespace peapod::server {
namespace {

nlohmann::json imageJson(const image::Image& img) {
  return {{"id", img.id}, {"digest", img.digest}, {"names", img.names}, {"size", img.size}, {"created", img.created}};
}

// Runs job on the worker pool and resumes the calling coroutine on `home` with its result.
// (Callers pass named locals: GCC 12 destroys temporaries in co_await operands twice.)
using ImportResult = Result<std::vector<image::Image>>;
using ImportJob = std::function<ImportResult()>;

asio::awaitable<ImportResult> onWorker(asio::thread_pool* pool, ImportJob job) {
  auto home = co_await asio::this_coro::executor;
  auto initiate = [pool, home, job = std::move(job)](auto handler) mutable {
    asio::post(*pool, [home, job = std::move(job), handler = std::move(handler)]() mutable {
      auto result = std::make_shared<ImportResult>(job());
      asio::post(home, [handler = std::move(handler), result]() mutable { handler(std::move(*result)); });
    });
  };
  ImportResult result = co_await asio::async_initiate<decltype(asio::use_awaitable), void(ImportResult)>(
      std::move(initiate), asio::use_awaitable);
  co_return result;
}

}  // namespace

Response ImageApi::list() {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& img : images_.list()) items.push_back(imageJson(img));
  return jsonResponse(200, nlohmann::json{{"items", items}}.dump());
}

asio::awaitable<Response> ImageApi::import(const Request& req) {
  auto body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("path") || !body["path"].is_string()) {
    co_return badRequest("expected a JSON body {\"path\": \"/abs/path\", \"tag\": \"name:tag\"}");
  }
  std::string path = body["path"];
  std::optional<std::string> tag;
  if (body.contains("tag") && body["tag"].is_string() && !body["tag"].get<std::string>().empty()) tag = body["tag"];
  ImportJob job = [this, path, tag] { return images_.importArchive(path, tag); };
  ImportResult result = co_await onWorker(&workers_, std::move(job));
  if (!result.ok()) co_return badRequest("import " + path + ": " + result.error().message());
  imagesChanged_();
  nlohmann::json items = nlohmann::json::array();
  for (const auto& img : *result) items.push_back(imageJson(img));
  co_return jsonResponse(200, nlohmann::json{{"items", items}}.dump());
}

}  // namespace peapod::server
