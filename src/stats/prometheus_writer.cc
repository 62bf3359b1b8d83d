#include "stats/prometheus_writer.h"

#include <cmath>
#include <cstdio>

namespace memcd {
namespace {

std::string Escape(std::string_view s, bool quote) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string PrometheusWriter::EscapeLabelValue(std::string_view value) {
  return Escape(value, true);
}

std::string PrometheusWriter::EscapeHelp(std::string_view text) { return Escape(text, false); }

void PrometheusWriter::Family(std::string_view name, std::string_view help, MetricType type) {
  out_->append("# HELP ").append(name).append(" ").append(EscapeHelp(help)).append("\n");
  out_->append("# TYPE ").append(name);
  switch (type) {
    case MetricType::kCounter: out_->append(" counter\n"); break;
    case MetricType::kGauge: out_->append(" gauge\n"); break;
    case MetricType::kHistogram: out_->append(" histogram\n"); break;
  }
}

void PrometheusWriter::Labels(const MetricLabels& labels) {
  if (labels.empty()) return;
  out_->append("{");
  bool first = true;
  for (const auto& label : labels) {
    if (!first) out_->append(",");
    first = false;
    out_->append(label.first).append("=\"").append(EscapeLabelValue(label.second)).append("\"");
  }
  out_->append("}");
}

void PrometheusWriter::Sample(std::string_view name, const MetricLabels& labels,
                              uint64_t value) {
  out_->append(name);
  Labels(labels);
  out_->append(" ").append(std::to_string(value)).append("\n");
}

void PrometheusWriter::Sample(std::string_view name, const MetricLabels& labels, double value) {
  out_->append(name);
  Labels(labels);
  char buf[40];
  if (std::isnan(value)) {
    std::snprintf(buf, sizeof(buf), "NaN");
  } else if (std::isinf(value)) {
    std::snprintf(buf, sizeof(buf), value > 0 ? "+Inf" : "-Inf");
  } else {
    std::snprintf(buf, sizeof(buf), "%.15g", value);
  }
  out_->append(" ").append(buf).append("\n");
}

}  // namespace memcd
