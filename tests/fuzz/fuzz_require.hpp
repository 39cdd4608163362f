#pragma once
// The fuzz targets' invariant check: a violated property stops the run as a crash, which
// libFuzzer (and the ctest replay) reports with the input that caused it.

namespace polyport::fuzzing {

inline void require(bool holds) {
  if (!holds) {
    __builtin_trap();
  }
}

}  // namespace polyport::fuzzing
