#include "stats/hot_keys.h"

#include <glog/logging.h>

#include <algorithm>
#include <climits>

namespace memcd {

SpaceSaving::SpaceSaving(size_t capacity) : capacity_(capacity) {
  CHECK_GT(capacity, 0u);
  hashes_.reserve(capacity);
  counts_.reserve(capacity);
  keys_.reserve(capacity);
  errors_.reserve(capacity);
}

void SpaceSaving::Add(std::string_view key, uint64_t weight) {
  // One pass over the (few) counters finds the key or the smallest counter;
  // a takeover reuses the victim's string, so a full sketch allocates nothing.
  const uint64_t hash = std::hash<std::string_view>{}(key);
  size_t min = 0;
  for (size_t i = 0; i < hashes_.size(); ++i) {
    if (hashes_[i] == hash && keys_[i] == key) {
      counts_[i] += weight;
      return;
    }
    if (counts_[i] < counts_[min]) min = i;
  }
  if (hashes_.size() < capacity_) {
    hashes_.push_back(hash);
    counts_.push_back(weight);
    keys_.emplace_back(key);
    errors_.push_back(0);
    return;
  }
  errors_[min] = counts_[min];
  counts_[min] += weight;
  keys_[min].assign(key.data(), key.size());
  hashes_[min] = hash;
}

std::vector<SpaceSaving::Entry> SpaceSaving::entries() const {
  std::vector<Entry> out;
  out.reserve(keys_.size());
  for (size_t i = 0; i < keys_.size(); ++i) {
    out.push_back(Entry{keys_[i], counts_[i], errors_[i]});
  }
  return out;
}

void SpaceSaving::Clear() {
  hashes_.clear();
  counts_.clear();
  keys_.clear();
  errors_.clear();
}

HotKeySketch::HotKeySketch() { set_sample_every(kDefaultSampleEvery); }

void HotKeySketch::set_sample_every(int n) {
  sample_every_ = n < 0 ? 0 : n;
  // Off: a countdown that takes over a year of requests at 100k/s to run
  // out, and Sample() then only re-arms it.
  countdown_ = sample_every_ == 0 ? UINT32_MAX : 1 + static_cast<uint32_t>(sample_every_ / 2);
}

void HotKeySketch::Sample(HotKeyKind kind, std::string_view key, RelTime now) {
  if (sample_every_ == 0) {
    countdown_ = UINT32_MAX;
    return;
  }
  // xorshift64; the next countdown is uniform in [1, 2 * sample_every - 1],
  // whose mean is sample_every.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  const uint32_t span = 2 * static_cast<uint32_t>(sample_every_) - 1;
  countdown_ = 1 + static_cast<uint32_t>(rng_ % span);

  const RelTime epoch = now / kSubWindowSeconds + 1;  // + 1: 0 means empty
  std::lock_guard<std::mutex> lock(mu_);
  SubWindow& w = windows_[static_cast<int>(kind)][epoch % kSubWindows];
  if (w.epoch != epoch) {  // a stale sub-window: its time has passed
    w.sketch.Clear();
    w.epoch = epoch;
  }
  w.sketch.Add(key);
}

void HotKeySketch::CollectInto(HotKeyKind kind, RelTime now,
                               std::unordered_map<std::string, uint64_t>* counts) const {
  const RelTime epoch = now / kSubWindowSeconds + 1;
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t weight = static_cast<uint64_t>(sample_every_);
  for (const SubWindow& w : windows_[static_cast<int>(kind)]) {
    // Live: the current sub-window and the kSubWindows - 1 before it.
    if (w.epoch == 0 || w.epoch > epoch || epoch - w.epoch >= kSubWindows) continue;
    for (const SpaceSaving::Entry& e : w.sketch.entries()) (*counts)[e.key] += e.count * weight;
  }
}

std::vector<HotKey> TopHotKeys(const std::vector<const HotKeySketch*>& sketches,
                               HotKeyKind kind, RelTime now, size_t k) {
  std::unordered_map<std::string, uint64_t> counts;
  for (const HotKeySketch* s : sketches) s->CollectInto(kind, now, &counts);
  std::vector<HotKey> all;
  all.reserve(counts.size());
  for (auto& entry : counts) all.push_back(HotKey{entry.first, entry.second});
  auto hotter = [](const HotKey& a, const HotKey& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  };
  const size_t n = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + n, all.end(), hotter);
  all.resize(n);
  return all;
}

}  // namespace memcd
