#include "server/prefix_stats.h"

#include <algorithm>
#include <vector>

#include "base/hash.h"
#include "base/numbers.h"

namespace memcd {
namespace {

constexpr uint32_t kHashBuckets = 256;  // memcached's PREFIX_HASH_SIZE

}  // namespace

bool ExtractPrefix(std::string_view key, char delimiter, std::string_view* prefix) {
  for (size_t i = 0; i < key.size() && key[i] != '\0'; i++) {
    if (key[i] == delimiter) {
      *prefix = key.substr(0, i);
      return true;
    }
  }
  return false;
}

PrefixStats::Counts* PrefixStats::Find(std::string_view key) {
  std::string_view prefix;
  if (!ExtractPrefix(key, delimiter_, &prefix)) return nullptr;
  auto it = counts_.find(std::string(prefix));
  if (it != counts_.end()) return &it->second;
  if (counts_.size() >= kMaxPrefixes) return nullptr;
  Counts& c = counts_[std::string(prefix)];
  c.seq = next_seq_++;
  return &c;
}

void PrefixStats::RecordGet(std::string_view key, bool hit) {
  if (!enabled()) return;
  std::lock_guard<std::mutex> lock(mu_);
  Counts* c = Find(key);
  if (c == nullptr) return;
  c->gets++;
  if (hit) c->hits++;
}

void PrefixStats::RecordSet(std::string_view key) {
  if (!enabled()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (Counts* c = Find(key)) c->sets++;
}

void PrefixStats::RecordDelete(std::string_view key) {
  if (!enabled()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (Counts* c = Find(key)) c->deletes++;
}

std::string PrefixStats::Dump() const {
  struct Line {
    uint32_t bucket;
    uint64_t seq;
    std::string text;
  };
  std::vector<Line> lines;
  {
    std::lock_guard<std::mutex> lock(mu_);
    lines.reserve(counts_.size());
    for (const auto& [prefix, c] : counts_) {
      std::string text = "PREFIX " + prefix;
      char num[24];
      auto add = [&](const char* name, uint64_t v) {
        text += name;
        text.append(num, FormatUint64(v, num));
      };
      add(" get ", c.gets);
      add(" hit ", c.hits);
      add(" set ", c.sets);
      add(" del ", c.deletes);
      text += "\r\n";
      lines.push_back({MurmurHash3(prefix, 0) % kHashBuckets, c.seq, std::move(text)});
    }
  }
  std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    return a.bucket != b.bucket ? a.bucket < b.bucket : a.seq > b.seq;
  });
  std::string out;
  for (const Line& l : lines) out += l.text;
  out += "END\r\n";
  return out;
}

}  // namespace memcd
