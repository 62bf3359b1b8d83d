#include "server/daemon.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace memcd {
namespace {

// The pipe carries one status byte (0 = serving, else the exit code), then
// for a failure the message, then EOF.
bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Parent: waits for the child's word and exits accordingly.
[[noreturn]] void AwaitChild(pid_t child, int fd) {
  std::string got;
  char buf[512];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  if (!got.empty() && got[0] == 0) _exit(0);
  if (!got.empty()) {
    std::fprintf(stderr, "memcd: %s\n", got.c_str() + 1);
    _exit(static_cast<unsigned char>(got[0]));
  }
  // EOF without a word: the child died during start-up.
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    std::fprintf(stderr, "memcd: the daemon died during start-up (signal %d)\n",
                 WTERMSIG(status));
    _exit(128 + WTERMSIG(status));
  }
  std::fprintf(stderr, "memcd: the daemon exited during start-up\n");
  _exit(WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : 1);
}

std::string ErrnoText(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace

Daemon::~Daemon() {
  if (notify_fd_ >= 0) close(notify_fd_);
}

bool Daemon::Daemonize(bool keep_cwd, bool keep_stdio, std::string* error) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *error = ErrnoText("pipe");
    return false;
  }
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t pid = fork();
  if (pid < 0) {
    *error = ErrnoText("fork");
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid > 0) {
    close(fds[1]);
    AwaitChild(pid, fds[0]);
  }
  close(fds[0]);
  notify_fd_ = fds[1];
  daemonized_ = true;
  // Failures from here on reach the parent through the pipe.
  if (setsid() < 0) {
    NotifyFailure(71, ErrnoText("setsid"));  // EX_OSERR
    _exit(71);
  }
  if (!keep_cwd && chdir("/") != 0) {
    NotifyFailure(71, ErrnoText("chdir /"));
    _exit(71);
  }
  if (!keep_stdio) {
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0) {
      NotifyFailure(71, ErrnoText("open /dev/null"));
      _exit(71);
    }
    for (int target = 0; target <= 2; ++target) dup2(null_fd, target);
    if (null_fd > 2) close(null_fd);
  }
  return true;
}

void Daemon::NotifyReady() {
  if (notify_fd_ < 0) return;
  const char ok = 0;
  WriteAll(notify_fd_, &ok, 1);
  close(notify_fd_);
  notify_fd_ = -1;
}

void Daemon::NotifyFailure(int exit_code, const std::string& message) {
  if (notify_fd_ < 0) return;
  std::string word(1, static_cast<char>(exit_code > 0 && exit_code < 256 ? exit_code : 1));
  word += message;
  WriteAll(notify_fd_, word.data(), word.size());
  close(notify_fd_);
  notify_fd_ = -1;
}

bool WritePidFile(const std::string& path, std::string* error) {
  const std::string text = std::to_string(getpid()) + "\n";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = ErrnoText("Could not open the pid file " + path + " for writing");
    return false;
  }
  const bool written = WriteAll(fd, text.data(), text.size());
  if (close(fd) != 0 || !written) {
    *error = ErrnoText("Could not write the pid file " + path);
    return false;
  }
  return true;
}

void RemovePidFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return;
  long pid = 0;
  const bool ours = std::fscanf(f, "%ld", &pid) == 1 && pid == static_cast<long>(getpid());
  std::fclose(f);
  if (ours && unlink(path.c_str()) != 0) {
    std::fprintf(stderr, "memcd: could not remove the pid file %s: %s\n", path.c_str(),
                 std::strerror(errno));
  }
}

bool RaiseCoreLimit(std::string* error) {
  rlimit limit{RLIM_INFINITY, RLIM_INFINITY};
  if (setrlimit(RLIMIT_CORE, &limit) != 0) {
    // Not allowed above the hard limit: take the hard limit.
    rlimit current{};
    if (getrlimit(RLIMIT_CORE, &current) == 0) {
      limit.rlim_cur = current.rlim_max;
      limit.rlim_max = current.rlim_max;
      setrlimit(RLIMIT_CORE, &limit);
    }
  }
  rlimit after{};
  if (getrlimit(RLIMIT_CORE, &after) != 0 || after.rlim_cur == 0) {
    *error = "failed to ensure corefile creation";
    return false;
  }
  return true;
}

bool LockAllMemory(std::string* warning) {
  if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0) return true;
  *warning = std::string("warning: -k invalid, mlockall() failed: ") + std::strerror(errno);
  return false;
}

}  // namespace memcd
