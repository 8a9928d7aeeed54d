#include "arch/x86_64/tsc.h"

#include <cstring>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"

namespace arch {
namespace {

constexpr std::uint64_t MIN_PLAUSIBLE_HZ = 100'000'000;
constexpr std::uint64_t MAX_PLAUSIBLE_HZ = 10'000'000'000;

bool plausible(std::uint64_t hz) { return hz >= MIN_PLAUSIBLE_HZ && hz <= MAX_PLAUSIBLE_HZ; }

// ---- CPUID leaf 0x15 ----

// Crystal frequencies of Intel parts whose leaf 0x15 leaves ECX zero (as Linux's
// native_calibrate_tsc knows them).
std::uint64_t known_crystal_hz(const CpuFeatures& cpu) {
  if (std::strcmp(cpu.vendor, "GenuineIntel") != 0 || cpu.family != 6) return 0;
  switch (cpu.model_id) {
    case 0x4e: case 0x5e: case 0x8e: case 0x9e:  // Skylake / Kaby Lake client
      return 24'000'000;
    case 0x5f:  // Denverton (Goldmont-D)
      return 25'000'000;
    case 0x5c:  // Apollo Lake (Goldmont)
      return 19'200'000;
    default:
      return 0;
  }
}

// ---- PIT ----

constexpr std::uint64_t PIT_HZ = 1'193'182;
constexpr std::uint32_t WINDOW_TICKS = 11'932;  // ~10 ms
constexpr std::uint16_t PIT_CHANNEL0 = 0x40;
constexpr std::uint16_t PIT_CHANNEL2 = 0x42;
constexpr std::uint16_t PIT_COMMAND = 0x43;
constexpr std::uint16_t SPEAKER_PORT = 0x61;       // bit 0: ch2 gate, bit 1: speaker, bit 5: OUT2
constexpr std::uint8_t CH2_MODE0_LO_HI = 0xb0;       // channel 2, lo/hi byte, mode 0, binary
constexpr std::uint8_t CH0_MODE0_LO_HI = 0x30;       // channel 0, lo/hi byte, mode 0, binary
constexpr std::uint8_t CH0_LATCH = 0x00;
// Give up on a window after this many TSC cycles: 2e9 is 0.2 s even at 10 GHz, so a PIT
// that never answers costs at most a couple of seconds at any plausible TSC rate.
constexpr std::uint64_t GIVE_UP_CYCLES = 2'000'000'000;

// TSC cycles per WINDOW_TICKS PIT ticks, gating channel 2 through port 0x61. 0 if the
// port or channel does not behave.
std::uint64_t pit_window_channel2() {
  const std::uint8_t saved = inb(SPEAKER_PORT);
  if (saved == 0xff) return 0;  // nothing decodes port 0x61
  outb(SPEAKER_PORT, static_cast<std::uint8_t>((saved & ~0x02) | 0x01));  // gate on, speaker off
  outb(PIT_COMMAND, CH2_MODE0_LO_HI);  // mode 0: OUT2 low now, high at terminal count
  outb(PIT_CHANNEL2, WINDOW_TICKS & 0xff);
  outb(PIT_CHANNEL2, WINDOW_TICKS >> 8);
  const std::uint64_t start = rdtsc_ordered();
  if ((inb(SPEAKER_PORT) & 0x20) != 0) {  // already high: OUT2 is not wired to bit 5
    outb(SPEAKER_PORT, saved & ~0x03);
    return 0;
  }
  std::uint64_t now = start;
  while ((inb(SPEAKER_PORT) & 0x20) == 0) {
    now = rdtsc_ordered();
    if (now - start > GIVE_UP_CYCLES) {
      outb(SPEAKER_PORT, saved & ~0x03);
      return 0;
    }
  }
  now = rdtsc_ordered();
  outb(SPEAKER_PORT, saved & ~0x03);  // gate and speaker off
  return now - start;
}

std::uint16_t pit_channel0_count() {
  outb(PIT_COMMAND, CH0_LATCH);
  const std::uint8_t lo = inb(PIT_CHANNEL0);
  const std::uint8_t hi = inb(PIT_CHANNEL0);
  return static_cast<std::uint16_t>(lo | (hi << 8));
}

// Same measurement by reading channel 0's counter back (its gate is tied high), for
// machines without the port 0x61 latch. Returns cycles and the ticks they span.
std::uint64_t pit_window_channel0(std::uint32_t& ticks) {
  outb(PIT_COMMAND, CH0_MODE0_LO_HI);
  outb(PIT_CHANNEL0, 0xff);
  outb(PIT_CHANNEL0, 0xff);
  const std::uint16_t first = pit_channel0_count();
  const std::uint64_t start = rdtsc_ordered();
  for (;;) {
    const std::uint16_t count = pit_channel0_count();
    const std::uint64_t now = rdtsc_ordered();
    if (count > first) return 0;  // wrapped or garbage: a counter that size never wraps here
    if (static_cast<std::uint32_t>(first - count) >= WINDOW_TICKS) {
      ticks = first - count;
      return now - start;
    }
    if (now - start > GIVE_UP_CYCLES) return 0;  // not counting: no PIT
  }
}

std::uint64_t median_of_three(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  if (a > b) { const auto t = a; a = b; b = t; }
  if (b > c) { const auto t = b; b = c; c = t; }
  if (a > b) { const auto t = a; a = b; b = t; }
  return b;
}

}  // namespace

const char* tsc_source_name(TscSource source) {
  switch (source) {
    case TscSource::Cpuid15: return "cpuid-0x15";
    case TscSource::Hypervisor: return "hypervisor-0x40000010";
    case TscSource::Pit: return "pit";
    case TscSource::None: break;
  }
  return "uncalibrated";
}

TscFrequency tsc_from_cpuid() {
  const CpuFeatures& cpu = detect_cpu_features();
  if (cpu.max_leaf < 0x15) return {};
  const CpuidResult leaf = cpuid(0x15);
  const std::uint32_t denominator = leaf.eax, numerator = leaf.ebx;
  if (denominator == 0 || numerator == 0) return {};
  std::uint64_t crystal = leaf.ecx;
  const char* detail = "crystal from ECX";
  if (crystal == 0) {
    crystal = known_crystal_hz(cpu);
    detail = "crystal from the CPU model";
  }
  if (crystal == 0 && cpu.max_leaf >= 0x16) {
    // Base MHz = crystal * ratio, so crystal = base * denominator / numerator.
    const std::uint64_t base_hz = std::uint64_t{cpuid(0x16).eax & 0xffff} * 1'000'000;
    crystal = base_hz * denominator / numerator;
    detail = "crystal from the leaf 0x16 base frequency";
  }
  const std::uint64_t hz = crystal * numerator / denominator;
  if (!plausible(hz)) return {};
  return {hz, TscSource::Cpuid15, detail};
}

TscFrequency tsc_from_hypervisor() {
  const CpuFeatures& cpu = detect_cpu_features();
  if (!cpu.hypervisor || cpuid(0x4000'0000).eax < 0x4000'0010) return {};
  const std::uint64_t hz = std::uint64_t{cpuid(0x4000'0010).eax} * 1000;
  if (!plausible(hz)) return {};
  return {hz, TscSource::Hypervisor, "TSC kHz in EAX"};
}

TscFrequency tsc_from_pit() {
  std::uint64_t hz[3];
  const char* detail = "channel 2 gated by port 0x61";
  for (auto& h : hz) {
    h = pit_window_channel2() * PIT_HZ / WINDOW_TICKS;
    if (!plausible(h)) {
      std::uint32_t ticks = 0;
      const std::uint64_t cycles = pit_window_channel0(ticks);
      if (ticks == 0) return {};
      h = cycles * PIT_HZ / ticks;
      detail = "channel 0 read back";
    }
    if (!plausible(h)) return {};
  }
  return {median_of_three(hz[0], hz[1], hz[2]), TscSource::Pit, detail};
}

namespace {
constinit TscFrequency g_calibrated;
constinit bool g_calibration_done = false;
}  // namespace

TscFrequency calibrate_tsc() {
  if (!g_calibration_done) {
    g_calibrated = tsc_from_cpuid();
    if (g_calibrated.hz == 0) g_calibrated = tsc_from_hypervisor();
    if (g_calibrated.hz == 0) g_calibrated = tsc_from_pit();
    g_calibration_done = true;
  }
  return g_calibrated;
}

TscFrequency tsc_frequency_if_known() {
  if (g_calibration_done) return g_calibrated;
  // Both cost one CPUID each and time nothing, so the result is not cached.
  const TscFrequency cpuid = tsc_from_cpuid();
  return cpuid.hz != 0 ? cpuid : tsc_from_hypervisor();
}

}  // namespace arch
