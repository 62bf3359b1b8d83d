#include "base/strings.h"

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

}  // namespace
}  // namespace memcd
