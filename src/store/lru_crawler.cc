#include "store/lru_crawler.h"

#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "base/hash.h"
#include "base/numbers.h"
#include "base/thread_name.h"
#include "store/store_impl.h"

namespace memcd {

LruCursor::LruCursor(Store::Impl* impl, int cls, LruSegment segment,
                     bool restart_on_loss)
    : impl_(impl),
      cls_(cls),
      segment_(segment),
      restart_on_loss_(restart_on_loss) {}

LruCursor::~LruCursor() {
  if (pinned_ != nullptr) impl_->Release(pinned_);
}

int LruCursor::Step(int max, const Visit& visit) {
  if (done_) return 0;
  LruList& list = impl_->lru(cls_, segment_);
  Item* old_pin = pinned_;
  pinned_ = nullptr;
  int visited = 0;
  {
    std::lock_guard<std::mutex> lru_lock(list.mutex());
    Item* item = nullptr;
    if (!started_) {
      started_ = true;
      item = list.do_Tail();
    } else if (old_pin != nullptr) {
      // Membership is only certain under the item lock and this list's
      // lock: do_MoveToSegment unlinks and relinks under the item lock,
      // the maintainer under the locks of both lists.
      std::mutex& lock =
          impl_->locks_.ForHash(HashKey(old_pin->key()));
      if (!lock.try_lock()) {
        pinned_ = old_pin;  // busy: keep the pin and try again later
        return 0;
      }
      const bool in_list = old_pin->has_flag(kItemLinked) &&
                           SegmentOf(*old_pin) == segment_;
      lock.unlock();
      if (in_list) {
        item = old_pin;
      } else if (restart_on_loss_ && restarts_ < kMaxRestarts) {
        ++restarts_;
        item = list.do_Tail();
      }
    }
    for (; item != nullptr && visited < max; ++visited) {
      Item* const prev = list.do_Prev(item);
      const uint32_t hash = HashKey(item->key());
      std::mutex& lock = impl_->locks_.ForHash(hash);
      // Against the lock order (LRU -> item): try only, skip when busy.
      if (lock.try_lock()) {
        std::lock_guard<std::mutex> item_lock(lock, std::adopt_lock);
        visit(item, hash, &list);
      }
      item = prev;
    }
    if (item == nullptr) {
      done_ = true;
    } else {
      // Linked in this list, so it holds the link's reference: safe to pin.
      item->refcount.fetch_add(1, std::memory_order_relaxed);
      pinned_ = item;
    }
  }
  if (old_pin != nullptr) impl_->Release(old_pin);
  return visited;
}

namespace {

// memcached's uriencode: every byte but [A-Za-z0-9._~-] as %XX.
void AppendUrlEncoded(std::string_view key, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : key) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
        c == '~') {
      out->push_back(static_cast<char>(c));
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
}

// An automatic crawl's note of a live item (store/lru_crawler.h, TtlTally).
void CountLive(const Item& item, RelTime now, TtlTally* tally) {
  ++tally->live;
  const RelTime exptime = item.exptime.load(std::memory_order_relaxed);
  if (exptime == 0) {
    ++tally->no_ttl;
    return;
  }
  const RelTime left = exptime - now;  // > 0: the item is live
  if (left < 60 * TtlTally::kMinutes) ++tally->by_minute[left / 60];
}

}  // namespace

LruMetadump::LruMetadump(Store::Impl* impl, std::vector<bool> classes)
    : impl_(impl), classes_(std::move(classes)) {}

LruMetadump::~LruMetadump() = default;

bool LruMetadump::Next(std::string* out, size_t max_bytes) {
  if (finished_) return false;
  const size_t start = out->size();
  const RelTime now = impl_->clock_->Now();
  const Clock* clock = impl_->clock_;
  auto visit = [&](Item* item, uint32_t /*hash*/, LruList* /*list*/) {
    bool flushed;
    if (impl_->IsDead(*item, now, &flushed)) return;  // as memcached
    out->append("key=");
    AppendUrlEncoded(item->key(), out);
    const RelTime exptime = item->exptime.load(std::memory_order_relaxed);
    out->append(" exp=");
    out->append(exptime == 0 ? std::string("-1")
                             : std::to_string(clock->ToUnixTime(exptime)));
    out->append(" la=");
    out->append(std::to_string(
        clock->ToUnixTime(item->time.load(std::memory_order_relaxed))));
    out->append(" cas=");
    out->append(std::to_string(item->cas()));
    out->append(item->has_flag(kItemFetched) ? " fetch=yes" : " fetch=no");
    out->append(" cls=");
    out->append(std::to_string(item->slab_class));
    out->append(" size=");
    out->append(std::to_string(item->total_size()));
    out->push_back('\n');
  };
  const int num_classes = impl_->slabs_.num_classes();
  while (out->size() - start < max_bytes) {
    if (cursor_ == nullptr || cursor_->done()) {
      cursor_.reset();
      if (++segment_ >= kNumLruSegments) {
        segment_ = 0;
        do {
          ++cls_;
        } while (cls_ <= num_classes && !classes_.empty() &&
                 (static_cast<size_t>(cls_) >= classes_.size() ||
                  !classes_[cls_]));
        if (cls_ > num_classes) {
          finished_ = true;
          return out->size() > start;
        }
      }
      cursor_ = std::make_unique<LruCursor>(
          impl_, cls_, static_cast<LruSegment>(segment_), false);
    }
    cursor_->Step(64, visit);
  }
  return true;
}

LruCrawler::LruCrawler(Store::Impl* impl, const StoreOptions& options)
    : impl_(impl),
      sleep_us_(options.lru_crawler_sleep),
      tocrawl_(options.lru_crawler_tocrawl),
      next_crawl_(impl->slabs_.num_classes() + 1, 0) {}

LruCrawler::~LruCrawler() { Stop(); }

bool LruCrawler::Start() {
  std::lock_guard<std::mutex> guard(thread_mu_);
  if (thread_.joinable()) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] {
    SetThreadName("memcd-crawler");
    Loop();
  });
  return true;
}

void LruCrawler::Stop() {
  std::lock_guard<std::mutex> guard(thread_mu_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  // A request the thread never ran must not leave the crawler busy.
  if (has_pending_) {
    has_pending_ = false;
    pending_.clear();
    manual_busy_ = false;
  }
  stop_ = false;  // synchronous crawls (RunPending, RunAutocrawl) still work
}

bool LruCrawler::enabled() const {
  std::lock_guard<std::mutex> guard(thread_mu_);
  return thread_.joinable();
}

Store::CrawlResult LruCrawler::Request(std::vector<bool> classes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (manual_busy_) return Store::CrawlResult::kBusy;
    manual_busy_ = true;
    has_pending_ = true;
    pending_ = std::move(classes);
  }
  cv_.notify_all();  // the thread, or an automatic crawl's Pause()
  return Store::CrawlResult::kOk;
}

int LruCrawler::RunPending() {
  std::vector<bool> classes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!has_pending_) return -1;
    has_pending_ = false;
    classes.swap(pending_);
  }
  starts_.fetch_add(1, std::memory_order_relaxed);
  running_.fetch_add(1, std::memory_order_relaxed);
  int checked = 0;
  for (int cls = 1; cls <= impl_->slabs_.num_classes(); ++cls) {
    if (!classes.empty() &&
        (static_cast<size_t>(cls) >= classes.size() || !classes[cls])) {
      continue;
    }
    if (ShouldQuit(false)) break;
    checked += CrawlClass(cls, impl_->clock_->Now(), false, nullptr);
  }
  running_.fetch_sub(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  manual_busy_ = false;
  return checked;
}

int LruCrawler::RunAutocrawl(RelTime now) {
  std::lock_guard<std::mutex> auto_lock(auto_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (manual_busy_ || stop_) return -1;
  }
  std::vector<int> due;
  for (int cls = 1; cls <= impl_->slabs_.num_classes(); ++cls) {
    if (now <= next_crawl_[cls]) continue;
    if (impl_->SumLruCounters(cls).number == 0) {
      next_crawl_[cls] = now + kIdleCrawlWait;
      continue;
    }
    due.push_back(cls);
    next_crawl_[cls] = now + kMinCrawlWait;  // kept if cut short
  }
  if (due.empty()) return -1;
  starts_.fetch_add(1, std::memory_order_relaxed);
  running_.fetch_add(1, std::memory_order_relaxed);
  int checked = 0;
  for (int cls : due) {
    TtlTally tally;
    checked += CrawlClass(cls, now, true, &tally);
    if (ShouldQuit(true)) break;
    next_crawl_[cls] = now + NextCrawlDelay(tally);
  }
  running_.fetch_sub(1, std::memory_order_relaxed);
  return checked;
}

RelTime LruCrawler::NextCrawlDelay(const TtlTally& tally) {
  if (tally.live == 0) return kIdleCrawlWait;
  const uint64_t low_watermark = (tally.live - tally.no_ttl) / 100 + 1;
  uint64_t expired = 0;
  for (int m = 0; m < TtlTally::kMinutes; ++m) {
    expired += tally.by_minute[m];
    if (expired >= low_watermark) {
      return static_cast<RelTime>(60 * m) + kMinCrawlWait;
    }
  }
  return kMaxCrawlWait;
}

int LruCrawler::CrawlClass(int cls, RelTime now, bool automatic,
                           TtlTally* tally) {
  // tocrawl bounds the items checked per class, as memcached's.
  const uint32_t limit = tocrawl_.load(std::memory_order_relaxed);
  uint32_t left = limit;
  int checked = 0;
  for (int s = 0; s < kNumLruSegments; ++s) {
    if ((limit != 0 && left == 0) || ShouldQuit(automatic)) break;
    const int n =
        CrawlList(cls, static_cast<LruSegment>(s), left, now, automatic, tally);
    checked += n;
    if (limit != 0) left -= std::min<uint32_t>(left, n);
  }
  return checked;
}

int LruCrawler::CrawlList(int cls, LruSegment segment, uint32_t limit,
                          RelTime now, bool automatic, TtlTally* tally) {
  LruCursor cursor(impl_, cls, segment, true);
  int checked = 0;
  int since_sleep = 0;
  auto visit = [&](Item* item, uint32_t hash, LruList* list) {
    LruCounters& counters = list->do_counters();
    ++counters.crawler_items_checked;
    bool flushed;
    if (!impl_->IsDead(*item, now, &flushed)) {
      if (tally != nullptr) CountLive(*item, now, tally);
      return;
    }
    ++counters.crawler_reclaimed;
    CHECK(impl_->table_.Remove(item, hash)) << "linked item missing from table";
    list->do_Unlink(item);
    item->clear_flag(kItemLinked);
    impl_->Release(item);  // the link's reference; a reader may hold more
  };
  while (!cursor.done()) {
    int batch = kBatch;
    if (limit != 0) {
      if (static_cast<uint32_t>(checked) >= limit) break;
      batch = static_cast<int>(
          std::min<uint32_t>(kBatch, limit - static_cast<uint32_t>(checked)));
    }
    const int n = cursor.Step(batch, visit);
    checked += n;
    since_sleep += n;
    if (n == 0 && !cursor.done()) std::this_thread::yield();  // lock busy
    if (since_sleep >= kItemsPerSleep) {
      since_sleep = 0;
      Pause(automatic);
    }
    if (ShouldQuit(automatic)) break;
  }
  return checked;
}

bool LruCrawler::ShouldQuit(bool automatic) {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_ || (automatic && has_pending_);
}

void LruCrawler::Pause(bool automatic) {
  const uint32_t us = sleep_us_.load(std::memory_order_relaxed);
  if (us == 0) return;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::microseconds(us), [this, automatic] {
    return stop_ || (automatic && has_pending_);
  });
}

void LruCrawler::Loop() {
  auto next_check = std::chrono::steady_clock::now();  // the first at once
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_until(lock, next_check,
                     [this] { return stop_ || has_pending_; });
      if (stop_) return;
    }
    if (RunPending() >= 0) continue;
    if (std::chrono::steady_clock::now() >= next_check) {
      RunAutocrawl(impl_->clock_->Now());
      next_check = std::chrono::steady_clock::now() + kCheckInterval;
    }
  }
}

// The Store facade's crawler methods.
bool Store::StartLruCrawler() { return impl_->crawler()->Start(); }

void Store::StopLruCrawler() { impl_->crawler()->Stop(); }

bool Store::lru_crawler_enabled() const {
  return impl_->crawler()->enabled();
}

void Store::SetLruCrawlerSleep(uint32_t micros) {
  impl_->crawler()->set_sleep(micros);
}

void Store::SetLruCrawlerToCrawl(uint32_t items) {
  impl_->crawler()->set_tocrawl(items);
}

Store::CrawlResult Store::CrawlLrus(std::vector<bool> classes) {
  return impl_->crawler()->Request(std::move(classes));
}

int Store::RunLruCrawlerPass() { return impl_->crawler()->RunPending(); }

int Store::RunLruAutocrawlPass(RelTime now) {
  return impl_->crawler()->RunAutocrawl(now);
}

uint32_t Store::lru_crawler_sleep() const {
  return impl_->crawler()->sleep_micros();
}

uint32_t Store::lru_crawler_tocrawl() const {
  return impl_->crawler()->tocrawl();
}

std::unique_ptr<LruMetadump> Store::StartMetadump(std::vector<bool> classes) {
  return std::make_unique<LruMetadump>(impl_.get(), std::move(classes));
}

}  // namespace memcd
