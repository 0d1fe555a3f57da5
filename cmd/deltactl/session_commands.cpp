// login, logout: the credential deltactl keeps per node (credentials_file).
// `login --email E` opens a session (POST /api/v2/users/login) and keeps its
// token; `login --api-key K` (or --token T) keeps a credential after
// checking it with GET /api/v2/users/me. Nothing here prints a secret.
#include "cmd/deltactl/api_client.hpp"
#include "cmd/deltactl/command_line.hpp"
#include "cmd/deltactl/credentials_file.hpp"
#include "cmd/deltactl/failure.hpp"
#include "cmd/deltactl/json_field.hpp"
#include "cmd/deltactl/output.hpp"
#include "cmd/deltactl/password_input.hpp"

#include <boost/json.hpp>

#include <memory>

namespace delta::ctl {

namespace json = boost::json;

namespace {

const route login_route{"POST", "/api/v2/users/login"};
const route me_route{"GET", "/api/v2/users/me"};
const route logout_route{"POST", "/api/v2/users/logout"};

struct login_args {
  std::string email;
};

std::string text(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : std::string{}; }

std::string who_text(const json::value& user) {
  return text(field(user, "email")) + " (role " + text(field(user, "role")) + ", tier " +
         text(field(user, "tier")) + ")";
}

void keep(const api_client& api, credential c) {
  auto file = credentials_file::from_environment();
  auto store = file.load();
  store.put(api.where().canonical(), std::move(c));
  file.save(store);
}

int login_with_password(const global_options& opts, const std::string& email) {
  api_client api{opts};
  auto password = read_password("Password for " + email + " at " + api.where().canonical() + ": ");
  auto answer = api.call({login_route, {}, {}, json::object{{"email", email}, {"password", password}}});
  auto& data = answer.data;
  keep(api, {credential::kind::session, text(field(data, "token")), email, text(field(data, "expires_at"))});
  json::object shown{{"user", field(data, "user")}, {"expires_at", field(data, "expires_at")}};
  print_answer(opts, shown, [&] {
    return "Logged in to " + api.where().canonical() + " as " + who_text(field(data, "user")) +
           "; the session expires at " + text(field(data, "expires_at")) + ".\n";
  });
  return 0;
}

// --api-key or --token: kept once the node accepts it.
int login_with_credential(const global_options& opts) {
  api_client api{opts};
  auto c = api.credential_or_fail();
  auto me = api.authenticated().call({me_route, {}, {}, {}}).data;
  c.email = text(field(me, "email"));
  keep(api, c);
  print_answer(opts, me, [&] {
    auto what = c.type == credential::kind::api_key ? "an API key" : "a session token";
    return "Logged in to " + api.where().canonical() + " with " + what + " of " + who_text(me) + ".\n";
  });
  return 0;
}

int login(const global_options& opts, const login_args& args) {
  int given = !args.email.empty() + !opts.api_key.empty() + !opts.token.empty();
  if (given != 1) throw failure(exit_code::usage, "login needs exactly one of --email, --api-key or --token");
  return args.email.empty() ? login_with_credential(opts) : login_with_password(opts, args.email);
}

void end_session(const global_options& opts, const credential& c) {
  global_options with_token = opts;
  with_token.token = c.secret;
  with_token.api_key.clear();
  api_client api{with_token};
  try {
    api.authenticated().call({logout_route, {}, {}, {}});
  } catch (const failure& f) {
    if (f.api_code() == "unauthorized") return;  // it had ended (logged out elsewhere, or expired)
    auto until = c.expires_at.empty() ? std::string{} : " until " + c.expires_at;
    throw failure(f.code(),
                  std::string(f.what()) + "\nThe token is forgotten here, but the session may live on" + until + ".",
                  f.api_code());
  }
}

// Forgets the credential here first (a logout must not leave a token on
// disk, whatever the node says), then ends the session on the node: a 401
// means it had ended already. An API key is only forgotten: it stays valid
// until revoked.
int logout(const global_options& opts) {
  api_client api{opts};
  auto file = credentials_file::from_environment();
  auto store = file.load();
  auto* stored = store.find(api.where().canonical());
  if (!stored) throw failure(exit_code::not_logged_in, "not logged in to " + api.where().canonical());
  auto c = *stored;
  store.erase(api.where().canonical());
  file.save(store);
  if (c.type == credential::kind::session) end_session(opts, c);
  print_answer(opts, nullptr, [&] {
    if (c.type == credential::kind::session) return "Logged out of " + api.where().canonical() + ".\n";
    return "Forgot the API key for " + api.where().canonical() +
           "; the key stays valid until revoked (deltactl keys revoke KEY_ID).\n";
  });
  return 0;
}

}  // namespace

void add_session_commands(CLI::App& app, command_line& cl) {
  auto args = std::make_shared<login_args>();
  auto* in = app.add_subcommand("login", "log in to the node and keep the credential (0600 file, per URL)")
                 ->group("Session");
  in->add_option("--email", args->email, "log in as this user; the password is read from stdin or prompted");
  in->footer(
      "With --email, the password is prompted without echo, or read from stdin's first line.\n"
      "With --api-key KEY or --token TOKEN (global options), that credential is checked\n"
      "(GET /api/v2/users/me) and kept. Credentials: $XDG_CONFIG_HOME/delta/credentials\n"
      "(default ~/.config/delta/credentials), keyed by --url.\n"
      "Global options (--url, --token, --api-key, --json, --timeout) and exit codes: deltactl --help");
  run_on(in, cl, args, login);

  auto* out = app.add_subcommand("logout", "end the session (POST /api/v2/users/logout) and forget the credential")
                  ->group("Session");
  run_on(out, cl, logout);
}

}  // namespace delta::ctl
