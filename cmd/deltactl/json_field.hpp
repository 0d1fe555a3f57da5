#pragma once
// Lenient reads of an API answer for the human views: a missing member, or
// a member of something that is not an object, reads as null (shown "-"),
// so an older or newer node's answer still prints.

#include <boost/json/value.hpp>

#include <string_view>

namespace delta::ctl {

inline const boost::json::value& field(const boost::json::value& v, std::string_view key) {
  static const boost::json::value null_value;
  if (!v.is_object()) return null_value;
  auto* member = v.get_object().if_contains(key);
  return member ? *member : null_value;
}

inline const boost::json::array& elements(const boost::json::value& v) {
  static const boost::json::array none;
  return v.is_array() ? v.get_array() : none;
}

}  // namespace delta::ctl
