#include "server/sasl_auth.h"

#include <glog/logging.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#ifdef ENABLE_SASL
#include <sasl/sasl.h>

#include "base/verbosity.h"
#endif

namespace memcd {

bool PasswordFileAccepts(std::string_view contents, std::string_view user,
                         std::string_view password) {
  // memcached reads lines of at most 255 bytes and refuses what cannot fit.
  constexpr size_t kMaxEntry = 256 - 4;
  if (user.size() + password.size() > kMaxEntry) return false;
  while (!contents.empty()) {
    const size_t eol = contents.find('\n');
    std::string_view line = contents.substr(0, eol);
    contents.remove_prefix(eol == std::string_view::npos ? contents.size()
                                                         : eol + 1);
    if (line.size() <= user.size() || line.substr(0, user.size()) != user ||
        line[user.size()] != ':') {
      continue;
    }
    // The first line naming the user decides.
    std::string_view rest = line.substr(user.size() + 1);
    if (rest.substr(0, password.size()) != password) return false;
    if (rest.size() == password.size()) return true;  // line or text end
    const char after = rest[password.size()];
    return after == ':' || after == '\r' || after == '\0';
  }
  return false;
}

#ifdef ENABLE_SASL

namespace {

// What the library's callbacks need, for the life of the process: Cyrus
// keeps the callback table and calls it from any worker thread. Written
// once, under InitSasl()'s once_flag, then only read.
struct SaslProcess {
  int verbose = 0;
  bool has_pwdb = false;
  std::string pwdb;      // $MEMCACHED_SASL_PWDB
  std::string conf_dir;  // directory holding memcached.conf
  std::string hostname;  // the user realm, as memcached passes it
  sasl_callback_t callbacks[4] = {};
  bool ok = false;
  std::string error;
};

SaslProcess& Process() {
  static SaslProcess process;
  return process;
}

int LogCallback(void* context, int level, const char* message) {
  const auto* p = static_cast<const SaslProcess*>(context);
  switch (level) {
    case SASL_LOG_NONE:
      break;
    case SASL_LOG_ERR:
      LOG(ERROR) << "SASL: " << message;
      break;
    case SASL_LOG_FAIL:
    case SASL_LOG_WARN:
      if (p->verbose >= 1) LOG(WARNING) << "SASL: " << message;
      break;
    default:  // notes, debug, trace, passwords
      if (p->verbose >= 2) LOG(INFO) << "SASL: " << message;
      break;
  }
  return SASL_OK;
}

int ConfPathCallback(void* context, char** path) {
  auto* p = static_cast<SaslProcess*>(context);
  *path = const_cast<char*>(p->conf_dir.c_str());
  return SASL_OK;
}

int CheckPassCallback(sasl_conn_t* /*conn*/, void* context, const char* user,
                      const char* pass, unsigned passlen,
                      struct propctx* /*propctx*/) {
  const auto* p = static_cast<const SaslProcess*>(context);
  // Re-read on every check, as memcached does.
  std::ifstream in(p->pwdb, std::ios::binary);
  if (!in) {
    if (p->verbose >= 1) {
      LOG(WARNING) << "SASL: cannot open password file " << p->pwdb;
    }
    return SASL_NOAUTHZ;
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (PasswordFileAccepts(contents.str(), user,
                          std::string_view(pass, passlen))) {
    return SASL_OK;
  }
  MEMCD_VLOG(1) << "SASL: user " << user << " failed to authenticate";
  return SASL_NOAUTHZ;
}

// Cyrus stores every callback as int (*)(void) and casts it back by its id;
// the detour through void (*)() says the cast is meant.
using SaslProc = int (*)(void);
template <typename F>
SaslProc AsProc(F* f) {
  return reinterpret_cast<SaslProc>(reinterpret_cast<void (*)()>(f));
}

// $SASL_CONF_PATH, else the first of memcached's directories that holds
// memcached.conf; empty when there is none.
std::string FindConfDir() {
  if (const char* env = getenv("SASL_CONF_PATH")) return env;
  for (const char* dir : {"/etc/sasl", "/etc/sasl2"}) {
    const std::string file = std::string(dir) + "/memcached.conf";
    if (access(file.c_str(), F_OK) == 0) return dir;
  }
  return "";
}

void Initialize(SaslProcess* p, int verbose) {
  p->verbose = verbose;
  p->conf_dir = FindConfDir();
  if (p->conf_dir.empty()) {
    p->error =
        "Error initializing sasl: no configuration (set SASL_CONF_PATH to a "
        "directory holding memcached.conf, or create "
        "/etc/sasl2/memcached.conf)";
    return;
  }
  if (const char* pwdb = getenv("MEMCACHED_SASL_PWDB")) {
    p->has_pwdb = true;
    p->pwdb = pwdb;
  }
  char host[1025] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) p->hostname = host;
  int n = 0;
  if (p->has_pwdb) {
    p->callbacks[n++] = {SASL_CB_SERVER_USERDB_CHECKPASS,
                         AsProc(&CheckPassCallback), p};
  }
  p->callbacks[n++] = {SASL_CB_LOG, AsProc(&LogCallback), p};
  p->callbacks[n++] = {SASL_CB_GETCONFPATH, AsProc(&ConfPathCallback), p};
  p->callbacks[n] = {SASL_CB_LIST_END, nullptr, nullptr};
  const int r = sasl_server_init(p->callbacks, "memcached");
  if (r != SASL_OK) {
    p->error = std::string("Error initializing sasl: ") +
               sasl_errstring(r, nullptr, nullptr);
    return;
  }
  MEMCD_VLOG(1) << "SASL initialized; configuration from " << p->conf_dir
          << (p->has_pwdb ? ", password file " + p->pwdb : std::string());
  p->ok = true;
}

SaslSession::Result ResultOf(int r) {
  if (r == SASL_OK) return SaslSession::Result::kOk;
  if (r == SASL_CONTINUE) return SaslSession::Result::kContinue;
  return SaslSession::Result::kFailed;
}

}  // namespace

bool SaslCompiledIn() { return true; }

bool InitSasl(int verbose, std::string* error) {
  static std::once_flag once;
  SaslProcess& p = Process();
  std::call_once(once, [&p, verbose] { Initialize(&p, verbose); });
  if (!p.ok) *error = p.error;
  return p.ok;
}

SaslSession::~SaslSession() {
  if (conn_ != nullptr) sasl_dispose(&conn_);
}

bool SaslSession::EnsureConnection() {
  if (conn_ != nullptr) return true;
  const SaslProcess& p = Process();
  const char* realm = p.hostname.empty() ? nullptr : p.hostname.c_str();
  if (sasl_server_new("memcached", nullptr, realm, nullptr, nullptr, nullptr,
                      0, &conn_) != SASL_OK) {
    MEMCD_VLOG(1) << "SASL: cannot create a connection";
    conn_ = nullptr;
    return false;
  }
  return true;
}

bool SaslSession::ListMechanisms(std::string* out) {
  if (!EnsureConnection()) return false;
  const char* list = nullptr;
  unsigned length = 0;
  if (sasl_listmech(conn_, nullptr, "", " ", "", &list, &length, nullptr) !=
      SASL_OK) {
    return false;
  }
  out->assign(list, length);
  return true;
}

SaslSession::Result SaslSession::Start(const std::string& mechanism,
                                       std::string_view data,
                                       std::string* out) {
  out->clear();
  if (!EnsureConnection()) return Result::kFailed;
  const char* reply = nullptr;
  unsigned length = 0;
  const int r = sasl_server_start(
      conn_, mechanism.c_str(), data.empty() ? nullptr : data.data(),
      static_cast<unsigned>(data.size()), &reply, &length);
  started_ = r == SASL_OK || r == SASL_CONTINUE;
  if (reply != nullptr) out->assign(reply, length);
  return ResultOf(r);
}

SaslSession::Result SaslSession::Step(std::string_view data,
                                      std::string* out) {
  out->clear();
  if (!started_ || !EnsureConnection()) return Result::kFailed;
  const char* reply = nullptr;
  unsigned length = 0;
  const int r = sasl_server_step(conn_, data.empty() ? nullptr : data.data(),
                                 static_cast<unsigned>(data.size()), &reply,
                                 &length);
  if (reply != nullptr) out->assign(reply, length);
  return ResultOf(r);
}

#else  // !ENABLE_SASL

bool SaslCompiledIn() { return false; }

bool InitSasl(int /*verbose*/, std::string* error) {
  *error = "this memcd was built without SASL support";
  return false;
}

SaslSession::~SaslSession() = default;
bool SaslSession::EnsureConnection() { return false; }
bool SaslSession::ListMechanisms(std::string* /*out*/) { return false; }
SaslSession::Result SaslSession::Start(const std::string& /*mechanism*/,
                                       std::string_view /*data*/,
                                       std::string* out) {
  out->clear();
  return Result::kFailed;
}
SaslSession::Result SaslSession::Step(std::string_view /*data*/,
                                      std::string* out) {
  out->clear();
  return Result::kFailed;
}

#endif  // ENABLE_SASL

}  // namespace memcd
