// Boost.Process v2 as hurdle uses it (private to the library and tests, never installed API).
// Boost 1.81's v2 headers use boost::optional and boost's type traits without including them;
// include those first, so every user of Boost.Process goes through this one header.
#pragma once

#include <boost/optional.hpp>
#include <boost/type_traits.hpp>

#include <boost/asio.hpp>
#include <boost/process/v2.hpp>
