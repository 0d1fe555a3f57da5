#pragma once
// The line (or lines) deltactl prints when the API refuses a request: the
// error envelope's code and message, the HTTP status and request id, and a
// validation error's {field, problem} details, one per line. Never the body
// as such: a proxy's HTML page is summed up, not dumped.

#include <string>

namespace delta::ctl {

struct refusal {
  unsigned status = 0;
  std::string code;  // the envelope's error.code, "" when the body had none
  std::string message;
};

refusal read_refusal(unsigned status, const std::string& body);
std::string refusal_text(unsigned status, const std::string& body);

}  // namespace delta::ctl
