#include "server/stats_settings.h"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "base/verbosity.h"
#include "server/prefix_stats.h"
#include "store/slab_allocator.h"

namespace memcd {
namespace {

const char* YesNo(bool b) { return b ? "yes" : "no"; }

// memcached prints its ratios with "%.2f".
void AddRatio(StatsWriter* w, const char* name, double value) {
  char buf[48];
  const int n = std::snprintf(buf, sizeof(buf), "%.2f", value);
  w->Add(name, std::string_view(buf, static_cast<size_t>(n)));
}

std::string JoinListen(const std::vector<std::string>& listen) {
  if (listen.empty()) return "NULL";  // memcached: no -l given
  std::string out;
  for (const std::string& a : listen) {
    if (!out.empty()) out += ',';
    out += a;
  }
  return out;
}

}  // namespace

void WriteSettings(const ServerContext& ctx, StatsWriter* w) {
  const ServerOptions& o = *ctx.options;
  const StoreOptions& so = o.store;
  const LruSettings lru = ctx.store->GetLruSettings();
  w->Add("maxbytes", static_cast<uint64_t>(ctx.store->memory_limit()));
  w->Add("maxconns", static_cast<uint64_t>(o.max_conns));
  w->Add("tcpport", static_cast<uint64_t>(o.port));
  w->Add("udpport", static_cast<uint64_t>(o.udp_port));
  w->Add("inter", JoinListen(o.listen));
  // The level in force: -v at start, then the "verbosity" command's.
  w->AddSigned("verbosity", VerbosityLevel());
  // "oldest" (the flush_all cut-off) is left out:
  // memcd has no such value.
  w->Add("evictions", so.evict ? "on" : "off");
  w->Add("domain_socket", o.unix_socket.empty() ? "NULL" : o.unix_socket);
  char mask[8];
  std::snprintf(mask, sizeof(mask), "%o", static_cast<unsigned>(o.unix_mask));
  w->Add("umask", mask);  // octal, as memcached prints -a
  w->Add("shutdown_command", YesNo(o.shutdown_enabled));
  AddRatio(w, "growth_factor", so.growth_factor);
  w->Add("chunk_size", static_cast<uint64_t>(so.chunk_size_min));
  w->Add("num_threads", static_cast<uint64_t>(o.threads));
  // Every worker reads the UDP socket.
  w->Add("num_threads_per_udp", static_cast<uint64_t>(o.threads));
  w->Add("stat_key_prefix", std::string_view(&o.prefix_delimiter, 1));
  // "stats detail on|off" changes this; the text handler reports it live.
  // "stats detail on|off" switches it: read live.
  w->Add("detail_enabled",
         YesNo(ctx.prefixes != nullptr && ctx.prefixes->enabled()));
  w->Add("reqs_per_event", static_cast<uint64_t>(o.reqs_per_event));
  w->Add("cas_enabled", YesNo(so.use_cas));
  w->Add("tcp_backlog", static_cast<uint64_t>(o.backlog));
  const char* protocol = "auto-negotiate";  // memcached's names
  if (o.protocol == BindingProtocol::kAscii) protocol = "ascii";
  if (o.protocol == BindingProtocol::kBinary) protocol = "binary";
  w->Add("binding_protocol", protocol);
  w->Add("auth_enabled_sasl", YesNo(o.sasl));
  // memcached prints the -Y file's path here when there is one.
  w->Add("auth_enabled_ascii", o.auth_file.empty() ? "no" : o.auth_file);
  w->Add("item_size_max", static_cast<uint64_t>(so.item_size_max));
  // yes: over -c, "ERROR Too many open connections"; no: accepts wait.
  w->Add("maxconns_fast", YesNo(o.maxconns_fast));
  w->Add("hashpower_init", static_cast<uint64_t>(so.hashpower));
  w->Add("slab_reassign", YesNo(so.slab_reassign));
  // "slabs automove" changes these: read live.
  w->Add("slab_automove", static_cast<uint64_t>(ctx.store->slab_automove()));
  AddRatio(w, "slab_automove_ratio", ctx.store->slab_automove_ratio());
  w->Add("slab_automove_window", static_cast<uint64_t>(so.slab_automove_window));
  w->Add("slab_chunk_max", static_cast<uint64_t>(SlabAllocator::ChunkMax(so)));
  // "lru_crawler enable|disable|sleep|tocrawl" change these: read live.
  w->Add("lru_crawler", YesNo(ctx.store->lru_crawler_enabled()));
  w->Add("lru_crawler_sleep",
         static_cast<uint64_t>(ctx.store->lru_crawler_sleep()));
  w->Add("lru_crawler_tocrawl",
         static_cast<uint64_t>(ctx.store->lru_crawler_tocrawl()));
  w->Add("tail_repair_time", uint64_t{0});  // no tail repair: memcached's 0
  w->Add("flush_enabled", YesNo(o.flush_enabled));
  w->Add("dump_enabled", YesNo(o.dump_enabled));
  w->Add("hash_algorithm", "murmur3");  // base/hash.h
  w->Add("lru_maintainer_thread", YesNo(so.lru_maintainer_thread));
  w->Add("lru_segmented", YesNo(lru.segmented));
  w->Add("hot_lru_pct", static_cast<uint64_t>(lru.hot_lru_pct));
  w->Add("warm_lru_pct", static_cast<uint64_t>(lru.warm_lru_pct));
  AddRatio(w, "hot_max_factor", lru.hot_max_factor);
  AddRatio(w, "warm_max_factor", lru.warm_max_factor);
  w->Add("temp_lru", YesNo(lru.temp_lru));
  w->AddSigned("temporary_ttl", lru.temporary_ttl);
  w->Add("idle_timeout", static_cast<uint64_t>(o.idle_timeout));
  w->Add("watcher_logbuf_size", static_cast<uint64_t>(o.watcher_logbuf_size));
  w->Add("worker_logbuf_size", static_cast<uint64_t>(o.worker_logbuf_size));
  w->Add("read_buf_mem_limit", uint64_t{0});  // 0: read buffers unbounded
  w->Add("track_sizes", YesNo(so.track_sizes));
  w->Add("inline_ascii_response", "no");
  // memcached 1.6.18's TLS settings, with or without -Z ("(null)" is its
  // printf of an unset file name).
  const TlsOptions& tls = o.tls;
  w->Add("ssl_enabled", YesNo(tls.enabled));
  w->Add("ssl_chain_cert", tls.chain_cert.empty() ? "(null)" : tls.chain_cert);
  w->Add("ssl_key", tls.key.empty() ? "(null)" : tls.key);
  w->AddSigned("ssl_verify_mode", tls.verify_mode);
  w->AddSigned("ssl_keyformat", tls.keyformat);
  w->Add("ssl_ciphers", tls.ciphers.empty() ? "NULL" : tls.ciphers);
  w->Add("ssl_ca_cert", tls.ca_cert.empty() ? "NULL" : tls.ca_cert);
  w->Add("ssl_wbuf_size", static_cast<uint64_t>(tls.wbuf_size));
  w->Add("ssl_session_cache", YesNo(tls.session_cache));
  w->Add("ssl_kernel_tls", YesNo(tls.kernel_tls));
  w->Add("ssl_min_version", TlsVersionName(tls.min_version));
}

void WriteItemSizes(const Store& store, StatsWriter* w) {
  std::vector<std::pair<uint64_t, uint64_t>> sizes;
  if (!store.GetItemSizes(&sizes)) {
    w->Add("sizes_status", "disabled");
    return;
  }
  for (const auto& [size, count] : sizes) w->Add(std::to_string(size), count);
}

}  // namespace memcd
