#include "tests/fuzz/corpus_replay.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

// Optional in a fuzzer; weak so that fuzzers without it still link.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace tests::fuzz {

std::filesystem::path corpus_dir(std::string_view target) {
  const std::filesystem::path relative = std::filesystem::path("tests/fuzz/corpus") / target;
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir != nullptr && workspace != nullptr) {
    return std::filesystem::path(srcdir) / workspace / relative;
  }
  if (const char* root = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    return std::filesystem::path(root) / relative;
  }
  return relative;
}

std::vector<std::filesystem::path> corpus_files(std::string_view target) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(corpus_dir(target), error)) {
    // Runfiles are symlinks to the source tree: follow them.
    if (std::filesystem::is_regular_file(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t replay_corpus(std::string_view target) {
  if (LLVMFuzzerInitialize != nullptr) {
    int argc = 1;
    char name[] = "corpus_replay";
    char* args[] = {name, nullptr};
    char** argv = args;
    LLVMFuzzerInitialize(&argc, &argv);
  }
  const auto files = corpus_files(target);
  for (const auto& file : files) {
    const auto bytes = read_file(file);
    std::fprintf(stderr, "replaying %s (%zu bytes)\n", file.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  return files.size();
}

}  // namespace tests::fuzz
