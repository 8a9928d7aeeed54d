// KspaceError: which step of building the kernel address space failed, and why.
#pragma once

#include <cstdint>

#include "mm/page_table/pt_error.h"
#include "lib/fmt/format.h"
#include "mm/types.h"

namespace mm::kspace {

enum class KspaceStep : std::uint8_t {
  Root,          // allocating the root node
  LinearMap,     // RAM at LINEAR_MAP_BASE
  Extra,         // extra physical ranges
  Metadata,      // the frame metadata region
  Image,         // kernel image sections
  WxCheck,       // a writable+executable leaf (va: where)
  TooManyRanges, // more than MAX_GUARD_PAGES guard pages
};

struct KspaceError {
  KspaceStep step = KspaceStep::Root;
  page_table::PtError error = page_table::PtError::OutOfRange;  // meaningless for WxCheck / TooManyRanges
  Vaddr va = 0;                                 // where (0 if not applicable)
};

constexpr const char* kspace_step_name(KspaceStep s) {
  switch (s) {
    case KspaceStep::Root: return "allocating the root";
    case KspaceStep::LinearMap: return "the linear map";
    case KspaceStep::Extra: return "an extra physical range";
    case KspaceStep::Metadata: return "the metadata region";
    case KspaceStep::Image: return "the kernel image";
    case KspaceStep::WxCheck: return "the W^X check";
    case KspaceStep::TooManyRanges: return "the input (too many ranges)";
  }
  return "?";
}

inline void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const KspaceError& e) {
  if (e.step == KspaceStep::WxCheck) {
    keel::fmt::print(sink, "writable and executable mapping at {:#x}", e.va);
  } else {
    keel::fmt::print(sink, "{} at {:#x}: {}", kspace_step_name(e.step), e.va, e.error);
  }
}

}  // namespace mm::kspace
