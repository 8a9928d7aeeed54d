// Replays the fuzz corpus kept in the tree (tests/fuzz/corpus/<target>/) through a fuzz
// target's entry function, so a plain `bazel test` (ASan + UBSan, no libFuzzer) runs every
// checked-in input. The *_fuzz_corpus_test targets link the fuzzer's own source file, so the
// replay interprets the bytes exactly as the fuzzer does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

// The fuzzer's entry, from the <target>.cc linked into the test.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace tests::fuzz {

// tests/fuzz/corpus/<target>/ in the test's runfiles (or, outside `bazel test`, under
// $BUILD_WORKSPACE_DIRECTORY or the working directory).
std::filesystem::path corpus_dir(std::string_view target);

// The regular files of corpus_dir(target), sorted by name; empty if there is none.
std::vector<std::filesystem::path> corpus_files(std::string_view target);

std::vector<std::uint8_t> read_file(const std::filesystem::path& path);

// Runs every corpus file through LLVMFuzzerTestOneInput (after LLVMFuzzerInitialize, if the
// fuzzer defines one). Names each file on stderr before running it, so a crash's log says
// which input it was. Returns the number of files run.
std::size_t replay_corpus(std::string_view target);

}  // namespace tests::fuzz
