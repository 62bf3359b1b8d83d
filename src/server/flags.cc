// The only file with DEFINE_s. Defaults are memcached 1.6's.
#include "server/flags.h"

DEFINE_int32(port, 11211, "TCP port to listen on; 0 turns TCP off (-p)");
DEFINE_int32(udp_port, 0, "UDP port to listen on; 0 turns UDP off (-U)");
DEFINE_string(listen, "",
              "addresses to listen on, split on ',' or ';'; empty = all (-l)");
DEFINE_string(unix_socket, "", "UNIX domain socket path to listen on (-s)");
DEFINE_string(unix_mask, "0700",
              "permission bits of the -s socket file, in octal (-a)");
DEFINE_int32(listen_backlog, 1024, "listen() backlog (-b)");
DEFINE_int32(threads, 4, "worker threads (-t)");
DEFINE_int32(conn_limit, 1024, "most simultaneous connections (-c)");
DEFINE_int32(max_reqs_per_event, 20,
             "requests served per connection before yielding (-R)");
DEFINE_string(protocol, "auto",
              "protocol of new connections: ascii, binary, or auto (binary "
              "when the first byte is 0x80) (-B)");
DEFINE_int64(memory_limit, 64, "item memory in megabytes (-m)");
DEFINE_string(max_item_size, "1m",
              "largest item in bytes, k or m suffix allowed, 1k..1024m (-I)");
DEFINE_double(slab_growth_factor, 1.25,
              "chunk size growth factor between slab classes (-f)");
DEFINE_int32(slab_min_size, 48,
             "smallest chunk's room for key, value and flags (-n)");
DEFINE_bool(disable_cas, false, "do not keep CAS values (-C)");
DEFINE_bool(disable_evictions, false,
            "refuse stores instead of evicting when memory is full (-M)");
DEFINE_string(user, "", "user to switch to when started as root (-u)");
DEFINE_int32(verbose, 0, "verbosity: 1 errors, 2 commands, 3 internals (-v)");
DEFINE_int64(slab_chunk_max, 0,
             "largest slab chunk in bytes; larger items are chained chunks; "
             "0 = half a page, or -I if smaller (-o slab_chunk_max)");
DEFINE_string(slab_sizes, "",
              "slab class chunk sizes, dash separated, instead of -n and -f "
              "(-o slab_sizes)");
DEFINE_int32(hashpower, 16,
             "initial hash table size as a power of two (-o hashpower)");
DEFINE_bool(no_hashexpand, false,
            "never grow the hash table past -o hashpower (-o no_hashexpand)");
DEFINE_bool(slab_reassign, true,
            "allow moving slab pages between classes; runs the page mover "
            "thread (-o slab_reassign / no_slab_reassign)");
DEFINE_int32(slab_automove, 1,
             "0: no automatic page moves, 1: memcached's policy, 2: move on "
             "any eviction (-o slab_automove[=N] / no_slab_automove)");
DEFINE_double(slab_automove_ratio, 0.8,
              "automove 1 moves a page to an evicting class whose COLD tail "
              "is younger than this times the oldest (-o slab_automove_ratio)");
DEFINE_int32(slab_automove_window, 30,
             "seconds of history automove looks at (-o slab_automove_window)");
DEFINE_bool(lru_maintainer, true,
            "run the LRU maintainer thread and the segmented LRU "
            "(-o lru_maintainer / no_lru_maintainer)");
DEFINE_int32(hot_lru_pct, 20, "percent of a class's memory for HOT items");
DEFINE_int32(warm_lru_pct, 40, "percent of a class's memory for WARM items");
DEFINE_double(hot_max_factor, 0.2,
              "HOT items older than this times COLD's tail age go to COLD");
DEFINE_double(warm_max_factor, 2.0,
              "WARM items older than this times COLD's tail age go to COLD");
DEFINE_bool(temp_lru, false, "keep short-TTL items in a TEMP LRU "
            "(on when -o temporary_ttl is given)");
DEFINE_int32(temporary_ttl, 61, "TTLs up to this go to the TEMP LRU");
DEFINE_bool(disable_dumping, false,
            "refuse lru_crawler metadump (-X)");
DEFINE_bool(disable_watch, false, "refuse the watch command (-W)");
DEFINE_bool(enable_shutdown, false, "enable the shutdown command (-A)");
DEFINE_bool(disable_flush_all, false, "refuse flush_all (-F)");
DEFINE_string(stats_prefix_delimiter, ":",
              "key prefix delimiter for \"stats detail\" (-D)");
DEFINE_string(auth_file, "",
              "file of user:password lines; enables ASCII authentication (-Y)");
DEFINE_bool(enable_sasl, false,
            "SASL authentication for the binary protocol (-S); implies "
            "-B binary");
DEFINE_bool(lru_crawler, true,
            "run the LRU crawler thread (-o lru_crawler / no_lru_crawler)");
DEFINE_int32(lru_crawler_sleep, 100,
             "microseconds the crawler sleeps every 1000 items, 0..1000000 "
             "(-o lru_crawler_sleep)");
DEFINE_int32(lru_crawler_tocrawl, 0,
             "items the crawler checks per class per crawl; 0 = all "
             "(-o lru_crawler_tocrawl)");
DEFINE_bool(enable_largepages, false,
            "commit all item memory at start-up, with huge pages where "
            "available (-L)");
DEFINE_bool(track_sizes, false,
            "keep a histogram of item sizes for stats sizes "
            "(-o track_sizes)");
DEFINE_bool(daemonize, false,
            "run in the background; the parent exits once serving (-d)");
DEFINE_string(pidfile, "", "file to write the process id to (-P)");
DEFINE_bool(enable_coredumps, false,
            "raise the core file size limit to its maximum (-r)");
DEFINE_bool(lock_memory, false, "lock all paged memory with mlockall (-k)");
DEFINE_int32(idle_timeout, 0,
             "close TCP connections idle longer than this many seconds; "
             "0 = never (-o idle_timeout)");
DEFINE_bool(maxconns_fast, true,
            "over -c, answer an error and close at once; false: stop "
            "accepting until a connection closes (-o maxconns_fast / "
            "no_maxconns_fast)");
DEFINE_int32(metrics_port, 0,
             "serve Prometheus metrics over HTTP at /metrics on this port; "
             "0 = off (-o metrics_port)");
DEFINE_int32(watcher_logbuf_size, 256,
             "KiB of unsent log lines kept per watch connection "
             "(-o watcher_logbuf_size)");
DEFINE_int32(worker_logbuf_size, 64,
             "KiB of log records buffered per thread for watch "
             "(-o worker_logbuf_size)");
DEFINE_int32(hot_keys_sample, 16,
             "sample 1 in N gets and writes for stats hotkeys; 0 = off "
             "(-o hot_keys_sample)");
DEFINE_bool(enable_ssl, false,
            "serve TLS on every TCP listener not given as notls:<addr> (-Z)");
DEFINE_string(ssl_chain_cert, "",
              "TLS certificate chain file, PEM (-o ssl_chain_cert)");
DEFINE_string(ssl_key, "",
              "TLS private key file, if not in the chain file (-o ssl_key)");
DEFINE_int32(ssl_verify_mode, 0,
             "client certificates: 0 none, 1 request, 2 require, 3 require "
             "once (-o ssl_verify_mode)");
DEFINE_int32(ssl_keyformat, 1,
             "private key file format: 1 PEM, 2 DER (-o ssl_keyformat)");
DEFINE_string(ssl_ciphers, "",
              "OpenSSL cipher list for TLS 1.2 and below (-o ssl_ciphers)");
DEFINE_string(ssl_ca_cert, "",
              "PEM file of CAs whose client certificates are accepted "
              "(-o ssl_ca_cert)");
DEFINE_int64(ssl_wbuf_size, 16,
             "kilobytes gathered per TLS write (-o ssl_wbuf_size)");
DEFINE_bool(ssl_session_cache, false,
            "server-side TLS session cache, for resumption "
            "(-o ssl_session_cache)");
DEFINE_bool(ssl_kernel_tls, false, "kernel TLS offload (-o ssl_kernel_tls)");
DEFINE_int32(ssl_min_version, 2,
             "oldest TLS accepted: 0 1.0, 1 1.1, 2 1.2, 3 1.3 "
             "(-o ssl_min_version)");
DEFINE_bool(debug_time, false,
            "enable the debugtime command that moves the clock (tests only)");
