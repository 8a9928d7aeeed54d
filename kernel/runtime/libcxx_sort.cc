// std::sort on arrays of integers calls std::__sort<__less<T>&, T*>, which libc++ declares
// `extern template` and compiles into its shared library. A freestanding kernel links no
// libc++ library, so keel instantiates those here on top of libc++'s header-only introsort.
#include <algorithm>

_LIBCPP_BEGIN_NAMESPACE_STD

// `__less<T>` is only a tag naming the element type; the comparison is the plain `<`.
template <class Comp, class Iterator>
void __sort(Iterator first, Iterator last, Comp) {
  const auto depth_limit = 2 * std::__log2i(last - first);
  __less<> less;
  std::__introsort<_ClassicAlgPolicy, __less<>&, Iterator, false>(first, last, less, depth_limit);
}

#define KEEL_INSTANTIATE_SORT(T) template void __sort<__less<T>&, T*>(T*, T*, __less<T>&);
KEEL_INSTANTIATE_SORT(char)
KEEL_INSTANTIATE_SORT(signed char)
KEEL_INSTANTIATE_SORT(unsigned char)
KEEL_INSTANTIATE_SORT(short)
KEEL_INSTANTIATE_SORT(unsigned short)
KEEL_INSTANTIATE_SORT(int)
KEEL_INSTANTIATE_SORT(unsigned)
KEEL_INSTANTIATE_SORT(long)
KEEL_INSTANTIATE_SORT(unsigned long)
KEEL_INSTANTIATE_SORT(long long)
KEEL_INSTANTIATE_SORT(unsigned long long)
#undef KEEL_INSTANTIATE_SORT

_LIBCPP_END_NAMESPACE_STD
