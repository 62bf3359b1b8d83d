// Formats "STAT <name> <value>\r\n" lines into a string, ending with "END".
#ifndef MEMCD_STATS_STATS_WRITER_H_
#define MEMCD_STATS_STATS_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace memcd {

class StatsWriter {
 public:
  // Appends to *out, which is borrowed.
  explicit StatsWriter(std::string* out) : out_(out) {}

  void Add(std::string_view name, uint64_t value);
  void AddSigned(std::string_view name, int64_t value);
  void Add(std::string_view name, std::string_view value);
  // Seconds with microseconds, as memcached prints rusage ("0.123456").
  void AddSeconds(std::string_view name, int64_t seconds, int64_t micros);
  void AddDouble(std::string_view name, double value);
  void End() { out_->append("END\r\n"); }

 private:
  std::string* out_;
};

}  // namespace memcd

#endif  // MEMCD_STATS_STATS_WRITER_H_
