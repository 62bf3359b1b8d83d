#include "net/tls.h"

#include <time.h>

#include <algorithm>
#include <cstring>

#ifdef ENABLE_TLS
#include <openssl/err.h>
#include <openssl/ssl.h>
#endif

namespace memcd {
namespace {

uint64_t MonotonicSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec);
}

}  // namespace

bool TlsVerifyModeBits(int level, int* bits) {
  // SSL_VERIFY_PEER 1, _FAIL_IF_NO_PEER_CERT 2, _CLIENT_ONCE 4.
  static constexpr int kBits[] = {0, 1, 1 | 2, 1 | 2 | 4};
  if (level < 0 || level > 3) return false;
  *bits = kBits[level];
  return true;
}

const char* TlsVersionName(int min_version) {
  static constexpr const char* kNames[] = {"tlsv1.0", "tlsv1.1", "tlsv1.2", "tlsv1.3"};
  return min_version >= 0 && min_version <= 3 ? kNames[min_version] : "unknown";
}

uint64_t TlsContext::SecondsSinceRefresh() const {
  return MonotonicSeconds() - last_refresh();
}

TlsContext::TlsContext(const TlsOptions& options) : options_(options) {}

#ifdef ENABLE_TLS

namespace {

// memcached's SESSION_ID_CONTEXT.
constexpr char kSessionIdContext[] = "memcached";

// The oldest queued OpenSSL error as text (memcached shows only that one);
// the queue is emptied so it cannot leak into another connection's report.
std::string TakeSslError() {
  char buf[256] = "";
  const unsigned long err = ERR_get_error();
  if (err != 0) ERR_error_string_n(err, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

// memcached hands OpenSSL a null path when a file option is missing, and
// prints what OpenSSL then reports (fopen(NULL) failing with EFAULT). memcd
// does not make that call (a sanitizer's fopen would crash on it) and
// reports the same words.
constexpr char kNullPathError[] = "error:8000000E:system library::Bad address";

const char* PathForMessage(const std::string& path) {
  return path.empty() ? "(null)" : path.c_str();  // what memcached's printf shows
}

}  // namespace

bool TlsCompiledIn() { return true; }

std::unique_ptr<TlsContext> TlsContext::Create(const TlsOptions& options, std::string* error) {
  std::unique_ptr<TlsContext> context(new TlsContext(options));
  context->ctx_ = context->Build(error);
  if (context->ctx_ == nullptr) return nullptr;
  context->last_refresh_.store(MonotonicSeconds(), std::memory_order_relaxed);
  return context;
}

TlsContext::~TlsContext() {
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
}

SSL_CTX* TlsContext::Build(std::string* error) {
  static constexpr int kVersions[] = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION,
                                      TLS1_3_VERSION};
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    *error = "Error creating the TLS context: " + TakeSslError();
    return nullptr;
  }
  if (options_.min_version >= 0 && options_.min_version <= 3) {
    SSL_CTX_set_min_proto_version(ctx, kVersions[options_.min_version]);
  }
  // memcached's checks and messages, in its order.
  if (options_.chain_cert.empty() ||
      SSL_CTX_use_certificate_chain_file(ctx, options_.chain_cert.c_str()) != 1) {
    *error = std::string("Error loading the certificate chain: ") +
             PathForMessage(options_.chain_cert) + " : " +
             (options_.chain_cert.empty() ? kNullPathError : TakeSslError());
  } else if (options_.key.empty() ||
             SSL_CTX_use_PrivateKey_file(ctx, options_.key.c_str(), options_.keyformat) != 1) {
    *error = std::string("Error loading the key: ") + PathForMessage(options_.key) + " : " +
             (options_.key.empty() ? kNullPathError : TakeSslError());
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    *error = "Error validating the certificate: " + TakeSslError();
  } else if (!options_.ca_cert.empty() &&
             SSL_CTX_load_verify_locations(ctx, options_.ca_cert.c_str(), nullptr) != 1) {
    *error = "Error loading the CA certificate: " + options_.ca_cert + " : " + TakeSslError();
  } else if (!options_.ciphers.empty() &&
             SSL_CTX_set_cipher_list(ctx, options_.ciphers.c_str()) != 1) {
    ERR_clear_error();
    *error = "Error setting the provided cipher(s): " + options_.ciphers;
  } else {
    error->clear();
  }
  if (!error->empty()) {
    SSL_CTX_free(ctx);
    return nullptr;
  }
  if (!options_.ca_cert.empty()) {
    SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(options_.ca_cert.c_str()));
  }
  SSL_CTX_set_verify(ctx, options_.verify_mode, nullptr);
  SSL_CTX_set_app_data(ctx, this);
  if (options_.session_cache) {
    SSL_CTX_sess_set_new_cb(ctx, &TlsContext::OnNewSession);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_session_id_context(ctx, reinterpret_cast<const unsigned char*>(kSessionIdContext),
                                   sizeof(kSessionIdContext) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  uint64_t ops = SSL_OP_NO_RENEGOTIATION;
#ifdef SSL_OP_ENABLE_KTLS
  if (options_.kernel_tls) ops |= SSL_OP_ENABLE_KTLS;
#endif
  SSL_CTX_set_options(ctx, ops);
  // Idle connections drop their TLS buffers; Writev() retries from a moved
  // (re-copied) buffer and takes one record per call.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_ENABLE_PARTIAL_WRITE);
  return ctx;
}

bool TlsContext::Reload(std::string* error) {
  SSL_CTX* fresh = Build(error);
  if (fresh == nullptr) return false;
  SSL_CTX* old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = ctx_;
    ctx_ = fresh;
  }
  SSL_CTX_free(old);  // live connections hold their own references
  last_refresh_.store(MonotonicSeconds(), std::memory_order_relaxed);
  return true;
}

SSL* TlsContext::NewSsl() {
  std::lock_guard<std::mutex> lock(mu_);
  return SSL_new(ctx_);
}

int TlsContext::OnNewSession(SSL* ssl, SSL_SESSION* /*session*/) {
  auto* self = static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  self->new_sessions_.fetch_add(1, std::memory_order_relaxed);
  return 0;  // the cache keeps its own reference
}

TlsConnection::TlsConnection(TlsContext* context, SSL* ssl, int fd)
    : context_(context), ssl_(ssl) {
  SSL_set_fd(ssl_, fd);
  SSL_set_accept_state(ssl_);
}

TlsConnection::~TlsConnection() { SSL_free(ssl_); }

TlsConnection::Status TlsConnection::Fail(int ret) {
  Status status;
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
      status = Status::kWantRead;
      break;
    case SSL_ERROR_WANT_WRITE:
      status = Status::kWantWrite;
      break;
    case SSL_ERROR_ZERO_RETURN:
      status = Status::kClosed;
      break;
    case SSL_ERROR_SYSCALL:
      // Nothing queued: the peer went away without close_notify.
      status = ERR_peek_error() == 0 ? Status::kClosed : Status::kError;
      break;
    case SSL_ERROR_SSL:
      // OpenSSL 3's word for the same: a plain close, not a protocol error.
      status = ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING
                   ? Status::kClosed
                   : Status::kError;
      break;
    default:
      status = Status::kError;
      break;
  }
  ERR_clear_error();
  return status;
}

TlsConnection::Status TlsConnection::Handshake() {
  ERR_clear_error();
  const int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    handshake_done_ = true;
    return Status::kOk;
  }
  // A client that connects and leaves without a byte (a port probe) is no
  // handshake error; anything it sent that is not TLS is.
  const Status status = Fail(ret);
  if (status == Status::kError) context_->CountHandshakeError();
  return status;
}

TlsConnection::Result TlsConnection::Read(char* buf, size_t len) {
  if (!handshake_done_) {
    const Status s = Handshake();
    if (s != Status::kOk) return {s, 0};
  }
  size_t n = 0;
  const int ret = SSL_read_ex(ssl_, buf, len, &n);
  if (ret == 1) return {Status::kOk, n};
  return {Fail(ret), 0};
}

TlsConnection::Result TlsConnection::Writev(const iovec* iov, int count, char* scratch) {
  if (!handshake_done_) {
    const Status s = Handshake();
    if (s != Status::kOk) return {s, 0};
  }
  const size_t bound = context_->options().wbuf_size;
  const char* data;
  size_t len = pending_write_;
  if (count > 0 && iov[0].iov_len >= bound) {
    // A large piece (a value in item memory) needs no copy.
    data = static_cast<const char*>(iov[0].iov_base);
    if (len == 0) len = iov[0].iov_len;
  } else {
    // Small pieces: one record's worth gathered into the scratch buffer.
    // A retry copies the same leading bytes again.
    const size_t want = len != 0 ? len : bound;
    size_t copied = 0;
    for (int i = 0; i < count && copied < want; ++i) {
      const size_t take = std::min(iov[i].iov_len, want - copied);
      memcpy(scratch + copied, iov[i].iov_base, take);
      copied += take;
    }
    data = scratch;
    len = copied;
  }
  if (len == 0) return {Status::kOk, 0};
  ERR_clear_error();
  size_t written = 0;
  const int ret = SSL_write_ex(ssl_, data, len, &written);
  if (ret == 1) {
    pending_write_ = 0;
    return {Status::kOk, written};
  }
  const Status status = Fail(ret);
  if (status == Status::kWantRead || status == Status::kWantWrite) pending_write_ = len;
  return {status, 0};
}

// SSL_pending(), not SSL_has_pending(): a partial record (a stalled client)
// waits for the socket, which will signal when the rest arrives.
bool TlsConnection::HasBuffered() const { return SSL_pending(ssl_) > 0; }

void TlsConnection::Shutdown() {
  if (!handshake_done_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);  // sends close_notify if the socket takes it; no waiting
  ERR_clear_error();
}

#else  // !ENABLE_TLS

bool TlsCompiledIn() { return false; }

std::unique_ptr<TlsContext> TlsContext::Create(const TlsOptions& /*options*/,
                                               std::string* error) {
  *error = "-Z: this memcd was built without TLS support (configure --disable-tls)";
  return nullptr;
}

TlsContext::~TlsContext() = default;
ssl_ctx_st* TlsContext::Build(std::string* error) {
  *error = "TLS not built in";
  return nullptr;
}
bool TlsContext::Reload(std::string* error) {
  *error = "Error TLS not enabled";
  return false;
}
ssl_st* TlsContext::NewSsl() { return nullptr; }
int TlsContext::OnNewSession(ssl_st* /*ssl*/, ssl_session_st* /*session*/) { return 0; }

TlsConnection::TlsConnection(TlsContext* context, ssl_st* ssl, int /*fd*/)
    : context_(context), ssl_(ssl) {}
TlsConnection::~TlsConnection() = default;
TlsConnection::Status TlsConnection::Fail(int /*ret*/) { return Status::kError; }
TlsConnection::Status TlsConnection::Handshake() { return Status::kError; }
TlsConnection::Result TlsConnection::Read(char* /*buf*/, size_t /*len*/) {
  return {Status::kError, 0};
}
TlsConnection::Result TlsConnection::Writev(const iovec* /*iov*/, int /*count*/,
                                            char* /*scratch*/) {
  return {Status::kError, 0};
}
bool TlsConnection::HasBuffered() const { return false; }
void TlsConnection::Shutdown() {}

#endif  // ENABLE_TLS

}  // namespace memcd
