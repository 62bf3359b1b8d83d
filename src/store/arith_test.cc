#include "store/arith.h"

#include <gtest/gtest.h>

#include <string>

namespace memcd {
namespace {

struct ParseCase {
  std::string value;
  bool ok;
  uint64_t want;
};

// Each row was checked against memcached 1.6.18's incr.
TEST(ArithTest, ParseArithValueFollowsSafeStrtoull) {
  const ParseCase cases[] = {
      {"100", true, 100},
      {"0", true, 0},
      {"5  ", true, 5},    // decr's space padding
      {"12 a", true, 12},  // anything after a space is ignored
      {"1 2", true, 1},
      {" 12", true, 12},  // leading space
      {"5\t", true, 5},
      {"+5", true, 5},
      {"-0", true, 0},
      {std::string("12\0x", 4), true, 12},
      {"18446744073709551615", true, 18446744073709551615u},
      {"18446744073709551616", false, 0},  // overflow
      {"99999999999999999999999", false, 0},
      {"-1", false, 0},
      {"-", false, 0},
      {"", false, 0},
      {" ", false, 0},
      {"5x", false, 0},
      {"abc", false, 0},
      {"0x10", false, 0},
  };
  for (const ParseCase& c : cases) {
    uint64_t v = 777;
    EXPECT_EQ(ParseArithValue(c.value, &v), c.ok) << '"' << c.value << '"';
    if (c.ok) {
      EXPECT_EQ(v, c.want) << '"' << c.value << '"';
    }
  }
}

TEST(ArithTest, ParseReadsOnlyTheValue) {
  // The digits after the view belong to the next item, not to this value.
  const std::string memory = "12345";
  uint64_t v = 0;
  ASSERT_TRUE(ParseArithValue(std::string_view(memory).substr(0, 2), &v));
  EXPECT_EQ(v, 12u);
}

struct DeltaCase {
  uint64_t value;
  bool incr;
  uint64_t delta;
  uint64_t want;
};

TEST(ArithTest, ApplyDeltaWrapsUpAndFloorsDown) {
  const DeltaCase cases[] = {
      {1, true, 1, 2},
      {18446744073709551615u, true, 1, 0},
      {18446744073709551615u, true, 2, 1},
      {5, false, 3, 2},
      {5, false, 5, 0},
      {5, false, 6, 0},
      {0, false, 18446744073709551615u, 0},
  };
  for (const DeltaCase& c : cases) {
    EXPECT_EQ(ApplyDelta(c.value, c.incr, c.delta), c.want)
        << c.value << (c.incr ? " + " : " - ") << c.delta;
  }
}

}  // namespace
}  // namespace memcd
