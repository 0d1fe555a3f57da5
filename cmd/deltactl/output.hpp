#pragma once
// How a command prints an answer: with --json the answer's data as one
// pretty JSON document (null when the API answered 204), otherwise the
// command's human view.

#include "cmd/deltactl/global_options.hpp"
#include "cmd/deltactl/route.hpp"
#include "cmd/deltactl/table.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <string>

namespace delta::ctl {

void print_answer(const global_options& opts, const boost::json::value& data,
                  const std::function<std::string()>& human_view);

// The whole of a read-only command: GET `r` with the credential, then
// print_answer with `view` of its data. Returns the exit code (0).
int print_route_data(const global_options& opts, const route& r, std::string (*view)(const boost::json::value&));

// A table's text; `none` on a line of its own below the header when it has no rows.
std::string table_text(const table& t, const std::string& none);

}  // namespace delta::ctl
