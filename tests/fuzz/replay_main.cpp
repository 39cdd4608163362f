// Runs a libFuzzer target without libFuzzer: every file of the given corpus folders, then a
// fixed number of deterministic mutations of them (bit flips, truncations, splices, repeats).
// It makes every fuzz target part of the ordinary test suite, under any compiler and sanitizer.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using input = std::vector<std::uint8_t>;

std::vector<input> read_corpus(int argc, char** argv) {
  std::vector<input> corpus;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path root(argv[i]);
    if (!std::filesystem::exists(root)) {
      continue;
    }
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(root)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.is_regular_file()) {
          files.push_back(entry.path());
        }
      }
    } else {
      files.push_back(root);
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::ifstream stream(file, std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
    }
  }
  if (corpus.empty()) {
    corpus.emplace_back();
  }
  return corpus;
}

input mutate(const std::vector<input>& corpus, std::mt19937& random) {
  input out = corpus[random() % corpus.size()];
  int steps = 1 + static_cast<int>(random() % 4);
  for (int step = 0; step < steps; ++step) {
    switch (random() % 5) {
      case 0:
        if (!out.empty()) {
          out[random() % out.size()] ^= static_cast<std::uint8_t>(1u << (random() % 8));
        }
        break;
      case 1:
        if (!out.empty()) {
          out.resize(random() % out.size());
        }
        break;
      case 2: {
        const input& other = corpus[random() % corpus.size()];
        std::size_t at = out.empty() ? 0 : random() % out.size();
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), other.begin(), other.end());
        break;
      }
      case 3:
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(out.empty() ? 0 : random() % out.size()),
                   static_cast<std::uint8_t>(random()));
        break;
      default:
        if (!out.empty()) {
          out[random() % out.size()] = static_cast<std::uint8_t>(random());
        }
        break;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<input> corpus = read_corpus(argc, argv);
  for (const input& sample : corpus) {
    LLVMFuzzerTestOneInput(sample.data(), sample.size());
  }
  constexpr int mutations = 20000;
  std::mt19937 random(20261122);
  for (int i = 0; i < mutations; ++i) {
    input sample = mutate(corpus, random);
    LLVMFuzzerTestOneInput(sample.data(), sample.size());
  }
  std::printf("replayed %zu corpus inputs and %d mutations\n", corpus.size(), mutations);
  return 0;
}
