#pragma once
// The password of `deltactl login`: prompted on the terminal without echo,
// or, when stdin is not a terminal (scripts, tests), its first line.

#include <string>

namespace delta::ctl {

// failure{usage} when no password arrives (end of input, or an empty line).
std::string read_password(const std::string& prompt);

}  // namespace delta::ctl
