#include <arpa/inet.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "net/dispatcher.h"
#include "net/listener.h"
#include "net/read_buffer.h"
#include "net/worker.h"

namespace memcd {
namespace {

TEST(ReadBufferTest, KeepsUnconsumedBytesContiguous) {
  BufferPool pool(16, 4);
  ReadBuffer b(&pool);
  size_t space;
  char* p = b.PrepareWrite(9, &space);
  ASSERT_EQ(space, 16u);
  memcpy(p, "get a\r\nge", 9);
  b.Commit(9);
  EXPECT_EQ(b.data(), "get a\r\nge");
  b.Consume(7);
  EXPECT_EQ(b.data(), "ge");
  p = b.PrepareWrite(12, &space);  // moves "ge" to the front; no growth
  ASSERT_GE(space, 12u);
  EXPECT_EQ(b.capacity(), 16u);
  memcpy(p, "t b\r\n", 5);
  b.Commit(5);
  EXPECT_EQ(b.data(), "get b\r\n");
  b.Consume(7);
  EXPECT_TRUE(b.empty());
  b.ReleaseIfEmpty();
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_EQ(pool.cached(), 1u);  // back in the pool for the next reader
}

TEST(ReadBufferTest, GrowsPastThePoolSizeForALongLineAndKeepsItsBytes) {
  BufferPool pool(16, 4);
  ReadBuffer b(&pool);
  size_t space;
  char* p = b.PrepareWrite(10, &space);
  memcpy(p, "0123456789", 10);
  b.Commit(10);
  b.Consume(2);
  p = b.PrepareWrite(100, &space);
  ASSERT_GE(space, 100u);
  EXPECT_EQ(b.data(), "23456789");
  EXPECT_EQ(pool.cached(), 1u);  // the pooled buffer went back
  b.Consume(8);
  b.ReleaseIfEmpty();
  EXPECT_EQ(pool.cached(), 1u);  // the big one is freed, not pooled
  EXPECT_EQ(b.capacity(), 0u);
}

TEST(BufferPoolTest, RecyclesUpToItsBound) {
  BufferPool pool(8, 1);
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  char* a_ptr = a.get();
  pool.Release(std::move(a));
  pool.Release(std::move(b));  // over the bound: freed
  EXPECT_EQ(pool.cached(), 1u);
  EXPECT_EQ(pool.Acquire().get(), a_ptr);
}

TEST(ListenAddressTest, ParsesMemcachedForms) {
  struct Case {
    const char* spec;
    const char* host;
    int port;
  } cases[] = {
      {"127.0.0.1", "127.0.0.1", 11211},
      {"127.0.0.1:5000", "127.0.0.1", 5000},
      {"[::1]:5001", "::1", 5001},
      {"[::1]", "::1", 11211},
      {"::1", "::1", 11211},
      {"localhost", "localhost", 11211},
      {"*", "", 11211},  // memcached's "any address"
      {"*:5002", "", 5002},
  };
  for (const Case& c : cases) {
    ListenAddress a;
    std::string error;
    ASSERT_TRUE(ParseListenAddress(c.spec, 11211, &a, &error)) << c.spec;
    EXPECT_EQ(a.host, c.host) << c.spec;
    EXPECT_EQ(a.port, c.port) << c.spec;
  }
  ListenAddress a;
  std::string error;
  EXPECT_FALSE(ParseListenAddress("[::1", 1, &a, &error));
  EXPECT_FALSE(ParseListenAddress("host:99999", 1, &a, &error));
  EXPECT_FALSE(ParseListenAddress("host:abc", 1, &a, &error));
}

// Accepts on the main thread, dispatches round-robin to two workers, and
// checks each worker sees its share on its own thread.
TEST(DispatchTest, RoundRobinToWorkersAndLimit) {
  std::atomic<int> seen[2] = {{0}, {0}};
  std::atomic<int> closed{0};
  Dispatcher* dispatcher_ptr = nullptr;
  auto on_conn = [&](Worker* w, int fd) {
    seen[w->id()]++;
    close(fd);
    closed++;
  };
  Worker w0(0, on_conn), w1(1, on_conn);
  std::string error;
  ASSERT_TRUE(w0.Init(&error)) << error;
  ASSERT_TRUE(w1.Init(&error)) << error;
  w0.Start();
  w1.Start();
  Dispatcher dispatcher({&w0, &w1}, 1000, "ERROR Too many open connections\r\n");
  dispatcher_ptr = &dispatcher;

  event_base* base = event_base_new();
  Listener listener(base, [&](int fd) { dispatcher_ptr->Dispatch(fd); });
  ASSERT_TRUE(listener.Open({{"127.0.0.1", 0}}, 16, &error)) << error;
  ASSERT_EQ(listener.BoundPorts().size(), 1u);
  int port = listener.BoundPorts()[0];

  std::thread client([port] {
    for (int i = 0; i < 4; i++) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(port);
      sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
      close(fd);
    }
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (dispatcher.total_conns() < 4 && std::chrono::steady_clock::now() < deadline) {
    event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  client.join();
  while (closed.load() < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  w0.Stop();
  w1.Stop();
  EXPECT_EQ(seen[0].load(), 2);
  EXPECT_EQ(seen[1].load(), 2);
  EXPECT_EQ(dispatcher.total_conns(), 4u);
  listener.Close();
  event_base_free(base);
}

TEST(DispatchTest, OverLimitConnectionsGetTheRejectLine) {
  Worker w0(0, [](Worker*, int) {});  // keeps fds open: never closes them
  std::string error;
  ASSERT_TRUE(w0.Init(&error));
  Dispatcher dispatcher({&w0}, 1, "ERROR Too many open connections\r\n");
  int a[2], b[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
  dispatcher.Dispatch(a[0]);  // accepted (queued; worker not started)
  dispatcher.Dispatch(b[0]);  // over the limit
  char buf[64] = {};
  ssize_t n = read(b[1], buf, sizeof(buf));
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "ERROR Too many open connections\r\n");
  EXPECT_EQ(read(b[1], buf, sizeof(buf)), 0);  // closed
  EXPECT_EQ(dispatcher.rejected_conns(), 1u);
  EXPECT_EQ(dispatcher.curr_conns(), 1u);
  dispatcher.OnConnectionClosed();
  EXPECT_EQ(dispatcher.curr_conns(), 0u);
  close(a[1]);
  close(b[1]);
}

// Connects a client to the unix socket at `path`; -1 on failure.
int ConnectUnix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

class UnixListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = event_base_new();
    path_ = "/tmp/memcd-net-test-" + std::to_string(getpid()) + ".sock";
    unlink(path_.c_str());
  }
  void TearDown() override {
    unlink(path_.c_str());
    event_base_free(base_);
  }
  // Runs the loop until an accepted fd arrives (bounded).
  int AcceptOne() {
    for (int i = 0; i < 5000 && accepted_ < 0; i++) {
      event_base_loop(base_, EVLOOP_ONCE | EVLOOP_NONBLOCK);
      usleep(1000);
    }
    return accepted_;
  }

  event_base* base_ = nullptr;
  std::string path_;
  int accepted_ = -1;
};

TEST_F(UnixListenerTest, ServesWithTheMaskReplacesAStaleSocketAndRemovesItsFile) {
  // A stale socket file from an earlier run: bound, then abandoned.
  int stale = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_.c_str());
  ASSERT_EQ(bind(stale, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  close(stale);

  struct Case {
    int mask;
    mode_t mode;
  } cases[] = {{0770, 0770}, {0700, 0700}, {0666, 0666}, {0, 0}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.mask);
    accepted_ = -1;
    Listener listener(base_, [this](int fd) { accepted_ = fd; });
    std::string error;
    ASSERT_TRUE(listener.Open({}, 16, &error)) << error;
    ASSERT_TRUE(listener.OpenUnix(path_, c.mask, 16, &error)) << error;
    EXPECT_TRUE(listener.BoundPorts().empty());
    struct stat st;
    ASSERT_EQ(lstat(path_.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, c.mode);
    if (c.mode & 0200) {  // connecting needs write permission
      int client = ConnectUnix(path_);
      ASSERT_GE(client, 0);
      int fd = AcceptOne();
      ASSERT_GE(fd, 0);
      ASSERT_EQ(write(client, "x", 1), 1);
      char b = 0;
      for (int i = 0; i < 1000 && read(fd, &b, 1) != 1; i++) usleep(1000);
      EXPECT_EQ(b, 'x');
      close(fd);
      close(client);
    }
    listener.Close();
    EXPECT_NE(lstat(path_.c_str(), &st), 0) << "socket file left behind";
  }
}

TEST_F(UnixListenerTest, LeavesOtherFilesAlone) {
  FILE* f = fopen(path_.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  Listener listener(base_, [](int fd) { close(fd); });
  std::string error;
  EXPECT_FALSE(listener.OpenUnix(path_, 0700, 16, &error));
  EXPECT_EQ(error, "failed to listen on UNIX socket " + path_ + ": Address already in use");
  listener.Close();
  struct stat st;
  ASSERT_EQ(lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));

  // A file that replaced our socket while we served is not ours to remove.
  unlink(path_.c_str());
  ASSERT_TRUE(listener.OpenUnix(path_, 0700, 16, &error)) << error;
  unlink(path_.c_str());
  f = fopen(path_.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  listener.Close();
  EXPECT_EQ(lstat(path_.c_str(), &st), 0);

  EXPECT_FALSE(listener.OpenUnix(std::string(200, 'p'), 0700, 16, &error));
  EXPECT_EQ(error, "failed to listen on UNIX socket " + std::string(200, 'p') +
                       ": path empty or too long");
}

}  // namespace
}  // namespace memcd
