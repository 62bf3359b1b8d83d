#include "stats/prometheus_writer.h"

#include <string>

#include "gtest/gtest.h"

namespace memcd {
namespace {

TEST(PrometheusWriterTest, EscapesLabelValues) {
  const struct {
    const char* in;
    const char* out;
  } kCases[] = {
      {"plain", "plain"},
      {"a\"b", "a\\\"b"},
      {"back\\slash", "back\\\\slash"},
      {"new\nline", "new\\nline"},
      {"tab\tstays", "tab\tstays"},
  };
  for (const auto& c : kCases) EXPECT_EQ(PrometheusWriter::EscapeLabelValue(c.in), c.out);
  EXPECT_EQ(PrometheusWriter::EscapeHelp("say \"hi\"\\\n"), "say \"hi\"\\\\\\n");
}

TEST(PrometheusWriterTest, WritesFamiliesAndSamplesExactly) {
  std::string out;
  PrometheusWriter w(&out);
  w.Family("memcd_get_hits_total", "Keys found by get.", MetricType::kCounter);
  w.Sample("memcd_get_hits_total", {}, uint64_t{7});
  w.Family("memcd_slab_used_chunks", "Chunks in use.", MetricType::kGauge);
  w.Sample("memcd_slab_used_chunks", {{"class", "1"}}, uint64_t{3});
  w.Family("memcd_hot_key_reads", "Hot.", MetricType::kGauge);
  w.Sample("memcd_hot_key_reads", {{"rank", "1"}, {"key", "a\"b"}}, uint64_t{16});
  w.Family("memcd_latency_seconds", "Time.", MetricType::kHistogram);
  w.Sample("memcd_latency_seconds_sum", {{"command", "get"}}, 0.25);
  w.Sample("memcd_uptime", {}, 1.0 / 0.0);
  EXPECT_EQ(out,
            "# HELP memcd_get_hits_total Keys found by get.\n"
            "# TYPE memcd_get_hits_total counter\n"
            "memcd_get_hits_total 7\n"
            "# HELP memcd_slab_used_chunks Chunks in use.\n"
            "# TYPE memcd_slab_used_chunks gauge\n"
            "memcd_slab_used_chunks{class=\"1\"} 3\n"
            "# HELP memcd_hot_key_reads Hot.\n"
            "# TYPE memcd_hot_key_reads gauge\n"
            "memcd_hot_key_reads{rank=\"1\",key=\"a\\\"b\"} 16\n"
            "# HELP memcd_latency_seconds Time.\n"
            "# TYPE memcd_latency_seconds histogram\n"
            "memcd_latency_seconds_sum{command=\"get\"} 0.25\n"
            "memcd_uptime +Inf\n");
}

}  // namespace
}  // namespace memcd
