// actors/cluster/node_id.hpp: what API.md accepts as a node id.
#include "actors/cluster/node_id.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace delta::cluster;
using namespace std::string_literals;

TEST(NodeId, AcceptsOneToSixtyFourCharactersOfTheAlphabet) {
  EXPECT_TRUE(valid_node_id("a"));
  EXPECT_TRUE(valid_node_id("deltad-host.example-4242-0f3a9c1e"));
  EXPECT_TRUE(valid_node_id(std::string(64, 'Z')));
  EXPECT_TRUE(valid_node_id(node_id_alphabet.substr(0, 64)));
  EXPECT_TRUE(valid_node_id(node_id_alphabet.substr(1)));
}

TEST(NodeId, RefusesEmptyTooLongAndOtherCharacters) {
  EXPECT_FALSE(valid_node_id(""));
  EXPECT_FALSE(valid_node_id(std::string(65, 'a')));
  for (const auto& bad : {"a b"s, "a/b"s, "a:b"s, "%2e"s, "\xc3\xa9"s, "a\n"s, "a\0b"s})
    EXPECT_FALSE(valid_node_id(bad)) << bad;
}
