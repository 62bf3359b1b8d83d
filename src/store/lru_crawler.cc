#include "store/lru_crawler.h"

#include <glog/logging.h>

#include <chrono>
#include <utility>

#include "base/hash.h"
#include "base/numbers.h"
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
      // Membership is only certain under the item lock: a move between
      // segments unlinks and relinks under it.
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
      tocrawl_(options.lru_crawler_tocrawl) {}

LruCrawler::~LruCrawler() { Stop(); }

bool LruCrawler::Start() {
  std::lock_guard<std::mutex> guard(thread_mu_);
  if (thread_.joinable()) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
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
  // A request the thread never ran must not leave the crawler busy.
  std::lock_guard<std::mutex> lock(mu_);
  if (has_pending_) {
    has_pending_ = false;
    busy_ = false;
  }
}

bool LruCrawler::enabled() const {
  std::lock_guard<std::mutex> guard(const_cast<std::mutex&>(thread_mu_));
  return thread_.joinable();
}

Store::CrawlResult LruCrawler::Request(std::vector<bool> classes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (busy_) return Store::CrawlResult::kBusy;
    busy_ = true;
    has_pending_ = true;
    pending_ = std::move(classes);
  }
  cv_.notify_all();
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
  running_.store(true, std::memory_order_relaxed);
  const uint32_t limit = tocrawl_.load(std::memory_order_relaxed);
  int checked = 0;
  for (int cls = 1; cls <= impl_->slabs_.num_classes(); ++cls) {
    if (!classes.empty() &&
        (static_cast<size_t>(cls) >= classes.size() || !classes[cls])) {
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) break;
    }
    // tocrawl bounds the items checked per class, as memcached's.
    uint32_t left = limit;
    for (int s = 0; s < kNumLruSegments; ++s) {
      if (limit != 0 && left == 0) break;
      const int n = CrawlList(cls, static_cast<LruSegment>(s), left);
      checked += n;
      if (limit != 0) left -= std::min<uint32_t>(left, n);
    }
  }
  running_.store(false, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  busy_ = false;
  return checked;
}

int LruCrawler::CrawlList(int cls, LruSegment segment, uint32_t limit) {
  LruCursor cursor(impl_, cls, segment, true);
  const RelTime now = impl_->clock_->Now();
  int checked = 0;
  int since_sleep = 0;
  auto visit = [&](Item* item, uint32_t hash, LruList* list) {
    LruCounters& counters = list->do_counters();
    ++counters.crawler_items_checked;
    bool flushed;
    if (!impl_->IsDead(*item, now, &flushed)) return;
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
      Pause();
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) break;
  }
  return checked;
}

void LruCrawler::Pause() {
  const uint32_t us = sleep_us_.load(std::memory_order_relaxed);
  if (us == 0) return;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::microseconds(us), [this] { return stop_; });
}

void LruCrawler::Loop() {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || has_pending_; });
      if (stop_) return;
    }
    RunPending();
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

std::unique_ptr<LruMetadump> Store::StartMetadump(std::vector<bool> classes) {
  return std::make_unique<LruMetadump>(impl_.get(), std::move(classes));
}

}  // namespace memcd
