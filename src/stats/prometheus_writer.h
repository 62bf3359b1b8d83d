// Writes the Prometheus text exposition format, version 0.0.4: per metric
// family one "# HELP" and one "# TYPE" line, then its samples, each
// "name{label="value",...} number\n". Label values and HELP text are
// escaped as the format asks (backslash, newline; and '"' in label values).
// The caller keeps each family's samples together and names valid.
#ifndef MEMCD_STATS_PROMETHEUS_WRITER_H_
#define MEMCD_STATS_PROMETHEUS_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memcd {

enum class MetricType { kCounter, kGauge, kHistogram };

using MetricLabels = std::vector<std::pair<std::string_view, std::string_view>>;

class PrometheusWriter {
 public:
  // Appends to *out, which is borrowed.
  explicit PrometheusWriter(std::string* out) : out_(out) {}

  // Starts family `name` (for a counter, `name` ends in "_total").
  void Family(std::string_view name, std::string_view help, MetricType type);
  // One sample line. `name` is the family's name, or for a histogram the
  // family's name plus "_bucket", "_sum" or "_count".
  void Sample(std::string_view name, const MetricLabels& labels, uint64_t value);
  void Sample(std::string_view name, const MetricLabels& labels, double value);

  // "\" -> "\\", newline -> "\n", and '"' -> "\"" (label values).
  static std::string EscapeLabelValue(std::string_view value);
  // "\" -> "\\" and newline -> "\n" (HELP text).
  static std::string EscapeHelp(std::string_view text);

  // The MIME type of this format, for an HTTP Content-Type header.
  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  void Labels(const MetricLabels& labels);

  std::string* out_;
};

}  // namespace memcd

#endif  // MEMCD_STATS_PROMETHEUS_WRITER_H_
