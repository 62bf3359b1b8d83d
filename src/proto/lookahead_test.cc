#include "proto/lookahead.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace memcd {
namespace {

std::vector<std::string> Keys(std::string_view input, size_t max = 16) {
  std::string_view keys[16];
  const size_t n = PipelinedReadKeys(input, keys, max);
  return std::vector<std::string>(keys, keys + n);
}

using V = std::vector<std::string>;

TEST(LookaheadTest, OneRequestIsNotLookedAt) {
  EXPECT_EQ(Keys("get a\r\n"), V{});
  EXPECT_EQ(Keys("mg a v\r\n"), V{});
  EXPECT_EQ(Keys(""), V{});
  EXPECT_EQ(Keys("get a"), V{});
}

TEST(LookaheadTest, FirstKeyOfEachReadLine) {
  EXPECT_EQ(Keys("get a\r\nget bb\r\n"), (V{"a", "bb"}));
  EXPECT_EQ(Keys("get a b c\r\ngets d e\r\nmg f v t\r\nmg g\n"),
            (V{"a", "d", "f", "g"}));
  EXPECT_EQ(Keys("get  spaced \r\nmg k\r\n"), (V{"spaced", "k"}));
  // A "\r" ends the line only before "\n"; inside a key it stays, as the
  // parsers keep it.
  EXPECT_EQ(Keys("get a\rb\r\nmg c\r v\r\n"), (V{"a\rb", "c\r"}));
  // The last line is incomplete: the rest of it has not arrived.
  EXPECT_EQ(Keys("get a\r\nget b\r\nget cc"), (V{"a", "b"}));
}

TEST(LookaheadTest, StopsAtOtherCommandsAndAtMax) {
  // A set's data block could read as a command: never look past a set.
  EXPECT_EQ(Keys("get a\r\nset b 0 0 9\r\nget c\r\n\r\nget d\r\n"), V{"a"});
  EXPECT_EQ(Keys("set b 0 0 1\r\nx\r\nget c\r\n"), V{});
  EXPECT_EQ(Keys("get\r\nget a\r\n"), V{}) << "no key: stop";
  EXPECT_EQ(Keys("getx a\r\nget b\r\n"), V{});
  EXPECT_EQ(Keys("mn\r\nmg a\r\n"), V{});
  std::string many;
  for (int i = 0; i < 40; ++i) many += "mg k" + std::to_string(i) + " v\r\n";
  const V got = Keys(many, 16);
  ASSERT_EQ(got.size(), 16u);
  EXPECT_EQ(got.front(), "k0");
  EXPECT_EQ(got.back(), "k15");
}

TEST(LookaheadTest, QuickTestNeverHidesABatch) {
  // Whenever PipelinedReadKeys finds keys, the quick test lets it look.
  const char* inputs[] = {
      "get a\r\nget b\r\n", "mg a v\r\nmg b\r\n", "gets a\r\nmg b\r\n",
      "get a\nget b\n",       "get a\r\nget b",     "get a\r\n",
      "set a 0 0 1\r\nx\r\n", "mn\r\nmg a\r\n",     "",
      "g",                    "delete a\r\nget b\r\n"};
  for (const char* input : inputs) {
    std::string_view keys[16];
    const size_t n = PipelinedReadKeys(input, keys, 16);
    if (n > 0) {
      EXPECT_TRUE(MayHoldPipelinedReads(input)) << input;
    }
  }
  EXPECT_TRUE(MayHoldPipelinedReads("get a\r\nget b\r\n"));
  EXPECT_FALSE(MayHoldPipelinedReads("get a\r\n")) << "one request per read";
  EXPECT_FALSE(MayHoldPipelinedReads("set a 0 0 1\r\nx\r\n")) << "not a read";
  EXPECT_FALSE(MayHoldPipelinedReads("get a"));
  EXPECT_FALSE(MayHoldPipelinedReads(""));
}

}  // namespace
}  // namespace memcd
