"""keel's build macros: one place for the flags that split kernel and host builds.

- keel_library: portable code (mm/, parsers). Builds for the kernel (kernel toolchain flags)
  and for the host (with ASan+UBSan), from the same sources.
- keel_kernel_library: kernel-only; a host build skips it.
- keel_host_library: a keel_library that only host programs link (test worlds and fixtures,
  host tools); a kernel build skips it.
- keel_host_test / keel_host_binary / keel_fuzzer: host-only; a kernel build skips them.
- keel_smp_test: a host test of threads as CPUs, also run under ThreadSanitizer.
- keel_shared_test: one gtest-shaped test source (lib/test/test.h), a host gtest and a
  kernel library of ktests.
"""

_WARNINGS = ["-Wall", "-Wextra", "-Werror", "-Wthread-safety", "-Wno-unused-parameter"]

# Sanitized host builds are the test builds: they check mm's lock order too
# (mm/lock_order/lock_order.h). Benchmarks build without either.
_CHECKS = ["-DKEEL_LOCK_ORDER_CHECKS=1"]

_ASAN = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"] + _CHECKS

# --config=tsan (.bazelrc): ThreadSanitizer instead, for the threads-as-CPUs tests.
_TSAN = ["-fsanitize=thread", "-fno-omit-frame-pointer"] + _CHECKS

SANITIZE = select({
    "//tools/platforms:tsan": _TSAN,
    "//conditions:default": _ASAN,
})

# Bazel links with the C driver; ask for the sanitizers' C++ runtime (UBSan's vptr checks,
# TSan's operator new) explicitly.
SANITIZE_LINK = SANITIZE + ["-fsanitize-link-c++-runtime"]

_HOST_BASE_COPTS = ["-std=c++23", "-g"] + _WARNINGS

_HOST_COPTS = _HOST_BASE_COPTS + SANITIZE

_KERNEL_ONLY = ["//tools/platforms:bare_metal"]

# House rule for everything that runs in the kernel (keel_library in both builds, kernel
# libraries): no global constructors or exit-time destructors (constinit and explicit init
# order instead; the linker script also refuses an .init_array). Tests, benchmarks and
# fuzzers are host programs and may have them (gtest registers tests that way).
_NO_STATIC_INIT = ["-Wglobal-constructors", "-Wexit-time-destructors"]

def _portable_copts(copts):
    return _NO_STATIC_INIT + select({
        "//tools/platforms:is_kernel": _WARNINGS,
        "//conditions:default": _HOST_BASE_COPTS,
    }) + select({
        "//tools/platforms:is_kernel": [],
        "//tools/platforms:tsan": _TSAN,
        "//conditions:default": _ASAN,
    }) + copts

def keel_library(name, copts = [], **kwargs):
    native.cc_library(name = name, copts = _portable_copts(copts), **kwargs)

def keel_host_library(name, **kwargs):
    """A keel_library (the same flags) that only host programs link: a kernel build skips it."""
    keel_library(name = name, target_compatible_with = _host_only_constraint(), **kwargs)

def keel_kernel_library(name, copts = [], alwayslink = True, **kwargs):
    """Kernel-only code. alwayslink: ktests/kbenchs register through linker sections, so
    nothing references their objects and a plain archive link would drop them."""
    native.cc_library(
        name = name,
        copts = _WARNINGS + _NO_STATIC_INIT + copts,
        alwayslink = alwayslink,
        target_compatible_with = _KERNEL_ONLY,
        **kwargs
    )

def keel_host_test(name, copts = [], linkopts = [], deps = [], gtest = True, **kwargs):
    native.cc_test(
        name = name,
        copts = _HOST_COPTS + copts,
        linkopts = SANITIZE_LINK + linkopts + (["-lgtest", "-lgtest_main", "-lpthread"] if gtest else []),
        deps = deps,
        target_compatible_with = _host_only_constraint(),
        **kwargs
    )

def keel_smp_test(name, size = "medium", tags = [], **kwargs):
    """A keel_host_test that runs threads as CPUs (mm/testing/host_cpus.h). Tagged "smp":
    `./kx test` also runs these under ThreadSanitizer (--config=tsan in .bazelrc)."""
    keel_host_test(name = name, size = size, tags = ["smp"] + tags, **kwargs)

def keel_shared_test(name, srcs, deps = [], host_deps = [], kernel_deps = [], **kwargs):
    """Tests written once against lib/test/test.h, run in both places: `name` is a host gtest
    (ASan+UBSan, like every keel_host_test) and `name + "_ktests"` the same sources as
    ktests, a kernel library to link into keel.elf (kernel/BUILD's KERNEL_DEPS or a ktest
    library there). host_deps / kernel_deps: what only one side needs (the host's simulated
    memory, the kernel's live allocator)."""
    keel_host_test(
        name = name,
        srcs = srcs,
        deps = ["//lib/test"] + deps + host_deps,
        **kwargs
    )
    keel_kernel_library(
        name = name + "_ktests",
        srcs = srcs,
        deps = ["//lib/test", "//kernel:ktest"] + deps + kernel_deps,
    )

# Benchmarks: -O2, no sanitizers, no lock-order checks.
_BENCH_COPTS = ["-std=c++23", "-O2", "-g"] + _WARNINGS + ["-DNDEBUG"]

def keel_host_binary(name, copts = [], linkopts = [], sanitize = True, **kwargs):
    native.cc_binary(
        name = name,
        copts = (_HOST_COPTS if sanitize else ["-std=c++23", "-O2", "-g"] + _WARNINGS) + copts,
        linkopts = (SANITIZE_LINK if sanitize else []) + linkopts,
        target_compatible_with = _host_only_constraint(),
        **kwargs
    )

def keel_fuzzer(name, copts = [], linkopts = [], testonly = True, **kwargs):
    """A libFuzzer binary (./kx fuzz); its corpus replays as a keel_host_test next to it
    (a *_fuzz_corpus_test). testonly by default: a fuzzer links test-only code (blob
    builders, model drivers, the fuzz libraries)."""
    native.cc_binary(
        name = name,
        testonly = testonly,
        copts = _HOST_COPTS + ["-fsanitize=fuzzer"] + copts,
        linkopts = SANITIZE_LINK + ["-fsanitize=fuzzer"] + linkopts,
        target_compatible_with = _host_only_constraint(),
        **kwargs
    )

def _host_only_constraint():
    return ["//tools/platforms:hosted"]

def keel_host_bench(name, copts = [], linkopts = [], **kwargs):
    """A Google Benchmark binary (Debian libbenchmark-dev): -O2, no sanitizers.

    keel_library deps are compiled with ASan in the host config, so the portable code a
    benchmark measures comes from keel_bench_library deps (or its own `srcs`); header-only
    keel_library deps are fine.
    """
    keel_host_binary(
        name = name,
        sanitize = False,
        copts = ["-DNDEBUG"] + copts,
        linkopts = ["-lbenchmark", "-lpthread"] + linkopts,
        **kwargs
    )

def keel_bench_library(name, copts = [], **kwargs):
    """Portable sources compiled the way a keel_host_bench compiles its own (-O2, no
    sanitizers), once, for every benchmark that measures them: a benchmark listing them in
    its srcs would compile them again per binary. Deps: other keel_bench_library targets
    and header-only keel_library targets only (a compiled keel_library dep would link
    sanitized objects into an unsanitized binary)."""
    native.cc_library(
        name = name,
        copts = _BENCH_COPTS + copts,
        target_compatible_with = _host_only_constraint(),
        **kwargs
    )

def keel_fuzz_library(name, copts = [], **kwargs):
    """Code a keel_fuzzer measures, compiled with libFuzzer's coverage instrumentation (as
    the fuzzer's own srcs are: copts do not reach deps), once for every fuzzer that links
    it rather than again in each fuzzer's srcs."""
    native.cc_library(
        name = name,
        testonly = True,
        copts = _HOST_COPTS + ["-fsanitize=fuzzer-no-link"] + copts,
        target_compatible_with = _host_only_constraint(),
        **kwargs
    )
