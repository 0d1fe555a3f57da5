#pragma once
// JSON as people read it: two-space indentation, one member or element per
// line, empty containers as {} and []. Boost.JSON 1.81 prints only compact.

#include <boost/json/value.hpp>

#include <string>

namespace delta::ctl {

std::string pretty_json(const boost::json::value& v);

}  // namespace delta::ctl
