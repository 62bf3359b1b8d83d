#include "net/tls.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/listener.h"

#ifdef ENABLE_TLS
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#endif

namespace memcd {
namespace {

TEST(TlsOptionsTest, VerifyModeLevelsAreMemcachedsBits) {
  struct Case {
    int level;
    bool ok;
    int bits;
  };
  const Case cases[] = {{0, true, 0}, {1, true, 1}, {2, true, 3},  {3, true, 7},
                        {4, false, 0}, {-1, false, 0}};
  for (const Case& c : cases) {
    int bits = -5;
    EXPECT_EQ(TlsVerifyModeBits(c.level, &bits), c.ok) << c.level;
    if (c.ok) {
      EXPECT_EQ(bits, c.bits) << c.level;
    }
  }
}

TEST(TlsOptionsTest, VersionNames) {
  EXPECT_STREQ(TlsVersionName(0), "tlsv1.0");
  EXPECT_STREQ(TlsVersionName(1), "tlsv1.1");
  EXPECT_STREQ(TlsVersionName(2), "tlsv1.2");
  EXPECT_STREQ(TlsVersionName(3), "tlsv1.3");
  EXPECT_STREQ(TlsVersionName(4), "unknown");
  EXPECT_EQ(TlsOptions().min_version, 2);  // memcached's default, tlsv1.2
  EXPECT_EQ(TlsOptions().wbuf_size, 16384u);
  EXPECT_EQ(TlsOptions().keyformat, 1);
}

TEST(TlsListenTest, NotlsPrefix) {
  struct Case {
    const char* spec;
    const char* host;
    int port;
    bool notls;
  };
  const Case cases[] = {
      {"notls:127.0.0.1:5000", "127.0.0.1", 5000, true},
      {"notls:127.0.0.1", "127.0.0.1", 11211, true},
      {"notls:[::1]:7", "::1", 7, true},
      {"notls:*:9", "", 9, true},
      {"127.0.0.1:5000", "127.0.0.1", 5000, false},
      {"[::1]", "::1", 11211, false},
  };
  for (const Case& c : cases) {
    ListenAddress a;
    std::string error;
    ASSERT_TRUE(ParseListenAddress(c.spec, 11211, &a, &error)) << c.spec << ": " << error;
    EXPECT_EQ(a.host, c.host) << c.spec;
    EXPECT_EQ(a.port, c.port) << c.spec;
    EXPECT_EQ(a.notls, c.notls) << c.spec;
  }
}

#ifdef ENABLE_TLS

// A self-signed EC certificate and its key, written to a temp directory.
class TempCert {
 public:
  explicit TempCert(const char* cn) {
    char tmpl[] = "/tmp/memcd-tls-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    cert_ = dir_ + "/cert.pem";
    key_ = dir_ + "/key.pem";
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, pkey, EVP_sha256());
    BIO* b = BIO_new_file(cert_.c_str(), "w");
    PEM_write_bio_X509(b, x);
    BIO_free(b);
    b = BIO_new_file(key_.c_str(), "w");
    PEM_write_bio_PrivateKey(b, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  ~TempCert() {
    unlink(cert_.c_str());
    unlink(key_.c_str());
    rmdir(dir_.c_str());
  }
  const std::string& cert() const { return cert_; }
  const std::string& key() const { return key_; }

 private:
  std::string dir_, cert_, key_;
};

TlsOptions OptionsFor(const TempCert& c) {
  TlsOptions o;
  o.enabled = true;
  o.chain_cert = c.cert();
  o.key = c.key();
  return o;
}

TEST(TlsContextTest, LoadErrorsUseMemcachedsWords) {
  TempCert cert("a");
  struct Case {
    const char* name;
    TlsOptions options;
    std::string prefix;
  };
  TlsOptions no_chain = OptionsFor(cert);
  no_chain.chain_cert.clear();
  TlsOptions no_key = OptionsFor(cert);
  no_key.key = "/nonexistent/key.pem";
  TlsOptions bad_ca = OptionsFor(cert);
  bad_ca.ca_cert = "/nonexistent/ca.pem";
  TlsOptions bad_ciphers = OptionsFor(cert);
  bad_ciphers.ciphers = "BOGUS";
  TlsOptions der_format = OptionsFor(cert);
  der_format.keyformat = 2;
  const Case cases[] = {
      {"no chain", no_chain, "Error loading the certificate chain: (null) : error:"},
      {"no key", no_key, "Error loading the key: /nonexistent/key.pem : error:"},
      {"bad ca", bad_ca, "Error loading the CA certificate: /nonexistent/ca.pem : error:"},
      {"ciphers", bad_ciphers, "Error setting the provided cipher(s): BOGUS"},
      {"der", der_format, "Error loading the key: " + cert.key() + " : error:"},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_EQ(TlsContext::Create(c.options, &error), nullptr) << c.name;
    EXPECT_EQ(error.substr(0, c.prefix.size()), c.prefix) << c.name << ": " << error;
  }
  std::string error;
  auto ok = TlsContext::Create(OptionsFor(cert), &error);
  ASSERT_NE(ok, nullptr) << error;
  EXPECT_LE(ok->SecondsSinceRefresh(), 1u);
}

// Drives a client SSL against a TlsConnection over a non-blocking socketpair.
class TlsPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    cert_ = std::make_unique<TempCert>("server-one");
    std::string error;
    context_ = TlsContext::Create(OptionsFor(*cert_), &error);
    ASSERT_NE(context_, nullptr) << error;
    client_ctx_ = SSL_CTX_new(TLS_client_method());
    Connect();
  }
  void TearDown() override {
    server_.reset();
    if (client_ != nullptr) SSL_free(client_);
    if (client_ctx_ != nullptr) SSL_CTX_free(client_ctx_);
    for (int fd : fds_) close(fd);
  }
  void Connect() {
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    fds_.push_back(sv[0]);
    fds_.push_back(sv[1]);
    server_ = std::make_unique<TlsConnection>(context_.get(), context_->NewSsl(), sv[0]);
    if (client_ != nullptr) SSL_free(client_);
    client_ = SSL_new(client_ctx_);
    SSL_set_fd(client_, sv[1]);
    SSL_set_connect_state(client_);
    client_fd_ = sv[1];
  }
  // Sends `data` from the client, pumping both ends (the client's write
  // waits for the handshake) until the server has read it all.
  std::string SendAndRead(const std::string& data) {
    std::string got;
    bool sent = false;
    for (int i = 0; i < 1000 && got.size() < data.size(); ++i) {
      if (!sent) sent = SSL_write(client_, data.data(), static_cast<int>(data.size())) > 0;
      char buf[4096];
      TlsConnection::Result r = server_->Read(buf, sizeof(buf));
      if (r.status == TlsConnection::Status::kOk) got.append(buf, r.bytes);
      if (r.status == TlsConnection::Status::kError) break;
    }
    return got;
  }
  std::string ClientReadAll() {
    std::string got;
    char buf[65536];
    size_t n = 0;
    while (SSL_read_ex(client_, buf, sizeof(buf), &n) == 1) got.append(buf, n);
    return got;
  }

  std::unique_ptr<TempCert> cert_;
  std::unique_ptr<TlsContext> context_;
  SSL_CTX* client_ctx_ = nullptr;
  SSL* client_ = nullptr;
  int client_fd_ = -1;
  std::unique_ptr<TlsConnection> server_;
  std::vector<int> fds_;
};

TEST_F(TlsPairTest, HandshakeWaitsForTheClientThenReads) {
  char buf[16];
  // Nothing sent yet: the handshake wants to read, it does not block.
  EXPECT_EQ(server_->Read(buf, sizeof(buf)).status, TlsConnection::Status::kWantRead);
  EXPECT_FALSE(server_->handshake_done());
  EXPECT_EQ(SendAndRead("version\r\n"), "version\r\n");
  EXPECT_TRUE(server_->handshake_done());
  EXPECT_EQ(context_->handshake_errors(), 0u);
}

TEST_F(TlsPairTest, GatheredWriteOfSmallAndLargePieces) {
  ASSERT_EQ(SendAndRead("x"), "x");
  // Larger than the socket buffer: the server blocks and retries.
  const std::string big(1 << 20, 'v');
  const std::string a = "VALUE k 0 1048576\r\n", b = "\r\nEND\r\n";
  std::string expected = a + big + b;
  std::vector<iovec> pieces = {{const_cast<char*>(a.data()), a.size()},
                               {const_cast<char*>(big.data()), big.size()},
                               {const_cast<char*>(b.data()), b.size()}};
  std::vector<char> scratch(context_->options().wbuf_size);
  std::string got;
  size_t index = 0;
  int blocked = 0;
  for (int i = 0; i < 10000 && index < pieces.size(); ++i) {
    TlsConnection::Result r =
        server_->Writev(&pieces[index], static_cast<int>(pieces.size() - index), scratch.data());
    if (r.status == TlsConnection::Status::kOk) {
      size_t left = r.bytes;
      while (left > 0) {  // advance as ResponseBuffer does
        iovec& p = pieces[index];
        const size_t take = std::min(left, p.iov_len);
        p.iov_base = static_cast<char*>(p.iov_base) + take;
        p.iov_len -= take;
        left -= take;
        if (p.iov_len == 0) index++;
      }
    } else {
      ASSERT_TRUE(r.status == TlsConnection::Status::kWantWrite) << static_cast<int>(r.status);
      blocked++;
      got += ClientReadAll();  // drain, as a slow client eventually does
    }
  }
  got += ClientReadAll();
  EXPECT_GT(blocked, 0);
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
}

TEST_F(TlsPairTest, PlaintextClientIsAHandshakeError) {
  ASSERT_EQ(write(client_fd_, "get foo\r\n", 9), 9);
  char buf[16];
  EXPECT_EQ(server_->Read(buf, sizeof(buf)).status, TlsConnection::Status::kError);
  EXPECT_EQ(context_->handshake_errors(), 1u);
}

TEST_F(TlsPairTest, ClientLeavingWithoutAByteIsNoHandshakeError) {
  ASSERT_EQ(shutdown(client_fd_, SHUT_RDWR), 0);
  char buf[16];
  EXPECT_EQ(server_->Read(buf, sizeof(buf)).status, TlsConnection::Status::kClosed);
  EXPECT_EQ(context_->handshake_errors(), 0u);
}

TEST_F(TlsPairTest, ReloadServesTheNewCertificateToNewConnectionsOnly) {
  ASSERT_EQ(SendAndRead("a"), "a");
  X509* before = SSL_get1_peer_certificate(client_);
  ASSERT_NE(before, nullptr);
  // Replace the files with another certificate, then reload.
  TempCert other("server-two");
  ASSERT_EQ(rename(other.cert().c_str(), cert_->cert().c_str()), 0);
  ASSERT_EQ(rename(other.key().c_str(), cert_->key().c_str()), 0);
  std::string error;
  ASSERT_TRUE(context_->Reload(&error)) << error;
  // The old connection still works.
  EXPECT_EQ(SendAndRead("b"), "b");
  Connect();
  ASSERT_EQ(SendAndRead("c"), "c");
  X509* after = SSL_get1_peer_certificate(client_);
  ASSERT_NE(after, nullptr);
  EXPECT_NE(X509_cmp(before, after), 0);
  X509_free(before);
  X509_free(after);
  // A reload that fails keeps the context in force.
  unlink(cert_->key().c_str());
  EXPECT_FALSE(context_->Reload(&error));
  EXPECT_EQ(error.substr(0, 22), "Error loading the key:");
  Connect();
  EXPECT_EQ(SendAndRead("d"), "d");
}

TEST_F(TlsPairTest, SessionCacheCountsNewSessions) {
  TlsOptions o = OptionsFor(*cert_);
  o.session_cache = true;
  std::string error;
  context_ = TlsContext::Create(o, &error);
  ASSERT_NE(context_, nullptr) << error;
  Connect();
  ASSERT_EQ(SendAndRead("a"), "a");
  EXPECT_GE(context_->new_sessions(), 1u);
}

#else  // !ENABLE_TLS

TEST(TlsContextTest, RefusedWithoutOpenSsl) {
  EXPECT_FALSE(TlsCompiledIn());
  std::string error;
  EXPECT_EQ(TlsContext::Create(TlsOptions(), &error), nullptr);
  EXPECT_NE(error.find("without TLS support"), std::string::npos) << error;
}

#endif  // ENABLE_TLS

}  // namespace
}  // namespace memcd
