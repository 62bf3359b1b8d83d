#include "stats/stats_writer.h"

#include <cinttypes>
#include <cstdio>

namespace memcd {

void StatsWriter::Add(std::string_view name, std::string_view value) {
  out_->append("STAT ");
  out_->append(name);
  out_->push_back(' ');
  out_->append(value);
  out_->append("\r\n");
}

void StatsWriter::Add(std::string_view name, uint64_t value) {
  char buf[24];
  int n = snprintf(buf, sizeof(buf), "%" PRIu64, value);
  Add(name, std::string_view(buf, n));
}

void StatsWriter::AddSigned(std::string_view name, int64_t value) {
  char buf[24];
  int n = snprintf(buf, sizeof(buf), "%" PRId64, value);
  Add(name, std::string_view(buf, n));
}

void StatsWriter::AddSeconds(std::string_view name, int64_t seconds,
                             int64_t micros) {
  char buf[48];
  int n = snprintf(buf, sizeof(buf), "%" PRId64 ".%06" PRId64, seconds, micros);
  Add(name, std::string_view(buf, n));
}

void StatsWriter::AddDouble(std::string_view name, double value) {
  char buf[48];
  int n = snprintf(buf, sizeof(buf), "%.2f", value);
  Add(name, std::string_view(buf, n));
}

}  // namespace memcd
