// The time-stamp counter: ordered reads for timing, and finding its frequency at boot.
//
// Sources, most trusted first (calibrate_tsc tries them in this order):
//   CPUID 0x15     TSC/crystal ratio x crystal Hz (ECX, a known per-model crystal, or the
//                  crystal derived from the leaf 0x16 base frequency)
//   hypervisor     leaf 0x40000010 EAX = TSC kHz (VMware's convention; QEMU/KVM set it
//                  when they know the guest TSC rate, e.g. with invtsc or tsc-frequency)
//   PIT            ~10 ms against the 1.193182 MHz i8254 (channel 2 gated by port 0x61;
//                  channel 0 read back when port 0x61 is absent, as on QEMU microvm)
// Each method returns hz == 0 when it does not apply, so a caller can cross-check two.
#pragma once

#include <cstdint>

namespace arch {

// rdtsc after every earlier instruction has completed (lfence), and a compiler barrier:
// the start and end of a timed region stay where the code puts them.
inline std::uint64_t rdtsc_ordered() {
  std::uint32_t lo, hi;
  asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  return (std::uint64_t{hi} << 32) | lo;
}

enum class TscSource : std::uint8_t { None, Cpuid15, Hypervisor, Pit };

// "cpuid-0x15", "hypervisor-0x40000010", "pit", "uncalibrated".
const char* tsc_source_name(TscSource source);

struct TscFrequency {
  std::uint64_t hz = 0;  // 0: unknown
  TscSource source = TscSource::None;
  // Which detail of the source was used, for the boot log ("crystal from ECX",
  // "pit channel 2", ...). Never null.
  const char* detail = "";
};

TscFrequency tsc_from_cpuid();
TscFrequency tsc_from_hypervisor();
// Takes ~30 ms (median of three ~10 ms windows). Leaves PIT channel 2 gated off; the
// channel 0 fallback leaves channel 0 in one-shot mode (keel uses no PIT interrupt).
TscFrequency tsc_from_pit();

// The first source above that gives a plausible frequency (100 MHz .. 10 GHz). Measured
// on the first call and cached: later calls are free. Boot CPU only (not synchronized).
TscFrequency calibrate_tsc();

// The frequency where it costs nothing to learn: calibrate_tsc()'s result once it has run,
// else CPUID 0x15 or the hypervisor leaf; hz == 0 where only the PIT could tell. The boot
// path uses this, so that it never spends the PIT's ~30 ms on a log line.
TscFrequency tsc_frequency_if_known();

}  // namespace arch
