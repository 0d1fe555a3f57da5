#pragma once
// Messages that never leave their node. Everything that may cross nodes is a
// protocol/ type with inspect(), registered in registration.cpp and
// round-trip tested; a payload that holds a connection handle, a callback,
// a sink or a storage row handed between actors of one node is declared
// here-style instead:
//
//   DELTA_LOCAL_MESSAGE(delta::storage::pg_reply)
//
// which lets CAF carry it between local actors (it cannot be serialised)
// and marks it local_only<T>, so code that forwards to another node can
// refuse it at compile time. `grep -rn DELTA_LOCAL_MESSAGE` lists them all.

#include <caf/allowed_unsafe_message_type.hpp>

#include <type_traits>

namespace delta::protocol {

template <class T>
struct local_only : std::false_type {};

template <class T>
inline constexpr bool is_local_only = local_only<T>::value;

}  // namespace delta::protocol

#define DELTA_LOCAL_MESSAGE(type_name)                                   \
  CAF_ALLOW_UNSAFE_MESSAGE_TYPE(type_name)                               \
  template <>                                                            \
  struct delta::protocol::local_only<type_name> : std::true_type {};
