// The server's gflags, every one defined in flags.cc. Layers never read them:
// BuildOptions() (command_line.h) turns them into ServerOptions once, at
// startup. The names are the long flag names (--memory_limit=64); memcached's
// own spellings (-m 64, --memory-limit=64) are translated onto them by
// ParseCommandLine().
#ifndef MEMCD_SERVER_FLAGS_H_
#define MEMCD_SERVER_FLAGS_H_

#include <gflags/gflags.h>

DECLARE_int32(port);                 // -p
DECLARE_int32(udp_port);             // -U
DECLARE_string(listen);              // -l, comma separated
DECLARE_string(unix_socket);         // -s
DECLARE_string(unix_mask);           // -a, octal
DECLARE_int32(listen_backlog);       // -b
DECLARE_int32(threads);              // -t
DECLARE_int32(conn_limit);           // -c
DECLARE_int32(max_reqs_per_event);   // -R
DECLARE_string(protocol);            // -B ascii|binary|auto
DECLARE_int64(memory_limit);         // -m, megabytes
DECLARE_string(max_item_size);       // -I, bytes with optional k/m suffix
DECLARE_double(slab_growth_factor);  // -f
DECLARE_int32(slab_min_size);        // -n
DECLARE_bool(disable_cas);           // -C
DECLARE_bool(disable_evictions);     // -M
DECLARE_string(user);                // -u
DECLARE_int32(verbose);              // -v, -vv, -vvv
DECLARE_int32(hashpower);            // -o hashpower=N
DECLARE_int64(slab_chunk_max);       // -o slab_chunk_max=N
DECLARE_string(slab_sizes);          // -o slab_sizes=a-b-c
DECLARE_bool(no_hashexpand);         // -o no_hashexpand
DECLARE_bool(lru_maintainer);       // -o lru_maintainer, no_lru_maintainer
DECLARE_bool(slab_reassign);         // -o slab_reassign, no_slab_reassign
DECLARE_int32(slab_automove);        // -o slab_automove[=N], no_slab_automove
DECLARE_double(slab_automove_ratio);  // -o slab_automove_ratio=F
DECLARE_int32(slab_automove_window);  // -o slab_automove_window=N
DECLARE_int32(hot_lru_pct);          // -o hot_lru_pct=N
DECLARE_int32(warm_lru_pct);         // -o warm_lru_pct=N
DECLARE_double(hot_max_factor);      // -o hot_max_factor=F
DECLARE_double(warm_max_factor);     // -o warm_max_factor=F
DECLARE_bool(temp_lru);              // set by -o temporary_ttl
DECLARE_int32(temporary_ttl);        // -o temporary_ttl=N
DECLARE_bool(disable_dumping);       // -X
DECLARE_bool(disable_watch);         // -W
DECLARE_bool(enable_shutdown);       // -A
DECLARE_bool(disable_flush_all);     // -F
DECLARE_string(stats_prefix_delimiter);  // -D
DECLARE_string(auth_file);           // -Y
DECLARE_bool(enable_sasl);           // -S
DECLARE_bool(lru_crawler);           // -o lru_crawler, no_lru_crawler
DECLARE_int32(lru_crawler_sleep);    // -o lru_crawler_sleep=N
DECLARE_int32(lru_crawler_tocrawl);  // -o lru_crawler_tocrawl=N
DECLARE_bool(enable_largepages);     // -L
DECLARE_bool(track_sizes);           // -o track_sizes
DECLARE_bool(daemonize);             // -d
DECLARE_string(pidfile);             // -P
DECLARE_bool(enable_coredumps);      // -r
DECLARE_bool(lock_memory);           // -k
DECLARE_int32(idle_timeout);         // -o idle_timeout=N
DECLARE_bool(maxconns_fast);         // -o maxconns_fast, no_maxconns_fast
DECLARE_int32(metrics_port);         // -o metrics_port=N
DECLARE_int32(hot_keys_sample);      // -o hot_keys_sample=N
DECLARE_int32(watcher_logbuf_size);  // -o watcher_logbuf_size=KiB
DECLARE_int32(worker_logbuf_size);   // -o worker_logbuf_size=KiB
DECLARE_bool(enable_ssl);            // -Z
DECLARE_string(ssl_chain_cert);      // -o ssl_chain_cert=<file>
DECLARE_string(ssl_key);             // -o ssl_key=<file>
DECLARE_int32(ssl_verify_mode);      // -o ssl_verify_mode=0..3
DECLARE_int32(ssl_keyformat);        // -o ssl_keyformat=N
DECLARE_string(ssl_ciphers);         // -o ssl_ciphers=<list>
DECLARE_string(ssl_ca_cert);         // -o ssl_ca_cert=<file>
DECLARE_int64(ssl_wbuf_size);        // -o ssl_wbuf_size=<KB>
DECLARE_bool(ssl_session_cache);     // -o ssl_session_cache
DECLARE_bool(ssl_kernel_tls);        // -o ssl_kernel_tls
DECLARE_int32(ssl_min_version);      // -o ssl_min_version=0..3
DECLARE_bool(debug_time);            // memcd only

#endif  // MEMCD_SERVER_FLAGS_H_
