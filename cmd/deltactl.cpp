// deltactl: the operator's command line. Talks to a node's HTTP API.
//   deltactl [--url URL] health|ready|detailed|metrics|openapi
#include <CLI/CLI.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <iostream>

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// GET url+path; prints the body; exit 0 for 2xx, 1 otherwise.
int get(const std::string& url, const std::string& path) {
  auto rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  auto colon = rest.find(':');
  auto host = rest.substr(0, colon);
  auto port = colon == std::string::npos ? std::string{"80"} : rest.substr(colon + 1);
  boost::asio::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(resolver.resolve(host, port));
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, path, 11};
  req.set(bhttp::field::host, host);
  req.set(bhttp::field::user_agent, "deltactl");
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  std::cout << res.body() << (res.body().empty() || res.body().back() == '\n' ? "" : "\n");
  return res.result_int() / 100 == 2 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"deltactl: operate Delta nodes"};
  std::string url = "http://127.0.0.1:8080";
  app.add_option("--url", url, "the node's base URL");
  std::string what;
  app.add_option("command", what, "health | ready | detailed | metrics | openapi")
      ->required()
      ->check(CLI::IsMember({"health", "ready", "detailed", "metrics", "openapi"}));
  CLI11_PARSE(app, argc, argv);
  const std::map<std::string, std::string> paths{{"health", "/health"},
                                                 {"ready", "/ready"},
                                                 {"detailed", "/health/detailed"},
                                                 {"metrics", "/metrics"},
                                                 {"openapi", "/openapi.json"}};
  try {
    return get(url, paths.at(what));
  } catch (const std::exception& e) {
    std::cerr << "deltactl: " << url << ": " << e.what() << "\n";
    return 1;
  }
}
