#pragma once
// The options every deltactl command takes (before or after its name).

#include <string>

namespace delta::ctl {

struct global_options {
  std::string url = "http://127.0.0.1:8080";  // --url, DELTACTL_URL
  std::string token;                           // --token: a session token instead of the stored credential
  std::string api_key;                         // --api-key: an API key instead of the stored credential
  bool json = false;                           // --json: the answer's data as one pretty JSON document
  int timeout_seconds = 10;                    // --timeout: bound of one request, connect to last byte
};

}  // namespace delta::ctl
