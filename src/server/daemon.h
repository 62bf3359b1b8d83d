// Running as a service: -d (daemonize), -P (pid file), -r (core limit) and
// -k (mlockall), as memcached does them, plus one difference: the parent of
// -d waits until the child is serving (or has failed) and exits with the
// child's status, so an init script sees a failed start.
#ifndef MEMCD_SERVER_DAEMON_H_
#define MEMCD_SERVER_DAEMON_H_

#include <string>

namespace memcd {

// The two halves of -d. Daemonize() forks: the parent blocks in it until the
// child calls NotifyReady() or NotifyFailure() (or dies), then _exit()s with
// 0 or the child's status; only the child returns.
class Daemon {
 public:
  Daemon() = default;
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Forks, starts a new session (setsid), changes to "/" unless `keep_cwd`
  // (memcached keeps it with -r, so cores land there), and points stdin,
  // stdout and stderr at /dev/null unless `keep_stdio` (memcached's -v).
  // Returns in the child only; false (with *error, still in the parent,
  // nothing forked) when fork or pipe fail.
  bool Daemonize(bool keep_cwd, bool keep_stdio, std::string* error);
  // Child: the server is serving; the parent exits 0. Idempotent.
  void NotifyReady();
  // Child: start-up failed with `message`; the parent prints
  // "memcd: <message>" on its stderr and exits `exit_code` (non-zero).
  void NotifyFailure(int exit_code, const std::string& message);

  bool daemonized() const { return daemonized_; }

 private:
  int notify_fd_ = -1;  // child: write end of the pipe to the waiting parent
  bool daemonized_ = false;
};

// Writes "<pid>\n" to `path` (memcached's format), replacing the file.
bool WritePidFile(const std::string& path, std::string* error);
// Removes `path` if it still holds our pid (a newer instance may own it).
void RemovePidFile(const std::string& path);

// -r: raises RLIMIT_CORE to infinity, or to its hard limit when that is
// refused; false (with memcached's message) when the soft limit ends up 0.
bool RaiseCoreLimit(std::string* error);
// -k: mlockall(MCL_CURRENT | MCL_FUTURE); false with memcached's warning
// text when the kernel refuses (the server then runs unlocked, as memcached).
bool LockAllMemory(std::string* warning);

}  // namespace memcd

#endif  // MEMCD_SERVER_DAEMON_H_
