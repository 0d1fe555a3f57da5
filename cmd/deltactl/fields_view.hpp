#pragma once
// One object as people read it: a line per member, names aligned in a
// column, values as table cells; a non-empty nested object or array is
// printed as indented JSON below its name. Anything but an object is one
// line, as a table cell.

#include <boost/json/value.hpp>

#include <string>

namespace delta::ctl {

std::string fields_view(const boost::json::value& v);

}  // namespace delta::ctl
