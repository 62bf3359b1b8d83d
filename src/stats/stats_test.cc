#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "stats/stats_writer.h"
#include "stats/thread_stats.h"

namespace memcd {
namespace {

TEST(StatsWriterTest, FormatsLinesExactly) {
  std::string out;
  StatsWriter w(&out);
  w.Add("pid", uint64_t{42});
  w.Add("version", "1.6.0");
  w.AddSigned("neg", -3);
  w.AddSeconds("rusage_user", 1, 5);
  w.AddDouble("factor", 1.25);
  w.End();
  EXPECT_EQ(out,
            "STAT pid 42\r\nSTAT version 1.6.0\r\nSTAT neg -3\r\n"
            "STAT rusage_user 1.000005\r\nSTAT factor 1.25\r\nEND\r\n");
}

TEST(ThreadStatsTest, TotalsSumEveryCounter) {
  ThreadStats a, b;
  a.get_cmds.Add(3);
  b.get_cmds.Add(4);
  b.bytes_written.Add(100);
  a.conn_yields.Add();
  ThreadStatsTotals t;
  t.Add(a);
  t.Add(b);
  EXPECT_EQ(t.get_cmds, 7u);
  EXPECT_EQ(t.bytes_written, 100u);
  EXPECT_EQ(t.conn_yields, 1u);
  EXPECT_EQ(t.get_hits, 0u);
  ThreadStatsTotals base = t;
  a.get_cmds.Add(2);
  ThreadStatsTotals later;
  later.Add(a);
  later.Add(b);
  later.Subtract(base);
  EXPECT_EQ(later.get_cmds, 2u);
  EXPECT_EQ(later.bytes_written, 0u);
}

TEST(ThreadStatsTest, ReaderSeesWriterProgress) {
  ThreadStats s;
  std::thread writer([&s] {
    for (int i = 0; i < 100000; i++) s.get_hits.Add();
  });
  uint64_t last = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t now = s.get_hits.Get();
    ASSERT_GE(now, last);  // monotonic from a single writer
    last = now;
  }
  writer.join();
  EXPECT_EQ(s.get_hits.Get(), 100000u);
}

}  // namespace
}  // namespace memcd
