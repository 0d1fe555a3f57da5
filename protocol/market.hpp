#pragma once
// Messages and the typed interface of the market domain actor.

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <caf/optional.hpp>
#include <string>
#include <vector>

namespace delta::protocol {

struct security {
  std::string security_id;  // bigint rendered as text: ids are strings on the wire
  std::string ticker;
  std::string name;
  std::string security_type;
  caf::optional<std::string> exchange;  // caf::optional: CAF 0.17 cannot serialise std::optional
  std::string currency;
  bool active = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, security& x) {
  return f(caf::meta::type_name("delta.security"), x.security_id, x.ticker, x.name,
           x.security_type, x.exchange, x.currency, x.active);
}

struct security_query {
  std::string q;  // ticker prefix or name substring, case-insensitive; empty = all
  std::int32_t limit = 50;
  std::int64_t offset = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, security_query& x) {
  return f(caf::meta::type_name("delta.security_query"), x.q, x.limit, x.offset);
}

struct security_page {
  std::vector<security> items;
  std::int64_t total = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, security_page& x) {
  return f(caf::meta::type_name("delta.security_page"), x.items, x.total);
}

struct new_security {
  std::string ticker;
  std::string name;
  std::string security_type;
  caf::optional<std::string> exchange;
  std::string currency;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, new_security& x) {
  return f(caf::meta::type_name("delta.new_security"), x.ticker, x.name, x.security_type,
           x.exchange, x.currency);
}

using create_security_atom = caf::atom_constant<caf::atom("createsec")>;
using get_security_atom = caf::atom_constant<caf::atom("getsec")>;
using find_securities_atom = caf::atom_constant<caf::atom("findsecs")>;

// The market actor owns the securities cache that PostgreSQL feeds.
using market_actor = caf::typed_actor<
    caf::replies_to<get_security_atom, std::string>::with<security>,
    caf::replies_to<find_securities_atom, security_query>::with<security_page>,
    caf::replies_to<create_security_atom, new_security>::with<security>>;

}  // namespace delta::protocol
