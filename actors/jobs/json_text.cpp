#include "actors/jobs/json_text.hpp"

#include <boost/json/parse.hpp>

namespace delta::jobs {

bool is_json_object(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  return !ec && v.is_object();
}

}  // namespace delta::jobs
