#pragma once
// What a list route's handler works with (API.md "Conventions": every list
// has meta.total/limit/offset, and links.next while there is more;
// `limit` 1..1000, default 50, `offset` >= 0, else 422). A route declared
// with route_builder::list() gets one per request: the query with `limit`
// and `offset` already read (their problems recorded), and the only way to
// answer a page.

#include "http/envelope.hpp"
#include "http/message.hpp"
#include "http/query.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace delta::http {

class list_call {
 public:
  list_call(const request& req, reply_ptr reply);

  // The query: handlers read their filters from it, adding their problems.
  query_params& query() { return query_; }
  const pagination& page() const { return page_; }
  const reply_ptr& reply() const { return reply_; }

  // Answers 422 naming every problem of the query, if there is one; true then.
  bool refuse_invalid() const;

  // One page: `items_json` holds the page's items (a JSON array), `total`
  // how many there are in all.
  void send(const std::string& items_json, std::int64_t total) const;

  // A list held in memory: answers the page's slice of `all`.
  template <class T, class ToJson>
  void send_slice(const std::vector<T>& all, ToJson to_json) const {
    auto size = static_cast<std::int64_t>(all.size());
    auto first = std::min(page_.offset, size);
    auto last = std::min(first + page_.limit, size);
    std::vector<T> items(all.begin() + first, all.begin() + last);
    send(to_json(items), size);
  }

  // The continuation of a request whose answer is the whole list (of type
  // List): it answers the page's slice.
  template <class List, class ToJson>
  auto slice_of_answer(ToJson to_json) const {
    return [call = *this, to_json](const List& all) { call.send_slice(all, to_json); };
  }

 private:
  query_params query_;
  pagination page_;
  reply_ptr reply_;
  std::string path_;
  std::string raw_query_;
};

// The same request one page on: `raw_query` (as the client sent it) with
// `limit` and `offset` replaced by the next page's.
std::string next_page_link(std::string_view path, std::string_view raw_query, const pagination& page);

}  // namespace delta::http
