#include "server/reply_line.h"

#include <gtest/gtest.h>

#include <string>

namespace memcd {
namespace {

TEST(ReplyLineTest, BuildsALine) {
  ReplyLine line;
  EXPECT_EQ(line.view(), "");
  line.Assign("VA ");
  line.AppendNumber(100);
  line.Push(' ');
  line.Append("t-1");
  line.AppendNumber(0);
  line.AppendNumber(18446744073709551615u);
  EXPECT_EQ(line.view(), "VA 100 t-1018446744073709551615");
  line.Assign("HD");  // starts over
  EXPECT_EQ(line.view(), "HD");
}

TEST(ReplyLineTest, FillsToCapacity) {
  ReplyLine line;
  const std::string full(ReplyLine::kCapacity - 1, 'x');
  line.Assign(full);
  line.Push('y');
  EXPECT_EQ(line.view(), full + "y");
}

TEST(ReplyLineDeathTest, OverflowIsABug) {
  // Re-executes the binary instead of forking a threaded one (sanitizers).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ReplyLine line;
  line.Assign(std::string(ReplyLine::kCapacity, 'x'));
  EXPECT_DEATH(line.Push('y'), "reply line overflow");
}

}  // namespace
}  // namespace memcd
