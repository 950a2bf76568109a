#pragma once
// The one way to include Boost.Asio. Boost 1.74's headers use std::exchange and friends without
// including <utility>, which g++ 12 in C++20 mode no longer pulls in transitively.
#include <utility>

#include <boost/asio.hpp>

namespace parley {
namespace asio = boost::asio;
}  // namespace parley
