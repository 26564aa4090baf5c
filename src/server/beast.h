// Boost.Beast on top of the node's Asio include (which works around a Boost 1.74 header bug).
#pragma once

#include "node/asio.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace peapod::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
}  // namespace peapod::server
