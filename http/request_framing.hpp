#pragma once
// RFC 9112 rules on a request's header block, checked before its body is
// read: how the body is framed (§6.1, §6.3) and which host it names (§3.2).
//
// Beast's parser frames a body as chunked only when the last transfer
// coding is `chunked`, and otherwise by Content-Length (or as empty). A
// proxy in front of us that honours some other coding, or prefers
// Transfer-Encoding over Content-Length, would see different request
// boundaries than we do: a request hidden in another's body (smuggling).
// So any Transfer-Encoding but one line saying `chunked`, Transfer-Encoding with
// Content-Length, or Transfer-Encoding in HTTP/1.0, is refused (400, and the
// connection is closed because its framing cannot be trusted), as is a
// request without exactly one valid Host where HTTP/1.1 needs one.
// Pure: no Beast here; the server feeds it the parsed fields.

#include <optional>
#include <string>
#include <string_view>

namespace delta::http {

class request_framing {
 public:
  // `version` as Beast encodes it: 10 for HTTP/1.0, 11 for HTTP/1.1.
  explicit request_framing(unsigned version) : version_(version) {}

  // One header field line, the name in any case.
  void add(std::string_view name, std::string_view value);

  // Why the request must be refused, in words fit for the client; nullopt
  // when its framing and Host are sound.
  std::optional<std::string> problem() const;

 private:
  unsigned version_;
  int hosts_ = 0;
  bool host_valid_ = true;
  bool content_length_ = false;
  int transfer_encodings_ = 0;  // field lines
  bool chunked_ = false;         // the last one says exactly `chunked`
};

}  // namespace delta::http
