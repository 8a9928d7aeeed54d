// Ending a QEMU run with a status code through the isa-debug-exit device.
//
// QEMU must be started with `-device isa-debug-exit,iobase=0xf4,iosize=0x04`; its process
// then exits with status (code << 1) | 1. On anything that is not QEMU/KVM this does
// nothing (port 0xf4 may belong to real hardware), and the caller falls through to its
// own halt.
#pragma once

#include <cstdint>

namespace arch {

inline constexpr std::uint16_t QEMU_DEBUG_EXIT_PORT = 0xf4;

inline constexpr std::uint8_t QEMU_EXIT_TESTS_PASSED = 0x10;  // exit status 33
inline constexpr std::uint8_t QEMU_EXIT_TESTS_FAILED = 0x11;  // exit status 35
inline constexpr std::uint8_t QEMU_EXIT_PANIC = 0x12;         // exit status 37

constexpr int qemu_exit_status(std::uint8_t code) { return (code << 1) | 1; }
static_assert(qemu_exit_status(QEMU_EXIT_TESTS_PASSED) == 33);

// Returns if not under QEMU/KVM or if the device is not attached.
void qemu_debug_exit(std::uint8_t code);

}  // namespace arch
