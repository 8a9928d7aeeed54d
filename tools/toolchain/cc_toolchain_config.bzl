"""keel's kernel C++ toolchain: clang-19 for a freestanding x86-64 ELF kernel.

Kernel code: -ffreestanding, no exceptions/RTTI, no red zone, -mcmodel=kernel, no
SSE/MMX/AVX (the kernel does not save vector state), frame pointers kept for backtraces,
C++23 with libc++-19's headers configured freestanding. Nothing is linked implicitly: the
kernel provides memcpy and friends itself (kernel/runtime).
"""

load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
    )
load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")

_LLVM = "/usr/lib/llvm-19"
_LIBCXX = _LLVM + "/include/c++/v1"
_CLANG_RESOURCE = _LLVM + "/lib/clang/19/include"

_C_COMPILE = [ACTION_NAMES.c_compile, ACTION_NAMES.assemble, ACTION_NAMES.preprocess_assemble]
_CXX_COMPILE = [ACTION_NAMES.cpp_compile, ACTION_NAMES.cpp_header_parsing, ACTION_NAMES.cpp_module_compile]
_ALL_COMPILE = _C_COMPILE + _CXX_COMPILE
_LINK = [ACTION_NAMES.cpp_link_executable]

_TARGET = ["--target=x86_64-unknown-none-elf"]

_COMMON_FLAGS = _TARGET + [
    "-ffreestanding",
    "-fno-stack-protector",
    "-fno-pic",
    "-fno-pie",
    "-mno-red-zone",
    "-mcmodel=kernel",
    "-mno-sse",
    "-mno-sse2",
    "-mno-mmx",
    "-mno-avx",
    "-fno-omit-frame-pointer",
    "-mno-omit-leaf-frame-pointer",
    "-ffunction-sections",
    "-fdata-sections",
    "-g",
    "-nostdlibinc",
    "-idirafter",
    "tools/toolchain/libc",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-no-canonical-prefixes",
    "-fdebug-prefix-map=/proc/self/cwd=.",
]

_CXX_FLAGS = [
    "-std=c++23",
    "-fno-exceptions",
    "-fno-rtti",
    "-fno-use-cxa-atexit",
    "-nostdinc++",
    "-isystem",
    _LIBCXX,
    # libc++ in its freestanding shape: no threads, filesystem, locales, wide characters,
    # random device, clocks or time zones.
    "-D_LIBCPP_HAS_NO_THREADS",
    "-D_LIBCPP_HAS_NO_FILESYSTEM",
    "-D_LIBCPP_HAS_NO_LOCALIZATION",
    "-D_LIBCPP_HAS_NO_WIDE_CHARACTERS",
    "-D_LIBCPP_HAS_NO_RANDOM_DEVICE",
    "-D_LIBCPP_HAS_NO_MONOTONIC_CLOCK",
    "-D_LIBCPP_HAS_NO_TIME_ZONE_DATABASE",
    "-D_LIBCPP_HAS_NO_STD_MODULES",
    "-D_LIBCPP_HARDENING_MODE=_LIBCPP_HARDENING_MODE_NONE",
    "-DKEEL_KERNEL=1",
]

_LINK_FLAGS = _TARGET + [
    "-nostdlib",
    "-static",
    "-fuse-ld=lld",
    "-Wl,--build-id=none",
    "-Wl,-z,max-page-size=4096",
    "-Wl,-z,noexecstack",
    "-Wl,--gc-sections",
    "-Wl,--no-undefined",
]

def _impl(ctx):
    tool_paths = [
        tool_path(name = "gcc", path = "/usr/bin/clang-19"),
        tool_path(name = "ld", path = "/usr/bin/ld.lld-19"),
        tool_path(name = "ar", path = "/usr/bin/llvm-ar-19"),
        tool_path(name = "cpp", path = "/usr/bin/clang-cpp-19"),
        tool_path(name = "gcov", path = "/bin/false"),
        tool_path(name = "nm", path = "/usr/bin/llvm-nm-19"),
        tool_path(name = "objdump", path = "/usr/bin/llvm-objdump-19"),
        tool_path(name = "objcopy", path = "/usr/bin/llvm-objcopy-19"),
        tool_path(name = "strip", path = "/usr/bin/llvm-strip-19"),
    ]
    features = [
        feature(
            name = "kernel_compile_flags",
            enabled = True,
            flag_sets = [
                flag_set(actions = _ALL_COMPILE, flag_groups = [flag_group(flags = _COMMON_FLAGS)]),
                flag_set(actions = _CXX_COMPILE, flag_groups = [flag_group(flags = _CXX_FLAGS)]),
            ],
        ),
        feature(
            name = "opt",
            flag_sets = [flag_set(actions = _ALL_COMPILE, flag_groups = [flag_group(flags = ["-O2"])])],
        ),
        feature(
            name = "dbg",
            flag_sets = [flag_set(actions = _ALL_COMPILE, flag_groups = [flag_group(flags = ["-O1"])])],
        ),
        feature(
            name = "fastbuild",
            flag_sets = [flag_set(actions = _ALL_COMPILE, flag_groups = [flag_group(flags = ["-O1"])])],
        ),
        feature(
            name = "kernel_link_flags",
            enabled = True,
            flag_sets = [
                flag_set(actions = _LINK, flag_groups = [flag_group(flags = _LINK_FLAGS)]),
            ],
        ),
    ]
    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        toolchain_identifier = "keel-kernel-clang19",
        host_system_name = "x86_64-linux-gnu",
        target_system_name = "x86_64-unknown-none-elf",
        target_cpu = "keel_x86_64",
        target_libc = "none",
        compiler = "clang",
        abi_version = "none",
        abi_libc_version = "none",
        tool_paths = tool_paths,
        cxx_builtin_include_directories = [_LIBCXX, _CLANG_RESOURCE, "/usr/lib/clang/19/include"],
    )

kernel_cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {},
    provides = [CcToolchainConfigInfo],
)
