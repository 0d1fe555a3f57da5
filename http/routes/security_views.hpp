#pragma once
// Pure: securities as the JSON clients see (API.md "Market").
#include "protocol/market.hpp"

#include <string>
#include <vector>

namespace delta::http {

std::string security_json(const protocol::security& s);
std::string securities_json(const std::vector<protocol::security>& items);

}  // namespace delta::http
