// Declarations of the formatter's sink and spec, for headers that declare a printer
// (`format_value(keel::fmt::Sink&, const keel::fmt::Spec&, T)`) or take a sink without
// needing the formatter itself.
#pragma once

namespace keel::fmt {
class Sink;
struct Spec;
}  // namespace keel::fmt
