// ImageApi: peapod's own image endpoints under /peapod/v1/images, used by `peapod images`,
// `peapod pull`, `peapod rmi` and `peapod image import|export|inspect|prune`. Slow work runs on
// worker threads so the API stays responsive: imports, exports and pruning on the daemon's
// worker pool, pulls on their own small pool, so a slow registry holds up neither imports nor
// pulls of other images.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "image/pull.h"
#include "image/store.h"
#include "server/beast.h"
#include "server/http_types.h"

namespace peapod::server {

class ImageApi {
 public:
  // `puller` may be null (no registry pulls); `inUse` returns the ids of images pods use.
  ImageApi(image::Store& images, asio::thread_pool& workers, std::function<void()> imagesChanged,
           image::Puller* puller = nullptr, std::function<std::set<std::string>()> inUse = {})
      : images_(images),
        workers_(workers),
        imagesChanged_(std::move(imagesChanged)),
        puller_(puller),
        inUse_(std::move(inUse)) {}

  // Routes every /peapod/v1/images* request:
  //   GET  /peapod/v1/images                          list
  //   GET  /peapod/v1/images/inspect?image=REF        one image in full
  //   POST /peapod/v1/images/import   {"path", "tag"}
  //   POST /peapod/v1/images/pull     {"image"}       -> the image when done
  //   GET  /peapod/v1/images/pull?image=REF           the same, streamed: one JSON progress object
  //                                                   per line, then {"image": ...} or {"error": ...}
  //   POST /peapod/v1/images/remove   {"image", "force"}  refused (409) while pods use it
  //   POST /peapod/v1/images/export   {"image", "path", "format": "oci"|"docker"}
  //   POST /peapod/v1/images/prune                    removes every image no pod uses
  asio::awaitable<Response> handle(const Request& req);

  Response list();
  asio::awaitable<Response> import(const Request& req);

 private:
  asio::awaitable<Response> pull(const Request& req);
  Response pullStream(const std::string& ref);
  Response inspect(const Request& req);
  asio::awaitable<Response> remove(const Request& req);
  asio::awaitable<Response> exportImage(const Request& req);
  asio::awaitable<Response> prune();
  std::set<std::string> inUse() const { return inUse_ ? inUse_() : std::set<std::string>{}; }

  // Pulls of distinct images run at once, up to this many; more wait for a free thread. (Pulls of
  // one reference share a single download in image::Puller.)
  static constexpr int kPullThreads = 4;

  image::Store& images_;
  asio::thread_pool& workers_;
  asio::thread_pool pulls_{kPullThreads};  // its destructor waits for pulls still running
  std::function<void()> imagesChanged_;
  image::Puller* puller_;
  std::function<std::set<std::string>()> inUse_;
};

}  // namespace peapod::server
