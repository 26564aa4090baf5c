// ImageApi: peapod's own image endpoints (/peapod/v1/images), used by `peapod image import` and
// `peapod images`. Imports run on a worker thread so the API stays responsive.
#pragma once

#include <functional>

#include "image/store.h"
#include "server/beast.h"
#include "server/http_types.h"

namespace peapod::server {

class ImageApi {
 public:
  ImageApi(image::Store& images, asio::thread_pool& workers, std::function<void()> imagesChanged)
      : images_(images), workers_(workers), imagesChanged_(std::move(imagesChanged)) {}

  Response list();
  // Body {"path": "/abs/dir-or.tar", "tag": "name:tag" (optional)}.
  asio::awaitable<Response> import(const Request& req);

 private:
  image::Store& images_;
  asio::thread_pool& workers_;
  std::function<void()> imagesChanged_;
};

}  // namespace peapod::server
