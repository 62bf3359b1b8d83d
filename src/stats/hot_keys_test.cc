#include "stats/hot_keys.h"

#include <string>
#include <vector>

#include "base/clock.h"
#include "gtest/gtest.h"

namespace memcd {
namespace {

TEST(SpaceSavingTest, CountsExactlyWhileUnderCapacity) {
  SpaceSaving s(4);
  s.Add("a");
  s.Add("b", 3);
  s.Add("a");
  ASSERT_EQ(s.entries().size(), 2u);
  EXPECT_EQ(s.entries()[0].key, "a");
  EXPECT_EQ(s.entries()[0].count, 2u);
  EXPECT_EQ(s.entries()[1].count, 3u);
  EXPECT_EQ(s.entries()[1].error, 0u);
}

TEST(SpaceSavingTest, NewKeyTakesOverTheSmallestCounter) {
  SpaceSaving s(2);
  s.Add("a", 5);
  s.Add("b", 2);
  s.Add("c");  // replaces b: count 2 + 1, error 2
  ASSERT_EQ(s.entries().size(), 2u);
  EXPECT_EQ(s.entries()[1].key, "c");
  EXPECT_EQ(s.entries()[1].count, 3u);
  EXPECT_EQ(s.entries()[1].error, 2u);
  s.Add("b");  // b is gone: takes over c's counter
  EXPECT_EQ(s.entries()[1].key, "b");
  EXPECT_EQ(s.entries()[1].count, 4u);
  s.Clear();
  EXPECT_TRUE(s.entries().empty());
}

// One key in 10 is "hot"; the rest are spread over 5,000 keys.
void Feed(HotKeySketch* sketch, const Clock& clock, HotKeyKind kind, int requests) {
  for (int i = 0; i < requests; ++i) {
    const std::string key = i % 10 == 0 ? "hot" : "cold" + std::to_string(i % 5000);
    if (kind == HotKeyKind::kRead) {
      sketch->NoteRead(key, clock);
    } else {
      sketch->NoteWrite(key, clock);
    }
  }
}

TEST(HotKeySketchTest, FindsAPlantedHeavyKeyWithRoughlyItsCount) {
  FakeClock clock;
  HotKeySketch a, b;  // two workers
  Feed(&a, clock, HotKeyKind::kRead, 100000);
  Feed(&b, clock, HotKeyKind::kRead, 100000);
  const std::vector<HotKey> top = TopHotKeys({&a, &b}, HotKeyKind::kRead, clock.Now(), 10);
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0].key, "hot");
  // True count 20,000; sampling 1 in 16 and Space-Saving's overestimate.
  EXPECT_GT(top[0].count, 16000u);
  EXPECT_LT(top[0].count, 26000u);
  EXPECT_LE(top.size(), 10u);
  // Nothing was written.
  EXPECT_TRUE(TopHotKeys({&a, &b}, HotKeyKind::kWrite, clock.Now(), 10).empty());
}

TEST(HotKeySketchTest, ReadsAndWritesAreSeparate) {
  FakeClock clock;
  HotKeySketch s;
  for (int i = 0; i < 3200; ++i) {
    s.NoteRead("r" + std::to_string(i % 2), clock);
    s.NoteWrite(i % 4 == 0 ? "w" : "x" + std::to_string(i), clock);
  }
  const std::vector<HotKey> writes = TopHotKeys({&s}, HotKeyKind::kWrite, clock.Now(), 1);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].key, "w");
  const std::vector<HotKey> reads = TopHotKeys({&s}, HotKeyKind::kRead, clock.Now(), 5);
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].key.substr(0, 1), "r");
}

TEST(HotKeySketchTest, TheWindowForgets) {
  FakeClock clock;
  HotKeySketch s;
  Feed(&s, clock, HotKeyKind::kRead, 20000);
  clock.Advance(30);
  EXPECT_EQ(TopHotKeys({&s}, HotKeyKind::kRead, clock.Now(), 1).at(0).key, "hot");
  // Past the last sub-window that saw traffic: all forgotten.
  clock.Advance(HotKeySketch::kSubWindows * HotKeySketch::kSubWindowSeconds);
  EXPECT_TRUE(TopHotKeys({&s}, HotKeyKind::kRead, clock.Now(), 1).empty());
  // New traffic reuses the stale sub-window.
  for (int i = 0; i < 1600; ++i) s.NoteRead("fresh", clock);
  const std::vector<HotKey> top = TopHotKeys({&s}, HotKeyKind::kRead, clock.Now(), 5);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].key, "fresh");
}

TEST(HotKeySketchTest, OffSamplesNothing) {
  FakeClock clock;
  HotKeySketch s;
  s.set_sample_every(0);
  Feed(&s, clock, HotKeyKind::kRead, 10000);
  EXPECT_TRUE(TopHotKeys({&s}, HotKeyKind::kRead, clock.Now(), 10).empty());
}

TEST(HotKeySketchTest, EverySampledWhenSampleEveryIsOne) {
  FakeClock clock;
  HotKeySketch s;
  s.set_sample_every(1);
  for (int i = 0; i < 7; ++i) s.NoteWrite("k", clock);
  const std::vector<HotKey> top = TopHotKeys({&s}, HotKeyKind::kWrite, clock.Now(), 10);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].count, 7u);
}

}  // namespace
}  // namespace memcd
