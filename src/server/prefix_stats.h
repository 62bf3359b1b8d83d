// "stats detail": per-key-prefix counts of gets, hits, sets and deletes, as
// memcached keeps them. A key's prefix is what precedes its first delimiter
// (-D, default ':'); keys without one are not counted. Off until "stats
// detail on"; while off, a recording call costs one relaxed load.
#ifndef MEMCD_SERVER_PREFIX_STATS_H_
#define MEMCD_SERVER_PREFIX_STATS_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace memcd {

// The prefix of `key` before the first `delimiter`; false when there is
// none. As memcached, a NUL ends the search (the key is a C string there).
bool ExtractPrefix(std::string_view key, char delimiter, std::string_view* prefix);

class PrefixStats {
 public:
  // memcached stops adding prefixes past this many (memory bound).
  static constexpr size_t kMaxPrefixes = 1 << 16;

  explicit PrefixStats(char delimiter) : delimiter_(delimiter) {}
  PrefixStats(const PrefixStats&) = delete;
  PrefixStats& operator=(const PrefixStats&) = delete;

  // Relaxed: turning detail on or off need not be seen at once by workers.
  void set_enabled(bool on) { enabled_.store(on, std::memory_order_relaxed); }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  char delimiter() const { return delimiter_; }

  // Each records only while enabled.
  void RecordGet(std::string_view key, bool hit);
  void RecordSet(std::string_view key);
  void RecordDelete(std::string_view key);

  // "PREFIX <p> get <n> hit <n> set <n> del <n>\r\n" per prefix, then
  // "END\r\n". The order is memcached's: by MurmurHash3(prefix) % 256, and
  // within a bucket the newest prefix first. Counts survive "detail off".
  std::string Dump() const;

 private:
  struct Counts {
    uint64_t gets = 0;
    uint64_t hits = 0;
    uint64_t sets = 0;
    uint64_t deletes = 0;
    uint64_t seq = 0;  // creation order, for the dump order
  };
  // Null when the key has no prefix or the table is full. REQUIRES: mu_ held.
  Counts* Find(std::string_view key);

  const char delimiter_;
  std::atomic<bool> enabled_{false};
  mutable std::mutex mu_;                          // guards the fields below
  std::unordered_map<std::string, Counts> counts_;
  uint64_t next_seq_ = 0;
};

}  // namespace memcd

#endif  // MEMCD_SERVER_PREFIX_STATS_H_
