#include "base/verbosity.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace memcd {
namespace {

// Restores the level a test changed, so test order does not matter.
class VerbosityTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = VerbosityLevel(); }
  void TearDown() override { SetVerbosityLevel(saved_); }

 private:
  int saved_ = 0;
};

TEST_F(VerbosityTest, SetThenRead) {
  for (int level : {0, 1, 2, 3, 0}) {
    SetVerbosityLevel(level);
    EXPECT_EQ(VerbosityLevel(), level);
  }
}

// Counts how often the message of a MEMCD_VLOG is built: only when the
// level is at least the one asked for.
TEST_F(VerbosityTest, MessageBuiltOnlyWhenOn) {
  struct Case {
    int level;     // SetVerbosityLevel
    int vlog;      // MEMCD_VLOG(vlog)
    bool emitted;  // whether the stream expression ran
  };
  const Case kCases[] = {
      {0, 1, false}, {1, 1, true}, {1, 2, false}, {2, 1, true},
      {2, 2, true},  {2, 3, false}, {3, 3, true},
  };
  for (const Case& c : kCases) {
    SetVerbosityLevel(c.level);
    int built = 0;
    auto touch = [&built]() {
      ++built;
      return "x";
    };
    MEMCD_VLOG(c.vlog) << touch();
    EXPECT_EQ(built, c.emitted ? 1 : 0) << "level " << c.level << " vlog " << c.vlog;
  }
}

// The "verbosity" command's pattern: one thread sets the level while others
// log by it. Under ThreadSanitizer this is the regression test for the race
// that writing FLAGS_v had; without it, it checks every reader ends by
// seeing the last value written.
TEST_F(VerbosityTest, ConcurrentSetAndRead) {
  SetVerbosityLevel(0);
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  std::vector<int> last(4, -1);
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&stop, &last, i]() {
      while (!stop.load(std::memory_order_acquire)) {
        MEMCD_VLOG(9) << "never at these levels";
      }
      last[i] = VerbosityLevel();
    });
  }
  for (int n = 0; n < 10000; ++n) SetVerbosityLevel(n % 4);
  SetVerbosityLevel(2);
  stop.store(true, std::memory_order_release);
  for (std::thread& t : readers) t.join();
  for (int v : last) EXPECT_EQ(v, 2);
}

}  // namespace
}  // namespace memcd
