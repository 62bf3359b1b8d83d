#include "base/numbers.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace memcd {
namespace {

// One row per token; `ok` false means every parser must refuse it and leave
// the output alone.
struct UnsignedCase {
  const char* in;
  bool ok;
  uint64_t want;
};

TEST(NumbersTest, ParseUint64) {
  const UnsignedCase kCases[] = {
      {"0", true, 0},
      {"1", true, 1},
      {"007", true, 7},  // leading zeros: memcached accepts them
      {"+5", true, 5},   // memcached's strtoull takes a '+'
      {"+0", true, 0},
      {"18446744073709551615", true, std::numeric_limits<uint64_t>::max()},
      {"018446744073709551615", true, std::numeric_limits<uint64_t>::max()},
      {"18446744073709551616", false, 0},  // one past the maximum
      {"18446744073709551620", false, 0},  // overflow in the last digit
      {"99999999999999999999", false, 0},
      {"184467440737095516150", false, 0},
      {"-1", false, 0},  // never wrapped
      {"-0", false, 0},  // memcached accepts this one; we do not
      {"-18446744073709551615", false, 0},  // memcached's strtoull gives 1
      {"", false, 0},
      {"+", false, 0},
      {"-", false, 0},
      {"++1", false, 0},
      {"+-1", false, 0},
      {"1a", false, 0},
      {"a1", false, 0},
      {"1 ", false, 0},
      {" 1", false, 0},
      {"1\t", false, 0},  // memcached stops at the tab and accepts
      {"\t1", false, 0},
      {"1\r", false, 0},
      {"0x10", false, 0},
      {"1.0", false, 0},
      {"1e3", false, 0},
  };
  for (const UnsignedCase& c : kCases) {
    uint64_t got = 12345;
    EXPECT_EQ(ParseUint64(c.in, &got), c.ok) << "'" << c.in << "'";
    EXPECT_EQ(got, c.ok ? c.want : 12345u) << "'" << c.in << "'";
  }
}

TEST(NumbersTest, ParseUint64RefusesEmbeddedNul) {
  uint64_t got = 9;
  EXPECT_FALSE(ParseUint64(std::string_view("1\0", 2), &got));
  EXPECT_FALSE(ParseUint64(std::string_view("\0", 1), &got));
  EXPECT_EQ(got, 9u);
}

TEST(NumbersTest, ParseUint32) {
  const UnsignedCase kCases[] = {
      {"0", true, 0},
      {"4294967295", true, 4294967295u},
      {"+4294967295", true, 4294967295u},
      {"0004294967295", true, 4294967295u},
      // memcached's strtoul is 64-bit here and truncates these to 0 and 1.
      {"4294967296", false, 0},
      {"4294967297", false, 0},
      {"42949672950", false, 0},
      {"18446744073709551616", false, 0},
      {"-1", false, 0},
      {"-0", false, 0},
      {"", false, 0},
      {"12x", false, 0},
  };
  for (const UnsignedCase& c : kCases) {
    uint32_t got = 777;
    EXPECT_EQ(ParseUint32(c.in, &got), c.ok) << "'" << c.in << "'";
    EXPECT_EQ(got, c.ok ? c.want : 777u) << "'" << c.in << "'";
  }
}

struct SignedCase {
  const char* in;
  bool ok;
  int64_t want;
};

TEST(NumbersTest, ParseInt64) {
  const SignedCase kCases[] = {
      {"0", true, 0},
      {"-0", true, 0},
      {"+0", true, 0},
      {"42", true, 42},
      {"+42", true, 42},
      {"-42", true, -42},
      {"-007", true, -7},
      {"9223372036854775807", true, std::numeric_limits<int64_t>::max()},
      {"-9223372036854775808", true, std::numeric_limits<int64_t>::min()},
      {"9223372036854775808", false, 0},
      {"-9223372036854775809", false, 0},
      {"18446744073709551615", false, 0},
      {"-", false, 0},
      {"+", false, 0},
      {"--1", false, 0},
      {"-+1", false, 0},
      {"+-1", false, 0},
      {"", false, 0},
      {"1-", false, 0},
      {" -1", false, 0},
      {"-1 ", false, 0},
  };
  for (const SignedCase& c : kCases) {
    int64_t got = 555;
    EXPECT_EQ(ParseInt64(c.in, &got), c.ok) << "'" << c.in << "'";
    EXPECT_EQ(got, c.ok ? c.want : 555) << "'" << c.in << "'";
  }
}

TEST(NumbersTest, ParseInt32) {
  const SignedCase kCases[] = {
      {"0", true, 0},
      {"-1", true, -1},
      {"2147483647", true, 2147483647},
      {"-2147483648", true, -2147483648LL},
      {"+2147483647", true, 2147483647},
      // memcached's strtol is 64-bit here and truncates these silently.
      {"2147483648", false, 0},
      {"-2147483649", false, 0},
      {"4294967297", false, 0},
      {"9223372036854775808", false, 0},
      {"abc", false, 0},
      {"1\t", false, 0},
  };
  for (const SignedCase& c : kCases) {
    int32_t got = 555;
    EXPECT_EQ(ParseInt32(c.in, &got), c.ok) << "'" << c.in << "'";
    EXPECT_EQ(got, c.ok ? c.want : 555) << "'" << c.in << "'";
  }
}

TEST(NumbersTest, FormatUint64Table) {
  const struct {
    uint64_t v;
    const char* want;
  } kCases[] = {
      {0, "0"},
      {7, "7"},
      {9, "9"},
      {10, "10"},
      {99, "99"},
      {100, "100"},
      {999, "999"},
      {1000, "1000"},
      {9999, "9999"},
      {10000, "10000"},
      {12345678, "12345678"},
      {4294967295u, "4294967295"},
      {10000000000000000000u, "10000000000000000000"},
      {std::numeric_limits<uint64_t>::max(), "18446744073709551615"},
  };
  for (const auto& c : kCases) {
    char buf[24];
    std::memset(buf, '#', sizeof(buf));
    const size_t len = FormatUint64(c.v, buf);
    EXPECT_EQ(std::string(buf, len), c.want);
    EXPECT_EQ(buf[len], '#') << "wrote past the returned length";
  }
}

// Every power of ten and its neighbours, then random values, against
// std::to_string, and back through ParseUint64.
TEST(NumbersTest, FormatUint64RoundTrips) {
  std::vector<uint64_t> values;
  uint64_t p = 1;
  for (int i = 0; i < 20; ++i) {
    values.push_back(p - 1);
    values.push_back(p);
    values.push_back(p + 1);
    p *= 10;
  }
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) values.push_back(rng() >> (rng() % 64));
  for (uint64_t v : values) {
    char buf[20];
    const std::string_view s(buf, FormatUint64(v, buf));
    EXPECT_EQ(s, std::to_string(v));
    uint64_t back = 0;
    ASSERT_TRUE(ParseUint64(s, &back)) << s;
    EXPECT_EQ(back, v);
  }
}

}  // namespace
}  // namespace memcd
