// Shared by the command-line tests: run ParseCommandLine on an argv and
// capture what it printed.
#ifndef MEMCD_SERVER_COMMAND_LINE_TEST_UTIL_H_
#define MEMCD_SERVER_COMMAND_LINE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "server/command_line.h"
#include "server/options.h"

namespace memcd {
namespace command_line_test {

struct Outcome {
  CommandLineResult result;
  ServerOptions options;
  std::string out;  // captured stdout
  std::string err;  // captured stderr
};

// A command line ParseCommandLine refuses, and its exact stderr.
struct UsageCase {
  std::vector<std::string> args;
  std::string err;
};

// Runs ParseCommandLine on "memcd" followed by `args`. Callers hold a
// gflags::FlagSaver so that no flag value leaks into the next case.
inline Outcome ParseArgs(const std::vector<std::string>& args) {
  std::vector<std::string> storage = {"memcd"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  Outcome outcome;
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  outcome.result = ParseCommandLine(static_cast<int>(storage.size()),
                                    argv.data(), &outcome.options);
  outcome.out = testing::internal::GetCapturedStdout();
  outcome.err = testing::internal::GetCapturedStderr();
  return outcome;
}

inline std::string Join(const std::vector<std::string>& args) {
  std::string joined;
  for (const std::string& a : args) joined += (joined.empty() ? "" : " ") + a;
  return joined;
}

inline std::vector<std::string> Split(const std::string& words) {
  std::vector<std::string> out;
  for (size_t start = 0; start < words.size();) {
    size_t space = std::min(words.find(' ', start), words.size());
    out.push_back(words.substr(start, space - start));
    start = space + 1;
  }
  return out;
}

inline void ExpectSameOptions(const ServerOptions& want, const ServerOptions& got) {
  EXPECT_EQ(want.port, got.port);
  EXPECT_EQ(want.udp_port, got.udp_port);
  EXPECT_EQ(want.listen, got.listen);
  EXPECT_EQ(want.unix_socket, got.unix_socket);
  EXPECT_EQ(want.backlog, got.backlog);
  EXPECT_EQ(want.threads, got.threads);
  EXPECT_EQ(want.max_conns, got.max_conns);
  EXPECT_EQ(want.reqs_per_event, got.reqs_per_event);
  EXPECT_EQ(want.user, got.user);
  EXPECT_EQ(want.verbose, got.verbose);
  EXPECT_EQ(want.debug_time, got.debug_time);
  EXPECT_EQ(want.store.memory_limit, got.store.memory_limit);
  EXPECT_EQ(want.store.item_size_max, got.store.item_size_max);
  EXPECT_EQ(want.store.slab_page_size, got.store.slab_page_size);
  EXPECT_EQ(want.store.chunk_size_min, got.store.chunk_size_min);
  EXPECT_DOUBLE_EQ(want.store.growth_factor, got.store.growth_factor);
  EXPECT_EQ(want.store.use_cas, got.store.use_cas);
  EXPECT_EQ(want.store.hashpower, got.store.hashpower);
  EXPECT_EQ(want.store.hash_expand, got.store.hash_expand);
  EXPECT_EQ(want.store.evict, got.store.evict);
}

}  // namespace command_line_test
}  // namespace memcd

#endif  // MEMCD_SERVER_COMMAND_LINE_TEST_UTIL_H_
