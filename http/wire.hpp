#pragma once
// HTTP/1.1 response serialisation into one contiguous buffer. Beast's
// generic serializer (buffer sequences of buffer sequences) cost ~25k
// instructions per response here, more than the rest of a /health request;
// writing one string costs a few hundred. Header values come from our own
// code or are validated first (request ids, allowlisted origins): none
// contains CR or LF.

#include "http/message.hpp"

#include <string>

namespace delta::http {

std::string_view reason_phrase(int status);

// Status line, `fixed` headers, then res.headers, Content-Type, Content-Length
// (not for 1xx/204/304), Connection: close when !keep_alive, blank line, body.
std::string serialize_response(const response& res, const header_list& fixed, bool keep_alive);

}  // namespace delta::http
