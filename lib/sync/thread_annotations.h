// Clang thread-safety annotations (Zircon spelling). Checked with -Wthread-safety.
#pragma once

#if defined(__clang__)
#define KEEL_TA(x) __attribute__((x))
#else
#define KEEL_TA(x)
#endif

#define TA_CAP(name) KEEL_TA(capability(name))
#define TA_GUARDED(lock) KEEL_TA(guarded_by(lock))
#define TA_PT_GUARDED(lock) KEEL_TA(pt_guarded_by(lock))
#define TA_REQ(...) KEEL_TA(requires_capability(__VA_ARGS__))
#define TA_EXCL(...) KEEL_TA(locks_excluded(__VA_ARGS__))
#define TA_ACQ(...) KEEL_TA(acquire_capability(__VA_ARGS__))
#define TA_TRY_ACQ(...) KEEL_TA(try_acquire_capability(__VA_ARGS__))
#define TA_REL(...) KEEL_TA(release_capability(__VA_ARGS__))
#define TA_SCOPED_CAP KEEL_TA(scoped_lockable)
#define TA_RET_CAP(x) KEEL_TA(lock_returned(x))
#define TA_ASSERT_CAP(x) KEEL_TA(assert_capability(x))
