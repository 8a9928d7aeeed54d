#include "arch/x86_64/smp/percpu.h"

#include "arch/x86_64/cpu.h"
#include "lib/contract/contract.h"

namespace arch::smp {
namespace {

constexpr std::uint32_t IA32_GS_BASE = 0xc0000101;

// One cache line each, so CPUs writing their own slots do not share lines.
struct alignas(64) PerCpuSlot {
  PerCpu data;
};
constinit PerCpuSlot g_percpu[mm::hal::MAX_CPUS] = {};

}  // namespace

PerCpu& percpu(unsigned index) {
  KREQUIRES(index < mm::hal::MAX_CPUS);
  return g_percpu[index].data;
}

void init_this_cpu(unsigned index, std::uint32_t apic_id) {
  PerCpu& slot = percpu(index);
  slot.self = &slot;
  slot.index = index;
  slot.apic_id = apic_id;
  slot.online = true;
  wrmsr(IA32_GS_BASE, reinterpret_cast<std::uint64_t>(&slot));
}

}  // namespace arch::smp
