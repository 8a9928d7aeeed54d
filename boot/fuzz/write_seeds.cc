// Writes the fuzz entry's seed inputs into a directory, to start libFuzzer from valid blobs:
//   bazel run //boot:boot_info_fuzz_seeds -- /tmp/boot_corpus
//   bazel-bin/boot/boot_info_fuzzer /tmp/boot_corpus
#include <cstdio>
#include <string>

#include "boot/fuzz/fuzz_entry.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <existing output directory>\n", argv[0]);
    return 2;
  }
  const auto seeds = boot::fuzz::boot_info_seed_inputs();
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    const std::string path = std::string(argv[1]) + "/seed_" + std::to_string(i);
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr || std::fwrite(seeds[i].data(), 1, seeds[i].size(), file) != seeds[i].size()) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
    std::fclose(file);
  }
  std::printf("wrote %zu seeds to %s\n", seeds.size(), argv[1]);
  return 0;
}
