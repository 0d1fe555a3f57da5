#pragma once
// Wiring of one deltad node: settings -> pool -> actors -> HTTP edge.
#include "config/settings.hpp"

namespace delta::cmd {

// Serves until SIGTERM/SIGINT; returns the process exit code.
int serve(const config::settings& settings);

}  // namespace delta::cmd
