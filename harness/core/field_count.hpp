// How many fields an aggregate has, found by the compiler (the largest number of initializers
// T{...} takes). A struct that crosses a process boundary as JSON asserts its count next to its
// conversion, so that a field added to the struct and not to the conversion stops the build
// instead of being dropped on the way.
#pragma once

#include <cstddef>
#include <utility>

namespace hurdle {

namespace field_count_detail {

// Converts to anything, only in unevaluated contexts.
struct AnyField {
  template <class T>
  operator T&() const&& noexcept;  // NOLINT: implicit on purpose
};

template <class T, std::size_t... I>
constexpr bool brace_takes(std::index_sequence<I...> /*count*/) {
  return requires { T{(void(I), AnyField{})...}; };
}

}  // namespace field_count_detail

template <class T, std::size_t N = 0>
constexpr std::size_t field_count() {
  if constexpr (field_count_detail::brace_takes<T>(std::make_index_sequence<N + 1>{}))
    return field_count<T, N + 1>();
  else
    return N;
}

}  // namespace hurdle
