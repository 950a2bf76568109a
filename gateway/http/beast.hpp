#pragma once
// The one way to include Boost.Beast (after our Asio wrapper, which fixes Boost 1.74's includes).
#include "core/common/asio.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace parley::gateway {
namespace beast = boost::beast;
namespace http_proto = boost::beast::http;
}  // namespace parley::gateway
