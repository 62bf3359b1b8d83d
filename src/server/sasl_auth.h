// SASL authentication for the binary protocol (-S), through Cyrus SASL and
// set up exactly as memcached sets it up, so existing deployments keep
// working:
//   - the SASL application name is "memcached";
//   - its configuration (mech_list, sasldb_path, pwcheck_method, ...) is the
//     file memcached.conf in the directory $SASL_CONF_PATH, else in /etc/sasl
//     or /etc/sasl2, the first that holds one; with none, start-up fails;
//   - $MEMCACHED_SASL_PWDB may name memcached's own password file of
//     "user:password" lines, asked first for every password check
//     (SASL_CB_SERVER_USERDB_CHECKPASS); it is re-read on each check, so
//     edits take effect without a restart. A user it does not accept falls
//     through to SASL's own backends (a sasldb, say). The user is as SASL
//     canonicalizes it: "name@realm", the realm being the host name unless
//     the client named one ("alice@myhost:secret").
// Built without SASL (configure --disable-sasl), InitSasl() fails and
// SaslCompiledIn() is false.
#ifndef MEMCD_SERVER_SASL_AUTH_H_
#define MEMCD_SERVER_SASL_AUTH_H_

#include <string>
#include <string_view>

typedef struct sasl_conn sasl_conn_t;  // <sasl/sasl.h>

namespace memcd {

// Whether this build has SASL support.
bool SaslCompiledIn();

// Starts the SASL library for the whole process; the first call decides and
// later calls return its outcome (Cyrus SASL keeps process-wide state, so
// this does too). `verbose` is -v's level: 1 lets SASL's warnings through
// to the log, 2 its notes and debug messages too. False with *error set
// when SASL cannot start.
bool InitSasl(int verbose, std::string* error);

// memcached's password-file rule, on the file's contents: the first line
// that starts with "<user>:" decides; it matches when the password follows,
// ended by ':', '\r', '\n' or the end of the text. A user plus password of
// more than 252 bytes never matches.
bool PasswordFileAccepts(std::string_view contents, std::string_view user,
                         std::string_view password);

// One connection's SASL exchange. Its Cyrus connection is created on first
// use. REQUIRES: InitSasl() succeeded. Used by one thread at a time.
class SaslSession {
 public:
  enum class Result {
    kOk,        // authenticated
    kContinue,  // the mechanism wants another step; *out is the challenge
    kFailed,    // wrong credentials, unknown mechanism, a step before a start
  };

  SaslSession() = default;
  ~SaslSession();
  SaslSession(const SaslSession&) = delete;
  SaslSession& operator=(const SaslSession&) = delete;

  // The mechanisms on offer, separated by single spaces ("PLAIN CRAM-MD5").
  bool ListMechanisms(std::string* out);
  // SASL_AUTH: begins an exchange with `mechanism` and the client's first
  // data (none when empty).
  Result Start(const std::string& mechanism, std::string_view data,
               std::string* out);
  // SASL_STEP: the next step of the exchange Start() began.
  Result Step(std::string_view data, std::string* out);

 private:
  bool EnsureConnection();

  sasl_conn_t* conn_ = nullptr;
  bool started_ = false;  // Start() began an exchange Step() may continue
};

}  // namespace memcd

#endif  // MEMCD_SERVER_SASL_AUTH_H_
