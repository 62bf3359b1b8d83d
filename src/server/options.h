// Everything the server is told on its command line, as plain structs handed
// to the layers. Built from the gflags in flags.cc by BuildOptions().
#ifndef MEMCD_SERVER_OPTIONS_H_
#define MEMCD_SERVER_OPTIONS_H_

#include <string>
#include <vector>

#include "net/tls.h"
#include "store/store.h"

namespace memcd {

// -B: the protocol of a new connection.
enum class BindingProtocol {
  kAscii,   // text (and meta) only: a binary request is just a bad line
  kBinary,  // binary only: anything else closes the connection
  kAuto,    // binary when the connection's first byte is 0x80, else text
};

struct ServerOptions {
  int port = 11211;              // -p, TCP port; 0 disables TCP
  int udp_port = 0;              // -U, 0 = off (as memcached since 1.5.6)
  std::vector<std::string> listen;  // -l, split on ',' and ';'; empty = all
  std::string unix_socket;       // -s; when set, no TCP or UDP listener
  int unix_mask = 0700;          // -a, permission bits of the socket file
  int backlog = 1024;            // -b
  int threads = 4;               // -t
  int max_conns = 1024;          // -c
  int reqs_per_event = 20;       // -R
  BindingProtocol protocol = BindingProtocol::kAuto;  // -B
  std::string user;              // -u
  int verbose = 0;               // -v / -vv / -vvv
  bool debug_time = false;       // enables the "debugtime" command (tests only)
  bool dump_enabled = true;      // false with -X: metadump refused
  bool shutdown_enabled = false; // -A: the "shutdown" command works
  bool flush_enabled = true;     // false with -F: flush_all refused
  bool watch_enabled = true;     // false with -W: watch refused
  char prefix_delimiter = ':';   // -D: key prefix end for "stats detail"
  std::string auth_file;         // -Y: ASCII authentication; empty = off
  bool sasl = false;             // -S: binary SASL authentication
  bool daemonize = false;        // -d
  std::string pid_file;          // -P; empty = none
  bool enable_coredumps = false; // -r
  bool lock_memory = false;      // -k
  int idle_timeout = 0;          // -o idle_timeout, seconds; 0 = off
  bool maxconns_fast = true;     // false: over -c, stop accepting instead
  int metrics_port = 0;          // -o metrics_port: HTTP /metrics; 0 = off
  int hot_keys_sample = 16;      // -o hot_keys_sample: 1 in N requests sampled; 0 = off
  size_t watcher_logbuf_size = 256 * 1024;  // -o watcher_logbuf_size, in bytes
  size_t worker_logbuf_size = 64 * 1024;    // -o worker_logbuf_size, in bytes
  TlsOptions tls;                // -Z, -o ssl_*
  StoreOptions store;            // -m -I -n -f -C -M -o hashpower
};

}  // namespace memcd

#endif  // MEMCD_SERVER_OPTIONS_H_
