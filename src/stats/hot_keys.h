// The hottest keys by reads and by writes over a sliding window ("stats
// hotkeys", and /metrics): each worker samples about one request in
// `sample_every` (a random countdown, so a periodic key pattern cannot alias
// with it) into Space-Saving sketches, one per kind and sub-window; a
// report merges every worker's live sub-windows. Between samples the cost
// on the request path is one decrement of a worker-private counter.
#ifndef MEMCD_STATS_HOT_KEYS_H_
#define MEMCD_STATS_HOT_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"

namespace memcd {

// Space-Saving (Metwally et al.): at most `capacity` counters; a key not
// tracked takes over the smallest counter and its count, so every key whose
// true count exceeds total / capacity is tracked, and a tracked key's count
// overestimates the truth by at most its `error`.
class SpaceSaving {
 public:
  struct Entry {
    std::string key;
    uint64_t count = 0;
    uint64_t error = 0;  // the count inherited on takeover
  };

  explicit SpaceSaving(size_t capacity);

  void Add(std::string_view key, uint64_t weight = 1);
  void Clear();
  // Unordered; built on each call, for reports.
  std::vector<Entry> entries() const;

 private:
  size_t capacity_;
  // Counter i is keys_[i], counts_[i], errors_[i]. Add scans hashes and
  // counts, so those two are kept apart in compact arrays (1 KiB at 64
  // counters instead of 3.5 KiB of whole entries).
  std::vector<uint64_t> hashes_;
  std::vector<uint64_t> counts_;
  std::vector<std::string> keys_;
  std::vector<uint64_t> errors_;
};

enum class HotKeyKind { kRead, kWrite };

struct HotKey {
  std::string key;
  uint64_t count = 0;  // estimated requests in the window (samples * sample_every)
};

class HotKeySketch {
 public:
  static constexpr int kDefaultSampleEvery = 16;
  static constexpr int kSubWindows = 6;
  static constexpr RelTime kSubWindowSeconds = 10;  // the window: 50 to 60 s
  static constexpr size_t kCapacity = 64;           // counters per sub-window sketch

  HotKeySketch();
  HotKeySketch(const HotKeySketch&) = delete;
  HotKeySketch& operator=(const HotKeySketch&) = delete;

  // 0 turns sampling off. Call before the owning thread starts.
  void set_sample_every(int n);
  int sample_every() const { return sample_every_; }

  // REQUIRES: called only from the owning thread.
  void NoteRead(std::string_view key, const Clock& clock) { Note(HotKeyKind::kRead, key, clock); }
  void NoteWrite(std::string_view key, const Clock& clock) { Note(HotKeyKind::kWrite, key, clock); }

  // Any thread: adds this sketch's estimated counts over the window ending
  // at `now` to *counts.
  void CollectInto(HotKeyKind kind, RelTime now,
                   std::unordered_map<std::string, uint64_t>* counts) const;

 private:
  struct SubWindow {
    SubWindow() : sketch(kCapacity) {}
    RelTime epoch = 0;  // now / kSubWindowSeconds when last written; 0 = empty
    SpaceSaving sketch;
  };

  void Note(HotKeyKind kind, std::string_view key, const Clock& clock) {
    if (countdown_ > 1) {
      --countdown_;
      return;
    }
    Sample(kind, key, clock.Now());
  }
  void Sample(HotKeyKind kind, std::string_view key, RelTime now);

  // Owning thread only.
  uint32_t countdown_;
  int sample_every_ = kDefaultSampleEvery;
  uint64_t rng_ = 0x9e3779b97f4a7c15u;  // xorshift state for the countdown

  // Taken by the owner on a sample and by a reporter: rarely contended.
  mutable std::mutex mu_;
  SubWindow windows_[2][kSubWindows];  // [kind][epoch % kSubWindows]; guarded by mu_
};

// The `k` hottest keys of `kind` over the window ending at `now`, summed over
// `sketches`; by count, descending, then by key.
std::vector<HotKey> TopHotKeys(const std::vector<const HotKeySketch*>& sketches,
                               HotKeyKind kind, RelTime now, size_t k);

}  // namespace memcd

#endif  // MEMCD_STATS_HOT_KEYS_H_
