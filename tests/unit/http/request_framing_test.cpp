// http/request_framing.hpp: which header blocks may frame a body and name a
// host (RFC 9112 §3.2, §6.1, §6.3); everything else is refused before the
// body is read.
#include "http/request_framing.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

using namespace delta::http;

namespace {

using fields = std::initializer_list<std::pair<const char*, const char*>>;

std::optional<std::string> problem_of(unsigned version, fields header) {
  request_framing framing{version};
  for (auto& [name, value] : header) framing.add(name, value);
  return framing.problem();
}

}  // namespace

TEST(RequestFraming, AcceptsContentLengthOrChunkedAloneInAnyCase) {
  EXPECT_EQ(problem_of(11, {{"Host", "x"}}), std::nullopt);
  EXPECT_EQ(problem_of(11, {{"Host", "x"}, {"Content-Length", "5"}}), std::nullopt);
  for (auto coding : {"chunked", "Chunked", "CHUNKED", " chunked "})
    EXPECT_EQ(problem_of(11, {{"host", "x"}, {"transfer-encoding", coding}}), std::nullopt) << coding;
}

TEST(RequestFraming, RefusesEveryTransferCodingButChunked) {
  for (auto coding : {"xchunked", "gzip", "identity", "chunked, identity", "gzip, chunked", "chunked, chunked",
                      "chunked;q=1", "", " , ", "chunked x", "chunked,", ", chunked"})
    EXPECT_NE(problem_of(11, {{"Host", "x"}, {"Transfer-Encoding", coding}}), std::nullopt) << coding;
}

TEST(RequestFraming, RefusesTransferEncodingOverSeveralFieldLines) {
  EXPECT_NE(problem_of(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "gzip"}}),
            std::nullopt);
  EXPECT_NE(problem_of(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}),
            std::nullopt);
}

TEST(RequestFraming, RefusesTransferEncodingWithContentLengthInEitherOrder) {
  EXPECT_NE(problem_of(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}),
            std::nullopt);
  EXPECT_NE(problem_of(11, {{"Host", "x"}, {"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}}),
            std::nullopt);
  EXPECT_NE(problem_of(11, {{"Host", "x"}, {"Transfer-Encoding", "xchunked"}, {"Content-Length", "5"}}),
            std::nullopt);
}

TEST(RequestFraming, RefusesTransferEncodingInHttp10) {
  EXPECT_NE(problem_of(10, {{"Transfer-Encoding", "chunked"}}), std::nullopt);
}

TEST(RequestFraming, Http11NeedsExactlyOneHost) {
  EXPECT_NE(problem_of(11, {}), std::nullopt);
  EXPECT_NE(problem_of(11, {{"Content-Length", "0"}}), std::nullopt);
  EXPECT_NE(problem_of(11, {{"Host", "a"}, {"Host", "a"}}), std::nullopt);
  EXPECT_NE(problem_of(11, {{"Host", "a"}, {"HOST", "b"}}), std::nullopt);
}

TEST(RequestFraming, Http10MayLeaveOutHostButNotSendTwo) {
  EXPECT_EQ(problem_of(10, {}), std::nullopt);
  EXPECT_EQ(problem_of(10, {{"Host", "x"}}), std::nullopt);
  EXPECT_NE(problem_of(10, {{"Host", "a"}, {"Host", "b"}}), std::nullopt);
}

TEST(RequestFraming, AcceptsNamesAddressesAndPortsAsHost) {
  for (auto host : {"x", "api.example.com", "127.0.0.1:8080", "[::1]:8080", "xn--bcher-kva.example", ""})
    EXPECT_EQ(problem_of(11, {{"Host", host}}), std::nullopt) << host;
}

TEST(RequestFraming, RefusesHostsWithCharactersNoHostHas) {
  for (auto host : {"a b", "a/b", "user@host", "a?b", "a#b", "\"a\"", "a\\b", "h\xc3\xa9"})
    EXPECT_NE(problem_of(11, {{"Host", host}}), std::nullopt) << host;
}
