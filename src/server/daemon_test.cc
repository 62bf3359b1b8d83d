#include "server/daemon.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace memcd {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/memcd-daemon-test-" +
         std::to_string(getpid()) + "-" + name;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(PidFileTest, WritesPidAndNewline) {
  const std::string path = TempPath("pid");
  std::string error;
  ASSERT_TRUE(WritePidFile(path, &error)) << error;
  EXPECT_EQ(std::to_string(getpid()) + "\n", Slurp(path));
  // Rewriting replaces, never appends.
  ASSERT_TRUE(WritePidFile(path, &error)) << error;
  EXPECT_EQ(std::to_string(getpid()) + "\n", Slurp(path));
  RemovePidFile(path);
  EXPECT_NE(0, access(path.c_str(), F_OK));
}

TEST(PidFileTest, LeavesAnotherProcesssFile) {
  const std::string path = TempPath("other");
  { std::ofstream(path) << "1\n"; }
  RemovePidFile(path);
  EXPECT_EQ("1\n", Slurp(path));
  unlink(path.c_str());
  RemovePidFile(path);  // missing: nothing to do
}

TEST(PidFileTest, UnwritablePathFailsWithTheReason) {
  std::string error;
  EXPECT_FALSE(WritePidFile("/nonexistent-dir/memcd.pid", &error));
  EXPECT_EQ(
      "Could not open the pid file /nonexistent-dir/memcd.pid for writing: "
      "No such file or directory",
      error);
}

TEST(CoreLimitTest, RaisesTheSoftLimitToTheHardOne) {
  rlimit before{};
  ASSERT_EQ(0, getrlimit(RLIMIT_CORE, &before));
  if (before.rlim_max == 0) GTEST_SKIP() << "hard core limit is 0 here";
  rlimit lowered{0, before.rlim_max};
  ASSERT_EQ(0, setrlimit(RLIMIT_CORE, &lowered));
  std::string error;
  EXPECT_TRUE(RaiseCoreLimit(&error)) << error;
  rlimit after{};
  ASSERT_EQ(0, getrlimit(RLIMIT_CORE, &after));
  EXPECT_EQ(before.rlim_max, after.rlim_cur);
  setrlimit(RLIMIT_CORE, &before);
}

// Runs `body` in a child that daemonizes; returns the child's (the waiting
// parent's) exit status and what it printed on stderr.
struct Outcome {
  int status = -1;
  std::string err;
};

template <typename Body>
Outcome RunDaemonized(Body body) {
  const std::string err_path = TempPath("stderr");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    int fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    Daemon daemon;
    std::string error;
    if (!daemon.Daemonize(false, false, &error)) _exit(99);
    // Only the daemon gets here.
    body(&daemon);
    _exit(0);
  }
  Outcome out;
  int status = 0;
  waitpid(pid, &status, 0);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
  out.err = Slurp(err_path);
  unlink(err_path.c_str());
  return out;
}

TEST(DaemonTest, ParentExitsZeroOnceReady) {
  const std::string marker = TempPath("ready");
  Outcome o = RunDaemonized([&marker](Daemon* d) {
    // The daemon runs in "/" in a new session, before saying it is ready.
    char cwd[64] = "";
    const bool in_root = getcwd(cwd, sizeof(cwd)) != nullptr && std::string(cwd) == "/";
    const bool leader = getsid(0) == getpid();
    std::ofstream(marker) << in_root << leader;
    d->NotifyReady();
  });
  EXPECT_EQ(0, o.status);
  EXPECT_EQ("", o.err);
  // The marker was written before the parent was released.
  EXPECT_EQ("11", Slurp(marker));
  unlink(marker.c_str());
}

TEST(DaemonTest, ParentReportsTheFailure) {
  Outcome o = RunDaemonized([](Daemon* d) { d->NotifyFailure(71, "failed to listen on TCP port 1"); });
  EXPECT_EQ(71, o.status);
  EXPECT_EQ("memcd: failed to listen on TCP port 1\n", o.err);
}

TEST(DaemonTest, ParentNoticesADaemonThatDiesSilently) {
  Outcome o = RunDaemonized([](Daemon*) { _exit(5); });
  EXPECT_EQ(5, o.status);
  EXPECT_EQ("memcd: the daemon exited during start-up\n", o.err);
}

}  // namespace
}  // namespace memcd
