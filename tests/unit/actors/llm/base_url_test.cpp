// actors/llm/base_url.hpp and provider.hpp: what the HTTP client connects to
// for each kind of base_url, the URLs refused, and each provider's format.
#include "actors/llm/base_url.hpp"

#include "actors/llm/provider.hpp"

#include <gtest/gtest.h>

using namespace delta::llm;

TEST(BaseUrl, SplitsAnHttpsUrlIntoHostPortAndPathPrefix) {
  auto u = parse_base_url("https://api.openai.com/v1");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "api.openai.com");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path_prefix, "/v1");
}

TEST(BaseUrl, UsesPlainTcpAndAnExplicitPortForLocalServers) {
  auto u = parse_base_url("http://127.0.0.1:11434/v1/");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->tls);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 11434);
  EXPECT_EQ(u->path_prefix, "/v1");  // trailing slash dropped
  auto root = parse_base_url("http://LocalHost");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->host, "localhost");
  EXPECT_EQ(root->port, 80);
  EXPECT_EQ(root->path_prefix, "");
}

TEST(BaseUrl, AcceptsABracketedIpv6Literal) {
  auto u = parse_base_url("http://[::1]:8000/v1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 8000);
}

TEST(BaseUrl, RefusesUrlsTheClientCannotOrShouldNotUse) {
  for (const char* bad : {"", "api.openai.com/v1", "ftp://host/", "https://", "https://:443/v1",
                          "https://user:pw@host/v1", "https://host/v1?key=abc", "https://host/v1#x",
                          "https://host:0/", "https://host:65536/", "https://host:12ab/", "https://host:/v1",
                          "https://ho st/v1", "http://[::1/v1", "http://[::1]x/", "http://[::1]:/v1",
                          "https://host/v 1"}) {
    std::string why;
    EXPECT_FALSE(parse_base_url(bad, &why)) << bad;
    EXPECT_FALSE(why.empty()) << bad;
  }
}

TEST(Provider, MapsEveryProviderToItsWireFormat) {
  EXPECT_EQ(wire_format_of("openai"), wire_format::openai);
  EXPECT_EQ(wire_format_of("openai_compat"), wire_format::openai);
  EXPECT_EQ(wire_format_of("ollama"), wire_format::openai);
  EXPECT_EQ(wire_format_of("vllm"), wire_format::openai);
  EXPECT_EQ(wire_format_of("anthropic"), wire_format::anthropic);
  EXPECT_FALSE(wire_format_of("OpenAI"));
  EXPECT_FALSE(wire_format_of("gemini"));
  EXPECT_FALSE(wire_format_of(""));
}
