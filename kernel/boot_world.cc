#include "kernel/boot_world.h"

#include <optional>

#include "lib/contract/contract.h"

namespace kernel {
namespace {

// Written once on the boot CPU before the ktests and kbenchs that read it start.
constinit std::optional<BootWorld> g_world;

}  // namespace

void install_boot_world(const boot::BootInfo& info, const MemoryInitReport& memory) {
  KASSERT_MSG(!g_world.has_value(), "the boot world is installed once, by kernel init");
  g_world.emplace(info, memory);
}

const BootWorld& boot_world() {
  KASSERT_MSG(g_world.has_value(), "boot_world() read before kernel init installed it");
  return *g_world;
}

}  // namespace kernel
