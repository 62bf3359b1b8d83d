// TLS (-Z, memcached's "ssl" options) on OpenSSL 3: a reloadable server
// context and a per-connection transport that never blocks.
//
// TlsContext holds the SSL_CTX that new connections start from. Reload()
// (refresh_certs, SIGHUP) builds a whole new SSL_CTX from the same options
// and swaps it in only if every file loaded; connections already open keep
// the context they started with (OpenSSL counts its references).
//
// TlsConnection wraps one accepted socket. Read() and Writev() run the
// handshake first, and report WANT_READ / WANT_WRITE instead of waiting, so
// the caller maps them onto its read and write events.
//
// Without OpenSSL (configure --disable-tls) everything here still links:
// TlsCompiledIn() is false and TlsContext::Create() refuses.
#ifndef MEMCD_NET_TLS_H_
#define MEMCD_NET_TLS_H_

#include <sys/types.h>
#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

struct ssl_st;
struct ssl_ctx_st;
struct ssl_session_st;

namespace memcd {

// memcached's -Z and -o ssl_* settings. Strings are empty when not given.
struct TlsOptions {
  bool enabled = false;        // -Z
  std::string chain_cert;      // ssl_chain_cert
  std::string key;             // ssl_key
  int verify_mode = 0;         // OpenSSL SSL_VERIFY_* bits (ssl_verify_mode 0..3 -> 0,1,3,7)
  int keyformat = 1;           // SSL_FILETYPE_*: 1 PEM, 2 ASN1 (DER)
  std::string ciphers;         // ssl_ciphers: an OpenSSL cipher list (TLS 1.2 and below)
  std::string ca_cert;         // ssl_ca_cert: PEM file of CAs accepted for client certs
  uint32_t wbuf_size = 16384;  // ssl_wbuf_size, in bytes: the gathered-write copy bound
  bool session_cache = false;  // ssl_session_cache: server-side session cache
  bool kernel_tls = false;     // ssl_kernel_tls: kTLS offload where the kernel has it
  int min_version = 2;         // ssl_min_version 0..3: TLS 1.0 .. TLS 1.3
};

// Whether this memcd was built with OpenSSL.
bool TlsCompiledIn();

// "-o ssl_verify_mode=N" (0..3) as the OpenSSL bits memcached stores and
// prints: 0 none, 1 peer, 2 peer + fail without a cert, 3 that + once.
// False for any other N.
bool TlsVerifyModeBits(int level, int* bits);
// memcached's name for ssl_min_version 0..3 ("tlsv1.0".."tlsv1.3"); else
// "unknown".
const char* TlsVersionName(int min_version);

class TlsContext {
 public:
  // A context for `options` (copied), with its certificate chain, key and
  // CA file loaded. Null on failure, with memcached's message in *error
  // (e.g. "Error loading the key: <path> : error:...").
  static std::unique_ptr<TlsContext> Create(const TlsOptions& options, std::string* error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Re-reads the files into a new SSL_CTX used by connections created from
  // now on. On failure the current one stays and *error gets memcached's
  // message. Any thread.
  bool Reload(std::string* error);

  // A new server-side SSL on the current SSL_CTX; null if OpenSSL fails.
  // The caller owns it (TlsConnection takes it).
  ssl_st* NewSsl();

  const TlsOptions& options() const { return options_; }
  // Counters for "stats": a failed handshake, and a new cached session
  // (only with ssl_session_cache). Relaxed: statistics only.
  void CountHandshakeError() { handshake_errors_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t handshake_errors() const { return handshake_errors_.load(std::memory_order_relaxed); }
  uint64_t new_sessions() const { return new_sessions_.load(std::memory_order_relaxed); }
  // Monotonic seconds (CLOCK_MONOTONIC) of the last successful (re)load.
  uint64_t last_refresh() const { return last_refresh_.load(std::memory_order_relaxed); }
  // Seconds since then, as "time_since_server_cert_refresh".
  uint64_t SecondsSinceRefresh() const;

 private:
  explicit TlsContext(const TlsOptions& options);
  // A configured SSL_CTX with the files loaded, or null with *error.
  ssl_ctx_st* Build(std::string* error);
  static int OnNewSession(ssl_st* ssl, ssl_session_st* session);

  const TlsOptions options_;
  std::mutex mu_;                // guards ctx_ (the pointer; SSL_CTX is thread-safe)
  ssl_ctx_st* ctx_ = nullptr;    // one reference owned here
  std::atomic<uint64_t> handshake_errors_{0};
  std::atomic<uint64_t> new_sessions_{0};
  std::atomic<uint64_t> last_refresh_{0};
};

// One TLS connection on a non-blocking socket it does not own. Same thread
// only (the worker's).
class TlsConnection {
 public:
  // Takes `ssl` (from TlsContext::NewSsl()); `context` outlives this.
  TlsConnection(TlsContext* context, ssl_st* ssl, int fd);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  enum class Status {
    kOk,         // bytes moved (> 0)
    kWantRead,   // try again when the socket is readable
    kWantWrite,  // try again when the socket is writable
    kClosed,     // the peer closed (close_notify or EOF)
    kError,      // fatal: handshake failure, protocol error, reset
  };
  struct Result {
    Status status;
    size_t bytes;  // kOk only
  };

  // Decrypts up to `len` bytes into `buf`, finishing the handshake first.
  Result Read(char* buf, size_t len);
  // Writes a prefix of the `count` pieces: straight from the first piece
  // when it is large, else through a copy of at most wbuf_size bytes into
  // `scratch` (the worker's, of at least that size). After kWantRead or
  // kWantWrite, call again with the same leading bytes, as OpenSSL asks.
  Result Writev(const iovec* iov, int count, char* scratch);
  // Decrypted bytes OpenSSL holds that the socket will not signal again
  // (a record larger than the last Read() asked for).
  bool HasBuffered() const;
  // Best-effort close_notify before the socket is closed; never waits.
  void Shutdown();
  bool handshake_done() const { return handshake_done_; }
  ssl_st* ssl() const { return ssl_; }

 private:
  // Runs the handshake; kOk once it is done.
  Status Handshake();
  // Maps an OpenSSL failure of `ret` onto a Status.
  Status Fail(int ret);

  TlsContext* const context_;
  ssl_st* const ssl_;
  bool handshake_done_ = false;
  size_t pending_write_ = 0;  // bytes of an SSL_write that must be retried as is
};

}  // namespace memcd

#endif  // MEMCD_NET_TLS_H_
