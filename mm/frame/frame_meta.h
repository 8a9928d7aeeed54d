// Frame metadata types: what may live in a MetaSlot's 40-byte storage, and the per-type
// vtable that identifies it.
//
//   struct PageCacheMeta { std::atomic<std::uint32_t> flags; void on_drop(Paddr pa); };
//   struct DmaBufferMeta { static constexpr bool untyped_frame = true; };
//
// - AnyFrameMeta<M>: M fits the storage (size ≤ 40, align ≤ 8) and destroys without throwing.
//   An optional `void on_drop(Paddr)` member runs just before M is destroyed in its slot
//   (last reference gone, or repurpose()).
// - frame_meta_vtable<M>: one constant per type. Its address is M's identity (checked
//   down-casts compare it; no RTTI); `name` is M's type name for reports.
// - AnyUFrameMeta<M>: untyped frames, opted in with `static constexpr bool untyped_frame =
//   true`. Only their bytes are readable and writable (mm/frame/untyped.h); a typed frame
//   hosts C++ objects and exposes no raw byte access.
// - DynMeta: the "any metadata" marker for type-erased handles (Frame<DynMeta> = AnyFrame);
//   DynUMeta: "any untyped metadata" (Frame<DynUMeta> = UFrame, as Asterinas OSTD's UFrame).
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <new>
#include <string_view>
#include <type_traits>

#include "mm/meta/meta_slot.h"
#include "mm/types.h"

namespace mm::frame {

template <typename M>
concept AnyFrameMeta = std::is_object_v<M> && !std::is_array_v<M> && !std::is_const_v<M> &&
                       !std::is_volatile_v<M> && sizeof(M) <= meta::FRAME_METADATA_MAX_SIZE &&
                       alignof(M) <= meta::FRAME_METADATA_MAX_ALIGN &&
                       std::is_nothrow_destructible_v<M> && std::is_move_constructible_v<M>;

template <typename M>
concept AnyUFrameMeta = AnyFrameMeta<M> && requires {
  { M::untyped_frame } -> std::convertible_to<bool>;
  requires M::untyped_frame;
};

template <typename M>
concept HasOnDrop = requires(M& m, Paddr pa) { m.on_drop(pa); };

// Type-erased metadata: a handle to a frame of any metadata type, or of any untyped one.
struct DynMeta;
struct DynUMeta;

template <typename M>
concept DynFrameMeta = std::same_as<M, DynMeta> || std::same_as<M, DynUMeta>;

// M, or DynMeta / DynUMeta for a type-erased handle.
template <typename M>
concept FrameMetaParam = AnyFrameMeta<M> || DynFrameMeta<M>;

// Whether a handle to From's frames converts to a handle of To without a check: any frame
// to DynMeta, an untyped one to DynUMeta.
template <typename From, typename To>
concept ErasesTo = !std::same_as<From, To> &&
                   (std::same_as<To, DynMeta> ||
                    (std::same_as<To, DynUMeta> && (AnyUFrameMeta<From> || std::same_as<From, DynUMeta>)));

// Untyped metadata for anonymous memory (the common "UFrame").
struct UntypedMeta {
  static constexpr bool untyped_frame = true;
};

namespace detail {

template <typename T>
consteval std::string_view raw_type_name() {
  return __PRETTY_FUNCTION__;  // "... raw_type_name() [T = ns::Type]"
}

template <typename T>
consteval std::string_view type_name_view() {
  constexpr std::string_view raw = raw_type_name<T>();
  constexpr std::string_view marker = "T = ";
  const std::size_t begin = raw.find(marker) + marker.size();
  const std::size_t end = raw.rfind(']');
  return raw.substr(begin, end - begin);
}

// A NUL-terminated copy of T's name, so the vtable can hold a plain const char*.
template <typename T>
inline constexpr auto type_name_storage = [] {
  constexpr std::string_view name = type_name_view<T>();
  std::array<char, name.size() + 1> out{};
  for (std::size_t i = 0; i < name.size(); ++i) out[i] = name[i];
  return out;
}();

template <AnyFrameMeta M>
M* meta_ptr(meta::MetaSlot& slot) {
  return std::launder(reinterpret_cast<M*>(slot.storage));
}

// The vtable's drop: on_drop (if any), then the destructor. The slot is busy (count 0).
template <AnyFrameMeta M>
void drop_meta(meta::MetaSlot& slot) {
  M* meta = meta_ptr<M>(slot);
  if constexpr (HasOnDrop<M>) meta->on_drop(meta::meta_to_frame(&slot));
  meta->~M();
}

}  // namespace detail

template <AnyFrameMeta M>
inline constexpr meta::FrameMetaVtable frame_meta_vtable{
    .name = detail::type_name_storage<M>.data(),
    .untyped = AnyUFrameMeta<M>,
    .drop = &detail::drop_meta<M>,
};

// Writes M into a busy slot (count 0, no live metadata) and records its vtable.
template <AnyFrameMeta M>
void write_meta(meta::MetaSlot& slot, M&& meta) {
  ::new (static_cast<void*>(slot.storage)) M(std::move(meta));
  slot.vtable = &frame_meta_vtable<M>;
}

}  // namespace mm::frame
