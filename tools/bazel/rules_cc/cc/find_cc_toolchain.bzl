"""Re-exports Bazel's built-in find_cc_toolchain."""
load("@bazel_tools//tools/cpp:toolchain_utils.bzl", _find_cpp_toolchain = "find_cpp_toolchain")
find_cc_toolchain = _find_cpp_toolchain
