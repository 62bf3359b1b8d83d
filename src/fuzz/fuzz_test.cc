// Replays every input of the fuzz corpora (seeds, and the regression inputs
// of bugs the fuzzers found) through the fuzz targets' checks, in every
// build: a plain `make check` thus runs the properties the fuzzers check on
// meaningful inputs, and a past crash that comes back fails here too.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.h"
#include "gtest/gtest.h"

namespace memcd {
namespace {

// The corpus files of `target`, sorted; MEMCD_FUZZ_CORPUS is set by
// src/fuzz/local.am.
std::vector<std::filesystem::path> CorpusFiles(const std::string& target) {
  std::vector<std::filesystem::path> files;
  const std::filesystem::path dir = std::filesystem::path(MEMCD_FUZZ_CORPUS) / target;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Target {
  const char* name;
  void (*run)(std::string_view);
};

class FuzzCorpusTest : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzCorpusTest, EveryInputKeepsItsProperties) {
  const std::vector<std::filesystem::path> files = CorpusFiles(GetParam().name);
  // The seeds are a few dozen per target: fewer means a lost corpus.
  ASSERT_GE(files.size(), 20u) << MEMCD_FUZZ_CORPUS << "/" << GetParam().name;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const std::string input = ReadFile(file);
    ASSERT_FALSE(input.empty()) << file;
    GetParam().run(input);  // a violated property aborts, naming it
    // Every cut of the input is an input too: a stream that ends early.
    GetParam().run(std::string_view(input).substr(0, input.size() / 2));
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzCorpusTest,
                         ::testing::Values(Target{"text", &FuzzText}, Target{"meta", &FuzzMeta},
                                           Target{"binary", &FuzzBinary},
                                           Target{"session", &FuzzSession}),
                         [](const ::testing::TestParamInfo<Target>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace memcd
