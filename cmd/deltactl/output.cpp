#include "cmd/deltactl/output.hpp"

#include "cmd/deltactl/api_client.hpp"
#include "cmd/deltactl/pretty_json.hpp"

#include <iostream>

namespace delta::ctl {

void print_answer(const global_options& opts, const boost::json::value& data,
                  const std::function<std::string()>& human_view) {
  if (opts.json) {
    std::cout << pretty_json(data) << '\n';
    return;
  }
  std::cout << human_view();
}

int print_route_data(const global_options& opts, const route& r, std::string (*view)(const boost::json::value&)) {
  api_client api{opts};
  auto answer = api.authenticated().call({r, {}, {}, {}});
  print_answer(opts, answer.data, [&] { return view(answer.data); });
  return 0;
}

std::string table_text(const table& t, const std::string& none) {
  return t.render() + (t.rows() == 0 ? none + '\n' : "");
}

}  // namespace delta::ctl
