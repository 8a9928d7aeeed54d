#include "arch/x86_64/memory_types.h"

#include "arch/x86_64/cpu.h"

namespace arch {
namespace {

constexpr std::uint32_t MSR_MTRR_CAP = 0xfe;
constexpr std::uint32_t MSR_MTRR_DEF_TYPE = 0x2ff;
constexpr std::uint32_t MSR_PAT = 0x277;
constexpr std::uint64_t MTRR_ENABLE = 1ull << 11;
constexpr std::uint64_t MTRR_FIXED_ENABLE = 1ull << 10;
constexpr std::uint64_t TYPE_WRITE_BACK = 6;

bool has_mtrr() { return (cpuid(1).edx & (1u << 12)) != 0; }

constinit bool g_changed = false;

}  // namespace

bool ensure_write_back_default() {
  if (!has_mtrr()) return false;
  const std::uint64_t def_type = rdmsr(MSR_MTRR_DEF_TYPE);
  if (def_type & MTRR_ENABLE) return false;
  // No variable ranges are set up, so disable them all before enabling: stale garbage in
  // an MTRR pair must not mark RAM uncacheable.
  const unsigned variable = rdmsr(MSR_MTRR_CAP) & 0xff;
  for (unsigned i = 0; i < variable; ++i) wrmsr(0x201 + 2 * i, 0);  // PHYSMASKn.valid = 0
  // The SDM's MTRR update sequence, short form: nothing was cached under UC, but write
  // back and invalidate anyway, and flush the TLB so no stale memory type survives.
  asm volatile("wbinvd" ::: "memory");
  wrmsr(MSR_MTRR_DEF_TYPE, (def_type & ~(0xffull | MTRR_FIXED_ENABLE)) | MTRR_ENABLE | TYPE_WRITE_BACK);
  asm volatile("wbinvd" ::: "memory");
  write_cr3(read_cr3());
  g_changed = true;
  return true;
}

void print_memory_types(keel::fmt::Sink& sink) {
  if (!has_mtrr()) {
    keel::fmt::print(sink, "cpu: MTRRs: not present\n");
    return;
  }
  const std::uint64_t def_type = rdmsr(MSR_MTRR_DEF_TYPE);
  keel::fmt::print(sink, "cpu: MTRRs: default type {}, {}{}; PAT {:#018x}\n", def_type & 0xff,
             def_type & MTRR_ENABLE ? "enabled" : "disabled",
             g_changed ? " (enabled by keel: no firmware set them up)" : "", rdmsr(MSR_PAT));
}

}  // namespace arch
