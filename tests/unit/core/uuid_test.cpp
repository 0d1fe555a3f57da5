// core/uuid.hpp: the canonical 8-4-4-4-12 form, nothing else.
#include "core/uuid.hpp"

#include <gtest/gtest.h>

using delta::core::is_uuid;

TEST(Uuid, AcceptsTheCanonicalFormInEitherCase) {
  EXPECT_TRUE(is_uuid("00000000-0000-4000-8000-0000000000d1"));
  EXPECT_TRUE(is_uuid("6F1C7A3E-ABCD-4000-8000-00000000FFFF"));
}

TEST(Uuid, RefusesEveryOtherShape) {
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("00000000000040008000000000000000d1"));    // no dashes
  EXPECT_FALSE(is_uuid("00000000-0000-4000-8000-0000000000d"));   // short
  EXPECT_FALSE(is_uuid("00000000-0000-4000-8000-0000000000d12"));  // long
  EXPECT_FALSE(is_uuid("0000000-00000-4000-8000-0000000000d1"));  // dash misplaced
  EXPECT_FALSE(is_uuid("00000000-0000-4000-8000-0000000000g1"));  // not hex
  EXPECT_FALSE(is_uuid("{0000000-0000-4000-8000-0000000000d}"));
  EXPECT_FALSE(is_uuid("00000000-0000-4000-8000-00000000'OR'"));
}
