#include "base/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace memcd {
namespace {

struct HashCase {
  std::string data;
  uint32_t seed;
  uint32_t want;
};

// Published MurmurHash3_x86_32 verification vectors.
TEST(HashTest, KnownVectors) {
  const HashCase cases[] = {
      {"", 0, 0},
      {"", 1, 0x514e28b7u},
      {"", 0xffffffffu, 0x81f16f39u},
      {std::string("\0\0\0\0", 4), 0, 0x2362f9deu},
      {"a", 0x9747b28cu, 0x7fa09ea6u},
      {"aa", 0x9747b28cu, 0x5d211726u},
      {"aaa", 0x9747b28cu, 0x283e0130u},
      {"aaaa", 0x9747b28cu, 0x5a97808au},
      {"abcd", 0x9747b28cu, 0xf0478627u},
      {"Hello, world!", 0x9747b28cu, 0x24884cbau},
      {"Hello, world!", 0, 0xc0363e43u},
      {"The quick brown fox jumps over the lazy dog", 0x9747b28cu, 0x2fa826cdu},
      {"The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723u},
      {"hello", 0, 0x248bfa47u},
  };
  for (const HashCase& c : cases) {
    EXPECT_EQ(MurmurHash3(c.data, c.seed), c.want) << '"' << c.data << '"';
  }
}

TEST(HashTest, HashKeyIsSeedZero) {
  EXPECT_EQ(HashKey(""), 0u);
  EXPECT_EQ(HashKey("hello"), 0x248bfa47u);
  EXPECT_EQ(HashKey("Hello, world!"), 0xc0363e43u);
}

TEST(HashTest, ReadsOnlyTheViewedBytes) {
  // The key is a view into a larger buffer: bytes past its end must not count.
  const std::string buf = "hello world";
  EXPECT_EQ(HashKey(std::string_view(buf).substr(0, 5)), 0x248bfa47u);
}

}  // namespace
}  // namespace memcd
