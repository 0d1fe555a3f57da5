// Users and sessions (API.md "Users and sessions").
#include "http/routes/users.hpp"

#include "http/api_error.hpp"
#include "http/credentials.hpp"
#include "http/edge.hpp"
#include "http/envelope.hpp"
#include "http/json_body.hpp"
#include "http/query.hpp"
#include "http/routes/identity_views.hpp"
#include "http/routes/routes.hpp"
#include "protocol/entity.hpp"
#include "protocol/errors.hpp"

#include <caf/all.hpp>


namespace delta::http {

namespace {

void register_user(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  json_body body{req};
  auto email = body.text("email", true, 3, 254);
  auto password = body.text("password", true, 10, 1024);
  auto display_name = body.text("display_name", false, 1, 100);
  if (email && !plausible_email(*email)) body.add_problem("email", "must be an email address");
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  protocol::register_request r{*email, *password, display_name.value_or("")};
  ctx.ask(ctx.svc.get(protocol::auth_service), protocol::register_atom::value, std::move(r))
      .then(answer_with<protocol::user_view>(reply, 201, user_json),
            [reply, fail = answer_error(reply)](const caf::error& err) {
              if (protocol::code_of(err) == protocol::errc::conflict)
                return reply->send(error_response(
                    make_api_error(error_code::conflict, "An account with this email exists."),
                    reply->request_id()));
              fail(err);
            });
}

void login(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  json_body body{req};
  auto email = body.text("email", true, 1, 254);
  auto password = body.text("password", true, 1, 1024);
  if (auto err = body.error()) return reply->send(error_response(*err, req.request_id));
  ctx.ask(ctx.svc.get(protocol::auth_service), protocol::login_atom::value, *email, *password)
      .then(
          [reply](const protocol::login_result& r) {
            reply->send(ok_response(200, login_json(r), reply->request_id()));
          },
          [reply](const caf::error& err) {
            // One message for an unknown email and a wrong password alike.
            auto e = protocol::code_of(err) == protocol::errc::unauthorized
                         ? make_api_error(error_code::unauthorized, "Invalid email or password.")
                         : from_domain_error(err);
            reply->send(error_response(e, reply->request_id()));
          });
}

void logout(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  auto token_hash = credential_of(req).hash;
  ctx.ask(ctx.svc.get(protocol::sessions_service), protocol::entity_atom::value, token_hash,
          caf::make_message(protocol::logout_atom::value))
      .then([reply](bool) { reply->send(response{204, {}, {}, {}}); }, answer_error(reply));
}

void me(edge_context& ctx, request& req, path_params&, reply_ptr reply) {
  reply->send(ok_response(200, me_json(*ctx.who), req.request_id));
}

}  // namespace

void add_users_routes(router& r) {
  r.post("/api/v2/users/register")
      .summary("Create an account (tier free, role user)", "users")
      .json_body()
      .rate_group("users.auth")
      .answers({201, 409, 422})
      .in_edge(register_user);
  r.post("/api/v2/users/login")
      .summary("Log in: a session token for Authorization: Bearer", "users")
      .json_body()
      .rate_group("users.auth")
      .answers({200, 401, 422})
      .in_edge(login);
  r.post("/api/v2/users/logout")
      .summary("End this session at once", "users")
      .auth(auth_mode::session)
      .rate_group("users")
      .answers({204})
      .in_edge(logout);
  r.get("/api/v2/users/me")
      .summary("Who is calling", "users")
      .auth(auth_mode::any)
      .rate_group("users")
      .answers({200})
      .in_edge(me);
}

}  // namespace delta::http
