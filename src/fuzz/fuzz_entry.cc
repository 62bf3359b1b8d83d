// The libFuzzer entry point, compiled once per target with FUZZ_ENTRY set
// to that target's function (src/fuzz/local.am).
#include <signal.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_targets.h"
#include "glog/logging.h"

#ifndef FUZZ_ENTRY
#error "FUZZ_ENTRY must name a function of fuzz/fuzz_targets.h"
#endif

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 2;  // errors only: a fuzzer's output is its stats
  google::InitGoogleLogging("memcd-fuzz");
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FUZZ_ENTRY(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
