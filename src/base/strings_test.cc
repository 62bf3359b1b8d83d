#include "base/strings.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace memcd {
namespace {

using Tokens = std::vector<std::string_view>;

TEST(SplitNonEmptyTest, SkipsRunsOfTheSeparator) {
  EXPECT_EQ(SplitNonEmpty(""), Tokens{});
  EXPECT_EQ(SplitNonEmpty("   "), Tokens{});
  EXPECT_EQ(SplitNonEmpty("a"), Tokens{"a"});
  EXPECT_EQ(SplitNonEmpty("  tune  10 20 "), (Tokens{"tune", "10", "20"}));
  EXPECT_EQ(SplitNonEmpty("1,,2,", ','), (Tokens{"1", "2"}));
  EXPECT_EQ(SplitNonEmpty("a\tb c"), (Tokens{"a\tb", "c"}));  // only the separator splits
}

TEST(NextTokenTest, TakesOneTokenAtATime) {
  std::string_view rest = "  detail  on ";
  EXPECT_EQ(NextToken(&rest), "detail");
  EXPECT_EQ(rest, "  on ");
  EXPECT_EQ(NextToken(&rest), "on");
  EXPECT_EQ(rest, " ");
  EXPECT_EQ(NextToken(&rest), "");
  EXPECT_EQ(rest, "");
  std::string_view one = "x";
  EXPECT_EQ(NextToken(&one), "x");
  EXPECT_TRUE(one.empty());
}

// Every position and every byte value against a byte loop: the word-wise
// scan must find the same first delimiter, never a later one (a byte with
// the top bit set, or one next to a match, must not fool it) and never read
// past `end`.
TEST(FindSpaceOrNewlineTest, AgreesWithAByteLoop) {
  for (size_t len = 0; len <= 20; ++len) {
    for (size_t at = 0; at <= len; ++at) {
      for (int c = 0; c < 256; ++c) {
        std::string s(len, 'x');
        if (at < len) s[at] = static_cast<char>(c);
        if (at + 1 < len) s[at + 1] = static_cast<char>(c ^ 0x80);
        const char* begin = s.data();
        const char* end = begin + len;
        const char* want = begin;
        while (want != end && *want != ' ' && *want != '\n') ++want;
        ASSERT_EQ(FindSpaceOrNewline(begin, end), want) << "len " << len << " at " << at << " byte " << c;
      }
    }
  }
}

TEST(FindSpaceOrNewlineTest, FindsTheFirstOfSeveral) {
  const std::string s = "0123456789ab\n d \n";
  EXPECT_EQ(FindSpaceOrNewline(s.data(), s.data() + s.size()) - s.data(), 12);
  EXPECT_EQ(FindSpaceOrNewline(s.data() + 13, s.data() + s.size()) - s.data(), 13);
  const std::string none = "no-delimiter-in-this-long-token";
  EXPECT_EQ(FindSpaceOrNewline(none.data(), none.data() + none.size()), none.data() + none.size());
  // Stops at `end` even when a delimiter follows it.
  EXPECT_EQ(FindSpaceOrNewline(s.data(), s.data() + 9), s.data() + 9);
}

}  // namespace
}  // namespace memcd
