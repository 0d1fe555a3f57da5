#include "cmd/deltactl/endpoint.hpp"

#include <gtest/gtest.h>

using delta::ctl::parse_endpoint;

TEST(DeltactlEndpoint, ReadsHostAndPortOfThePlainDefault) {
  auto e = parse_endpoint("http://127.0.0.1:8080");
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->tls);
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, "8080");
  EXPECT_EQ(e->prefix, "");
  EXPECT_EQ(e->host_header(), "127.0.0.1:8080");
  EXPECT_EQ(e->canonical(), "http://127.0.0.1:8080");
}

TEST(DeltactlEndpoint, UsesTheSchemesDefaultPortAndLeavesItOutOfTheCanonicalSpelling) {
  auto https = parse_endpoint("HTTPS://Delta.Example.COM");
  ASSERT_TRUE(https);
  EXPECT_TRUE(https->tls);
  EXPECT_EQ(https->port, "443");
  EXPECT_EQ(https->canonical(), "https://delta.example.com");
  EXPECT_EQ(parse_endpoint("http://h:80")->canonical(), "http://h");
  EXPECT_EQ(parse_endpoint("https://h:8443")->canonical(), "https://h:8443");
}

TEST(DeltactlEndpoint, KeepsAPathPrefixWithoutItsTrailingSlashes) {
  auto e = parse_endpoint("https://proxy.local/delta/node1//");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->prefix, "/delta/node1");
  EXPECT_EQ(e->canonical(), "https://proxy.local/delta/node1");
  EXPECT_EQ(parse_endpoint("http://h:1/")->canonical(), "http://h:1");
}

TEST(DeltactlEndpoint, ReadsBracketedIpv6Addresses) {
  auto e = parse_endpoint("http://[::1]:8080");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, "8080");
  EXPECT_EQ(e->host_header(), "[::1]:8080");
  EXPECT_EQ(parse_endpoint("http://[::1]")->canonical(), "http://[::1]");
}

TEST(DeltactlEndpoint, NormalisesThePortsSpelling) { EXPECT_EQ(parse_endpoint("http://h:08080")->port, "8080"); }

TEST(DeltactlEndpoint, RefusesWhatItCannotUse) {
  for (auto* bad : {"127.0.0.1:8080", "ftp://h", "http://", "http://:80", "http://h:", "http://h:0", "http://h:65536",
                    "http://h:8o", "http://h/x?y=1", "http://h#top", "http://user:pw@h", "http://[::1", "http://[::1]x",
                    "http://h h", "http://h/é"}) {
    EXPECT_FALSE(parse_endpoint(bad)) << bad;
  }
}
