// Work for idle APs: the boot CPU posts a function, and every AP runs it once the next time
// its idle loop comes round (on arrival, or when an IPI wakes it from hlt). Work that must
// be shared out (deferred metadata init) takes its pieces from its own atomic counter; an
// AP that finds nothing left simply returns to hlt.
#pragma once

#include <cstdint>

namespace arch::smp {

// Makes `work` the current idle work and wakes every online AP so it runs it. Before
// arch::smp::init, the APs run it as soon as they come online. Requires IF=1 when APs are
// online (the wake-up is a cross-CPU call).
void post_to_idle_aps(void (*work)());

// The AP idle loop's side: runs the posted work if it is newer than `seen` (which it
// updates), with interrupts enabled so cross-CPU calls reach this CPU meanwhile.
void run_idle_work(std::uint64_t& seen);

}  // namespace arch::smp
