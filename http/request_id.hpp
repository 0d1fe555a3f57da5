#pragma once
#include <string>

namespace delta::http {

// A client's X-Request-ID is echoed when it is 1..128 of [A-Za-z0-9._-].
bool acceptable_request_id(const std::string& id);

// A fresh random UUID v4 (thread-local generator seeded from the OS).
std::string new_request_id();

}  // namespace delta::http
