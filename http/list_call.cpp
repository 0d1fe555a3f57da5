#include "http/list_call.hpp"

#include "http/api_error.hpp"

namespace delta::http {

list_call::list_call(const request& req, reply_ptr reply)
    : query_(req.query), reply_(std::move(reply)), path_(req.path), raw_query_(req.query) {
  page_ = read_pagination(query_);
}

bool list_call::refuse_invalid() const {
  if (query_.problems().empty()) return false;
  reply_->send(error_response(validation_error(query_.problems()), reply_->request_id()));
  return true;
}

void list_call::send(const std::string& items_json, std::int64_t total) const {
  std::optional<std::string> next;
  if (page_.offset + page_.limit < total) next = next_page_link(path_, raw_query_, page_);
  reply_->send(page_response(items_json, reply_->request_id(), page_meta{total, page_.limit, page_.offset}, next));
}

std::string next_page_link(std::string_view path, std::string_view raw_query, const pagination& page) {
  std::string link{path};
  link += "?limit=" + std::to_string(page.limit) + "&offset=" + std::to_string(page.offset + page.limit);
  std::size_t start = 0;
  while (start < raw_query.size()) {
    auto end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    auto part = raw_query.substr(start, end - start);
    auto name = part.substr(0, part.find('='));
    if (!part.empty() && name != "limit" && name != "offset") {
      link += '&';
      link += part;
    }
    start = end + 1;
  }
  return link;
}

}  // namespace delta::http
