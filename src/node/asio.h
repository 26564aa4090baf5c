// Boost.Asio for the node's event loop; <utility> first because Boost 1.74's awaitable.hpp uses
// std::exchange without including it.
#pragma once

#include <utility>

#include <boost/asio.hpp>

namespace peapod::node {
namespace asio = boost::asio;
}  // namespace peapod::node
