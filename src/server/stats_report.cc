#include "server/stats_report.h"

#include <event2/event.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "net/tls.h"
#include "server/metrics_report.h"
#include "server/stats_settings.h"
#include "stats/stats_writer.h"

namespace memcd {
namespace {

ThreadStatsTotals SumThreads(const ServerContext& ctx) {
  ThreadStatsTotals t;
  for (const ThreadStats* s : ctx.thread_stats) t.Add(*s);
  return t;
}

// The store's counters (not its gauges) that "stats reset" zeroes.
void SubtractStoreCounters(const StoreStats& base, StoreStats* st) {
  st->total_items -= base.total_items;
  st->evictions -= base.evictions;
  st->reclaimed -= base.reclaimed;
  st->expired_unfetched -= base.expired_unfetched;
  st->evicted_unfetched -= base.evicted_unfetched;
  st->get_expired -= base.get_expired;
  st->get_flushed -= base.get_flushed;
  st->outofmemory -= base.outofmemory;
  st->lru_maintainer_juggles -= base.lru_maintainer_juggles;
  st->evicted_active -= base.evicted_active;
  st->moves_to_cold -= base.moves_to_cold;
  st->moves_to_warm -= base.moves_to_warm;
  st->moves_within_lru -= base.moves_within_lru;
  st->direct_reclaims -= base.direct_reclaims;
  st->lru_bumps_dropped -= base.lru_bumps_dropped;
  st->lrutail_reflocked -= base.lrutail_reflocked;
  st->crawler_reclaimed -= base.crawler_reclaimed;
  st->crawler_items_checked -= base.crawler_items_checked;
  st->slab_reassign_rescues -= base.slab_reassign_rescues;
  st->slab_reassign_chunk_rescues -= base.slab_reassign_chunk_rescues;
  st->slab_reassign_evictions_nomem -= base.slab_reassign_evictions_nomem;
  st->slab_reassign_busy_items -= base.slab_reassign_busy_items;
  st->slab_reassign_busy_deletes -= base.slab_reassign_busy_deletes;
  st->slabs_moved -= base.slabs_moved;
  st->lru_crawler_starts -= base.lru_crawler_starts;
}

void WriteGeneral(const ServerContext& ctx, StatsWriter* w) {
  const RelTime now = ctx.clock->Now();
  ThreadStatsTotals t = SumThreads(ctx);
  StoreStats st;
  ctx.store->GetStats(&st);
  uint64_t total_conns = ctx.dispatcher->total_conns();
  uint64_t rejected_conns = ctx.dispatcher->rejected_conns();
  WatchLog::Stats watch;
  if (ctx.watch_log != nullptr) watch = ctx.watch_log->GetStats();
  {
    std::lock_guard<std::mutex> lock(ctx.baseline->mu);
    watch.worker_dropped -= ctx.baseline->watch.worker_dropped;
    watch.worker_written -= ctx.baseline->watch.worker_written;
    watch.watcher_skipped -= ctx.baseline->watch.watcher_skipped;
    watch.watcher_sent -= ctx.baseline->watch.watcher_sent;
    t.Subtract(ctx.baseline->threads);
    SubtractStoreCounters(ctx.baseline->store, &st);
    total_conns -= ctx.baseline->total_conns;
    rejected_conns -= ctx.baseline->rejected_conns;
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);

  w->Add("pid", static_cast<uint64_t>(getpid()));
  w->Add("uptime", static_cast<uint64_t>(now - ctx.started));
  w->Add("time", static_cast<uint64_t>(ctx.clock->ToUnixTime(now)));
  w->Add("version", ServerVersion());
  w->Add("libevent", event_get_version());
  w->Add("pointer_size", static_cast<uint64_t>(8 * sizeof(void*)));
  w->AddSeconds("rusage_user", ru.ru_utime.tv_sec, ru.ru_utime.tv_usec);
  w->AddSeconds("rusage_system", ru.ru_stime.tv_sec, ru.ru_stime.tv_usec);
  w->Add("max_connections", static_cast<uint64_t>(ctx.options->max_conns));
  // One read of each counter, so the pair is consistent even while a
  // connection opens or closes between the two lines.
  uint64_t curr_conns = ctx.dispatcher->curr_conns();
  w->Add("curr_connections", curr_conns);
  w->Add("total_connections", total_conns);
  w->Add("rejected_connections", rejected_conns);
  w->Add("connection_structures", std::max(curr_conns, ctx.dispatcher->peak_conns()));
  w->Add("cmd_get", t.get_cmds);
  w->Add("cmd_set", t.set_cmds);
  w->Add("cmd_flush", t.flush_cmds);
  w->Add("cmd_touch", t.touch_cmds);
  w->Add("cmd_meta", t.meta_cmds);
  w->Add("get_hits", t.get_hits);
  w->Add("get_misses", t.get_misses);
  w->Add("get_expired", st.get_expired);
  w->Add("get_flushed", st.get_flushed);
  w->Add("delete_misses", t.delete_misses);
  w->Add("delete_hits", t.delete_hits);
  w->Add("incr_misses", t.incr_misses);
  w->Add("incr_hits", t.incr_hits);
  w->Add("decr_misses", t.decr_misses);
  w->Add("decr_hits", t.decr_hits);
  w->Add("cas_misses", t.cas_misses);
  w->Add("cas_hits", t.cas_hits);
  w->Add("cas_badval", t.cas_badval);
  w->Add("touch_hits", t.touch_hits);
  w->Add("touch_misses", t.touch_misses);
  w->Add("store_too_large", t.store_too_large);
  w->Add("store_no_memory", t.store_no_memory);
  w->Add("auth_cmds", t.auth_cmds);
  w->Add("auth_errors", t.auth_errors);
  w->Add("idle_kicks", t.idle_kicks);  // -o idle_timeout closes
  w->Add("bytes_read", t.bytes_read);
  w->Add("bytes_written", t.bytes_written);
  w->Add("limit_maxbytes", st.limit_maxbytes);
  if (ctx.listen_pauses != nullptr) {
    w->Add("accepting_conns", uint64_t{ctx.listen_pauses->accepting()});
    w->Add("listen_disabled_num", ctx.listen_pauses->count());
    w->Add("time_in_listen_disabled_us", ctx.listen_pauses->paused_micros());
  }
  w->Add("threads", static_cast<uint64_t>(ctx.options->threads));
  w->Add("conn_yields", t.conn_yields);
  w->Add("hash_power_level", st.hash_power_level);
  w->Add("hash_bytes", st.hash_bytes);
  w->Add("hash_is_expanding", st.hash_is_expanding);
  if (ctx.options->store.slab_reassign) {
    w->Add("slab_reassign_rescues", st.slab_reassign_rescues);
    w->Add("slab_reassign_chunk_rescues", st.slab_reassign_chunk_rescues);
    w->Add("slab_reassign_evictions_nomem",
           st.slab_reassign_evictions_nomem);
    w->Add("slab_reassign_inline_reclaim", st.slab_reassign_inline_reclaim);
    w->Add("slab_reassign_busy_items", st.slab_reassign_busy_items);
    w->Add("slab_reassign_busy_deletes", st.slab_reassign_busy_deletes);
    w->Add("slab_reassign_running", st.slab_reassign_running);
    w->Add("slabs_moved", st.slabs_moved);
  }
  if (ctx.store->lru_crawler_enabled()) {
    w->Add("lru_crawler_running", st.lru_crawler_running);
    w->Add("lru_crawler_starts", st.lru_crawler_starts);
  }
  const bool maintainer = ctx.options->store.lru_maintainer_thread;
  if (maintainer) w->Add("lru_maintainer_juggles", st.lru_maintainer_juggles);
  // memcached's place: after malloc_fails, which memcd does not report.
  w->Add("log_worker_dropped", watch.worker_dropped);
  w->Add("log_worker_written", watch.worker_written);
  w->Add("log_watcher_skipped", watch.watcher_skipped);
  w->Add("log_watcher_sent", watch.watcher_sent);
  w->Add("log_watchers", watch.watchers);
  if (ctx.tls != nullptr) {  // -Z: memcached's TLS counters
    if (ctx.tls->options().session_cache) w->Add("ssl_new_sessions", ctx.tls->new_sessions());
    w->Add("ssl_handshake_errors", ctx.tls->handshake_errors());
    w->Add("time_since_server_cert_refresh", ctx.tls->SecondsSinceRefresh());
  }
  w->Add("total_malloced", st.total_malloced);
  w->Add("curr_items", st.curr_items);
  w->Add("total_items", st.total_items);
  w->Add("slab_global_page_pool", st.slab_global_page_pool);
  w->Add("expired_unfetched", st.expired_unfetched);
  w->Add("evicted_unfetched", st.evicted_unfetched);
  if (maintainer) w->Add("evicted_active", st.evicted_active);
  w->Add("evictions", st.evictions);
  w->Add("reclaimed", st.reclaimed);
  w->Add("crawler_reclaimed", st.crawler_reclaimed);
  w->Add("crawler_items_checked", st.crawler_items_checked);
  w->Add("lrutail_reflocked", st.lrutail_reflocked);
  if (maintainer) {
    w->Add("moves_to_cold", st.moves_to_cold);
    w->Add("moves_to_warm", st.moves_to_warm);
    w->Add("moves_within_lru", st.moves_within_lru);
    w->Add("direct_reclaims", st.direct_reclaims);
    w->Add("lru_bumps_dropped", st.lru_bumps_dropped);
  }
  w->Add("bytes", st.bytes);
}

void WriteSlabs(const ServerContext& ctx, StatsWriter* w) {
  std::vector<SlabClassStats> classes;
  ctx.store->GetSlabStats(&classes);
  uint64_t active = 0;
  for (const SlabClassStats& c : classes) {
    if (c.total_pages == 0) continue;
    active++;
    std::string p = std::to_string(c.id) + ":";
    w->Add(p + "chunk_size", static_cast<uint64_t>(c.chunk_size));
    w->Add(p + "chunks_per_page", static_cast<uint64_t>(c.chunks_per_page));
    w->Add(p + "total_pages", c.total_pages);
    w->Add(p + "total_chunks", c.total_chunks);
    w->Add(p + "used_chunks", c.used_chunks);
    w->Add(p + "free_chunks", c.free_chunks);
  }
  StoreStats st;
  ctx.store->GetStats(&st);
  w->Add("active_slabs", active);
  w->Add("total_malloced", st.total_malloced);
}

void WriteItems(const ServerContext& ctx, StatsWriter* w) {
  std::vector<SlabClassStats> classes;
  ctx.store->GetSlabStats(&classes);
  ThreadStatsTotals threads = SumThreads(ctx);
  {
    std::lock_guard<std::mutex> lock(ctx.baseline->mu);
    threads.Subtract(ctx.baseline->threads);
  }
  // memcached's names and order; the segment lines only with the maintainer
  // (number_temp only while the TEMP LRU is on).
  const bool maintainer = ctx.options->store.lru_maintainer_thread;
  for (const SlabClassStats& c : classes) {
    if (c.number == 0 && c.evicted == 0) continue;
    std::string p = "items:" + std::to_string(c.id) + ":";
    w->Add(p + "number", c.number);
    if (maintainer) {
      w->Add(p + "number_hot", c.number_hot);
      w->Add(p + "number_warm", c.number_warm);
      w->Add(p + "number_cold", c.number_cold);
      if (ctx.store->lru_temp_enabled()) {
        w->Add(p + "number_temp", c.number_temp);
      }
      w->Add(p + "age_hot", c.age_hot);
      w->Add(p + "age_warm", c.age_warm);
    }
    w->Add(p + "age", c.age);
    w->Add(p + "mem_requested", c.mem_requested);
    w->Add(p + "evicted", c.evicted);
    w->Add(p + "evicted_nonzero", c.evicted_nonzero);
    w->Add(p + "evicted_time", c.evicted_time);
    w->Add(p + "outofmemory", c.outofmemory);
    w->Add(p + "tailrepairs", uint64_t{0});
    w->Add(p + "reclaimed", c.reclaimed);
    w->Add(p + "expired_unfetched", c.expired_unfetched);
    w->Add(p + "evicted_unfetched", c.evicted_unfetched);
    if (maintainer) w->Add(p + "evicted_active", c.evicted_active);
    w->Add(p + "crawler_reclaimed", c.crawler_reclaimed);
    w->Add(p + "crawler_items_checked", c.crawler_items_checked);
    w->Add(p + "lrutail_reflocked", c.lrutail_reflocked);
    if (maintainer) {
      w->Add(p + "moves_to_cold", c.moves_to_cold);
      w->Add(p + "moves_to_warm", c.moves_to_warm);
      w->Add(p + "moves_within_lru", c.moves_within_lru);
      w->Add(p + "direct_reclaims", c.direct_reclaims);
      // ItemRef::lru_slot()'s order: HOT, WARM, COLD, TEMP.
      const uint64_t* hits = &threads.lru_hits[c.id * 4];
      w->Add(p + "hits_to_hot", hits[0]);
      w->Add(p + "hits_to_warm", hits[1]);
      w->Add(p + "hits_to_cold", hits[2]);
      w->Add(p + "hits_to_temp", hits[3]);
    }
  }
}

}  // namespace

void ResetStats(const ServerContext& ctx) {
  ThreadStatsTotals t = SumThreads(ctx);
  StoreStats st;
  ctx.store->GetStats(&st);
  std::lock_guard<std::mutex> lock(ctx.baseline->mu);
  ctx.baseline->threads = t;
  ctx.baseline->store = st;
  ctx.baseline->total_conns = ctx.dispatcher->total_conns();
  if (ctx.watch_log != nullptr) ctx.baseline->watch = ctx.watch_log->GetStats();
  ctx.baseline->rejected_conns = ctx.dispatcher->rejected_conns();
}

namespace {

// memcached looks only at the group's name: "stats settings foo" works.
std::string_view FirstWord(std::string_view args) {
  return args.substr(0, args.find(' '));
}

}  // namespace

bool WriteStatsGroup(const ServerContext& ctx, std::string_view args, std::string* out) {
  StatsWriter w(out);
  if (args.empty()) {
    WriteGeneral(ctx, &w);
  } else if (args == "slabs") {
    WriteSlabs(ctx, &w);
  } else if (args == "items") {
    WriteItems(ctx, &w);
  } else if (FirstWord(args) == "settings") {
    WriteSettings(ctx, &w);
  } else if (FirstWord(args) == "sizes") {
    WriteItemSizes(*ctx.store, &w);
  } else if (args == "hotkeys") {
    WriteHotKeys(ctx, out);  // server/metrics_report.h
  } else {
    return false;
  }
  w.End();
  return true;
}

}  // namespace memcd
