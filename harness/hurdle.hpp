// The public API of hurdle in one include: what a C++ test or another program needs.
#pragma once

#include "core/error.hpp"
#include "core/version.hpp"
#include "host/host_service.hpp"
#include "machine/machine.hpp"
