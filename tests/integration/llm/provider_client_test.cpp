// provider_client over real sockets: a real tools/llm-stub process (started
// per test on --port 0, its listening line read from stdout) and, for TLS, a
// real `openssl s_server` with a self-signed certificate made in a temp dir.
// No sleeps: every wait is a future or poll() with a bound.

#include "actors/llm/provider_client.hpp"

#include "actors/llm/base_url.hpp"
#include "actors/llm/retry_after.hpp"
#include "actors/llm/retry_policy.hpp"
#include "actors/llm/wire_anthropic.hpp"
#include "actors/llm/wire_openai.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#ifndef LLM_STUB_PATH
#define LLM_STUB_PATH "llm-stub"
#endif

namespace {

using namespace delta::llm;
using namespace std::chrono_literals;

// A child process whose stdout (and optionally stderr) we read line by line.
class child_process {
 public:
  child_process(std::vector<std::string> argv, bool merge_stderr = false) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      if (merge_stderr) ::dup2(fds[1], 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~child_process() { stop(); }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // The next stdout line, or nullopt at EOF / after `limit`.
  std::optional<std::string> read_line(std::chrono::milliseconds limit = 10s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      if (auto nl = pending_.find('\n'); nl != std::string::npos) {
        auto line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      auto n = ::read(out_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      pending_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // SIGTERM and reap; the exit status (or -1).
  int stop() {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    if (out_ >= 0) ::close(out_);
    out_ = -1;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return status_;
  }

  // Waits for a process that exits by itself.
  int wait() {
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    if (out_ >= 0) ::close(out_);
    out_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int status_ = -1;
  std::string pending_;
};

std::string stub_path() {
  if (const char* p = std::getenv("LLM_STUB"); p && *p) return p;
  return LLM_STUB_PATH;
}

// A running llm-stub: started with extra flags, its base URL parsed from the
// listening line.
struct stub {
  explicit stub(std::vector<std::string> flags = {}) {
    std::vector<std::string> argv{stub_path(), "--port", "0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    proc.emplace(argv);
    auto line = proc->read_line();
    if (!line) throw std::runtime_error("llm-stub did not print its listening line");
    std::smatch m;
    if (!std::regex_search(*line, m, std::regex(R"re("url":"(http://127\.0\.0\.1:\d+)")re")))
      throw std::runtime_error("unexpected llm-stub line: " + *line);
    url = m[1];
  }
  parsed_base_url openai() const { return *parse_base_url(url + "/v1"); }
  parsed_base_url anthropic() const { return *parse_base_url(url); }

  std::optional<child_process> proc;
  std::string url;
};

completion_request ask(std::string prompt, std::string model = "gpt-test") {
  completion_request r;
  r.model = std::move(model);
  r.messages.push_back({"user", std::move(prompt)});
  r.max_tokens = 64;
  return r;
}

// Posts and waits (bounded) for the one completion; counts invocations.
struct call_result {
  http_outcome outcome;
  int invocations = 0;
};

call_result call(provider_client& client, const parsed_base_url& ep, wire_request req,
                 std::chrono::milliseconds timeout = 5s) {
  auto count = std::make_shared<std::atomic<int>>(0);
  auto promise = std::make_shared<std::promise<http_outcome>>();
  auto future = promise->get_future();
  client.post(ep, std::move(req), timeout, [count, promise](http_outcome o) {
    if (count->fetch_add(1) == 0) promise->set_value(std::move(o));
  });
  if (future.wait_for(timeout + 10s) != std::future_status::ready)
    throw std::runtime_error("call did not complete");
  call_result r{future.get(), 0};
  r.invocations = count->load();
  return r;
}

const http_exchange_result& ok_result(const call_result& r) {
  if (auto* f = std::get_if<transport_failure>(&r.outcome))
    throw std::runtime_error("transport failure " + std::string(to_string(f->kind)) + ": " +
                             f->message);
  return std::get<http_exchange_result>(r.outcome);
}

const transport_failure& failure_of(const call_result& r) {
  if (auto* ok = std::get_if<http_exchange_result>(&r.outcome))
    throw std::runtime_error("expected a transport failure, got HTTP " +
                             std::to_string(ok->status));
  return std::get<transport_failure>(r.outcome);
}

struct started_client {
  explicit started_client(client_options o = {}) : client(std::move(o)) { client.start(); }
  provider_client client;
};

TEST(ProviderClient, OpenAiCallReturnsTheStubsAnswer) {
  stub s;
  started_client c;
  auto ep = s.openai();
  auto r = call(c.client, ep, encode_openai(ask("hello there"), ep.path_prefix, "sk-test"));
  auto& res = ok_result(r);
  EXPECT_EQ(r.invocations, 1);
  EXPECT_EQ(res.status, 200);
  auto decoded = decode_openai(res.status, res.body);
  ASSERT_TRUE(std::holds_alternative<completion_result>(decoded)) << res.body;
  auto& out = std::get<completion_result>(decoded);
  EXPECT_EQ(out.text, "stub answer to: hello there");
  EXPECT_TRUE(out.usage_reported);
  EXPECT_EQ(out.prompt_tokens, 2);
}

TEST(ProviderClient, AnthropicCallReturnsTheStubsAnswer) {
  stub s;
  started_client c;
  auto ep = s.anthropic();
  auto r =
      call(c.client, ep,
           encode_anthropic(ask("bonjour le monde", "claude-test"), ep.path_prefix, "ak-test"));
  auto& res = ok_result(r);
  EXPECT_EQ(res.status, 200);
  auto decoded = decode_anthropic(res.status, res.body);
  ASSERT_TRUE(std::holds_alternative<completion_result>(decoded)) << res.body;
  EXPECT_EQ(std::get<completion_result>(decoded).text, "stub answer to: bonjour le monde");
}

TEST(ProviderClient, SequentialCallsReuseOneConnection) {
  stub s;
  started_client c;
  auto ep = s.openai();
  for (int i = 0; i < 10; ++i) {
    auto r = call(c.client, ep, encode_openai(ask("q" + std::to_string(i)), ep.path_prefix, "k"));
    auto& res = ok_result(r);
    ASSERT_EQ(res.status, 200);
    EXPECT_EQ(res.reused_connection, i > 0);
    auto decoded = decode_openai(res.status, res.body);
    ASSERT_TRUE(std::holds_alternative<completion_result>(decoded));
    EXPECT_EQ(std::get<completion_result>(decoded).text, "stub answer to: q" + std::to_string(i));
  }
  auto st = c.client.stats();
  EXPECT_EQ(st.calls, 10);
  EXPECT_EQ(st.failures, 0);
  EXPECT_EQ(st.connections_opened, 1);
  EXPECT_EQ(st.reused, 9);
  ASSERT_EQ(st.endpoints.size(), 1u);
  EXPECT_EQ(st.endpoints[0].endpoint, s.url);
  EXPECT_EQ(st.endpoints[0].open, 1u);
  EXPECT_EQ(st.endpoints[0].idle, 1u);
}

TEST(ProviderClient, TwentyConcurrentCallsAllComplete) {
  stub s({"--threads", "2"});
  client_options o;
  o.threads = 2;
  started_client c(o);
  auto ep = s.openai();
  std::vector<std::future<http_outcome>> futures;
  std::atomic<int> invocations{0};
  for (int i = 0; i < 20; ++i) {
    auto p = std::make_shared<std::promise<http_outcome>>();
    futures.push_back(p->get_future());
    // Posted from several threads at once.
    std::thread([&, p, i] {
      c.client.post(ep, encode_openai(ask("c" + std::to_string(i)), ep.path_prefix, "k"), 5s,
                    [p, &invocations](http_outcome o) {
                      ++invocations;
                      p->set_value(std::move(o));
                    });
    }).join();
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(futures[i].wait_for(15s), std::future_status::ready);
    auto o = futures[i].get();
    ASSERT_TRUE(std::holds_alternative<http_exchange_result>(o));
    auto& res = std::get<http_exchange_result>(o);
    EXPECT_EQ(res.status, 200);
    auto decoded = decode_openai(res.status, res.body);
    ASSERT_TRUE(std::holds_alternative<completion_result>(decoded));
    EXPECT_EQ(std::get<completion_result>(decoded).text, "stub answer to: c" + std::to_string(i));
  }
  EXPECT_EQ(invocations.load(), 20);
  auto st = c.client.stats();
  EXPECT_EQ(st.calls, 20);
  EXPECT_EQ(st.failures, 0);
  ASSERT_EQ(st.endpoints.size(), 1u);
  EXPECT_LE(st.endpoints[0].idle, 8u);                    // max_connections_per_endpoint
  EXPECT_EQ(st.endpoints[0].open, st.endpoints[0].idle);  // nothing busy any more
}

TEST(ProviderClient, ManyConcurrentCallsOnOneThreadAllComplete) {
  stub s;
  started_client c;
  auto ep = s.openai();
  std::vector<std::shared_ptr<std::promise<http_outcome>>> promises;
  std::vector<std::future<http_outcome>> futures;
  for (int i = 0; i < 20; ++i) {
    promises.push_back(std::make_shared<std::promise<http_outcome>>());
    futures.push_back(promises.back()->get_future());
    c.client.post(ep, encode_openai(ask("p" + std::to_string(i)), ep.path_prefix, "k"), 5s,
                  [p = promises.back()](http_outcome o) { p->set_value(std::move(o)); });
  }
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(15s), std::future_status::ready);
    auto o = f.get();
    ASSERT_TRUE(std::holds_alternative<http_exchange_result>(o));
    EXPECT_EQ(std::get<http_exchange_result>(o).status, 200);
  }
}

TEST(ProviderClient, LatencyBeyondTheTimeoutFailsAsTimeout) {
  stub s({"--mode", "latency", "--latency-ms", "300"});
  started_client c;
  auto ep = s.openai();
  auto r = call(c.client, ep, encode_openai(ask("slow"), ep.path_prefix, "k"), 100ms);
  auto& f = failure_of(r);
  EXPECT_EQ(f.kind, transport_error::timeout) << f.message;
  EXPECT_EQ(r.invocations, 1);
  EXPECT_GE(f.elapsed, 100ms);
  auto cf = to_call_failure(f);
  EXPECT_EQ(cf.kind, failure_kind::timeout);
  EXPECT_TRUE(cf.retryable);
  EXPECT_TRUE(is_retryable(cf));
  // The timed-out connection was closed, not pooled.
  auto st = c.client.stats();
  ASSERT_EQ(st.endpoints.size(), 1u);
  EXPECT_EQ(st.endpoints[0].open, 0u);
}

TEST(ProviderClient, HangingServerIsCutAtTheTimeout) {
  stub s({"--mode", "hang"});
  started_client c;
  auto ep = s.anthropic();
  auto r =
      call(c.client, ep, encode_anthropic(ask("hang?", "claude-test"), ep.path_prefix, "k"), 200ms);
  auto& f = failure_of(r);
  EXPECT_EQ(f.kind, transport_error::timeout) << f.message;
  EXPECT_EQ(r.invocations, 1);
  EXPECT_EQ(c.client.stats().failures, 1);
}

TEST(ProviderClient, Http500IsAResultNotATransportFailure) {
  stub s({"--mode", "error500"});
  started_client c;
  auto ep = s.openai();
  auto r = call(c.client, ep, encode_openai(ask("boom"), ep.path_prefix, "k"));
  auto& res = ok_result(r);
  EXPECT_EQ(res.status, 500);
  auto decoded = decode_openai(res.status, res.body);
  ASSERT_TRUE(std::holds_alternative<call_failure>(decoded));
  auto& cf = std::get<call_failure>(decoded);
  EXPECT_EQ(cf.kind, failure_kind::http_status);
  EXPECT_EQ(cf.status, 500);
  EXPECT_TRUE(cf.retryable);
  EXPECT_EQ(c.client.stats().failures, 0);
}

TEST(ProviderClient, RateLimitGives429WithRetryAfter) {
  stub s({"--mode", "ratelimit", "--retry-after", "7"});
  started_client c;
  auto ep = s.openai();
  auto r = call(c.client, ep, encode_openai(ask("too many"), ep.path_prefix, "k"));
  auto& res = ok_result(r);
  EXPECT_EQ(res.status, 429);
  ASSERT_TRUE(res.retry_after.has_value());
  EXPECT_EQ(*res.retry_after, "7");
  auto ra = parse_retry_after(*res.retry_after, std::chrono::system_clock::now());
  auto decoded = decode_openai(res.status, res.body, ra);
  ASSERT_TRUE(std::holds_alternative<call_failure>(decoded));
  auto& cf = std::get<call_failure>(decoded);
  EXPECT_EQ(cf.status, 429);
  ASSERT_TRUE(cf.retry_after.has_value());
  EXPECT_EQ(*cf.retry_after, 7s);
}

TEST(ProviderClient, TruncatedBodyFailsAsTruncated) {
  stub s({"--mode", "truncated"});
  started_client c;
  auto ep = s.openai();
  auto r = call(c.client, ep, encode_openai(ask("cut me"), ep.path_prefix, "k"));
  auto& f = failure_of(r);
  EXPECT_EQ(f.kind, transport_error::truncated) << f.message;
  EXPECT_EQ(f.status, 200);
  auto cf = to_call_failure(f);
  EXPECT_EQ(cf.kind, failure_kind::invalid_body);
  EXPECT_FALSE(cf.retryable);
}

TEST(ProviderClient, BodyOverTheLimitFailsAsTooLarge) {
  stub s;
  client_options o;
  o.max_response_bytes = 16;
  started_client c(o);
  auto ep = s.openai();
  auto r = call(c.client, ep, encode_openai(ask("a long enough answer"), ep.path_prefix, "k"));
  auto& f = failure_of(r);
  EXPECT_EQ(f.kind, transport_error::too_large) << f.message;
  EXPECT_EQ(to_call_failure(f).kind, failure_kind::invalid_body);
}

TEST(ProviderClient, RefusedConnectionFailsAsConnectError) {
  // A port that is bound but not listening: connecting is refused.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto port = ntohs(addr.sin_port);

  started_client c;
  auto ep = *parse_base_url("http://127.0.0.1:" + std::to_string(port) + "/v1");
  auto r = call(c.client, ep, encode_openai(ask("anyone?"), ep.path_prefix, "k"));
  ::close(fd);
  auto& f = failure_of(r);
  EXPECT_EQ(f.kind, transport_error::connect) << f.message;
  auto cf = to_call_failure(f);
  EXPECT_EQ(cf.kind, failure_kind::connect_error);
  EXPECT_TRUE(cf.retryable);
  auto st = c.client.stats();
  ASSERT_EQ(st.endpoints.size(), 1u);
  EXPECT_EQ(st.endpoints[0].open, 0u);
}

TEST(ProviderClient, LocalhostIsResolved) {
  stub s;
  started_client c;
  auto port = s.url.substr(s.url.rfind(':') + 1);
  auto ep = *parse_base_url("http://localhost:" + port + "/v1");
  auto r = call(c.client, ep, encode_openai(ask("by name"), ep.path_prefix, "k"));
  // localhost may resolve to ::1 first; the stub listens on 127.0.0.1 only,
  // and async_connect tries every address.
  EXPECT_EQ(ok_result(r).status, 200);
}

TEST(ProviderClient, ServerRestartedOnAnotherPortIsReachedByItsNewUrl) {
  started_client c;
  std::string first_url;
  {
    stub s;
    first_url = s.url;
    auto ep = s.openai();
    EXPECT_EQ(ok_result(call(c.client, ep, encode_openai(ask("one"), ep.path_prefix, "k"))).status,
              200);
    EXPECT_EQ(s.proc->stop(), 0);
  }
  // The old endpoint is gone: its pooled connection is stale and the one
  // retry on a fresh connection is refused.
  auto old_ep = *parse_base_url(first_url + "/v1");
  auto gone = call(c.client, old_ep, encode_openai(ask("two"), old_ep.path_prefix, "k"));
  auto& f = failure_of(gone);
  EXPECT_TRUE(f.kind == transport_error::connect || f.kind == transport_error::no_response)
      << to_string(f.kind) << ": " << f.message;
  EXPECT_EQ(c.client.stats().stale_retries, 1);

  stub again;
  auto ep = again.openai();
  EXPECT_EQ(ok_result(call(c.client, ep, encode_openai(ask("three"), ep.path_prefix, "k"))).status,
            200);
}

// A minimal HTTP/1.1 server on a thread that answers each connection's first
// request with keep-alive and then closes that connection: the client's
// pooled connection is stale on its next use.
class closing_server {
 public:
  closing_server() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~closing_server() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::uint16_t port = 0;
  std::atomic<int> accepted{0};

 private:
  void run() {
    for (;;) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++accepted;
      std::string in;
      char buf[4096];
      // Read the header and the Content-Length body.
      for (;;) {
        auto n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        auto end = in.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        auto cl = in.find("Content-Length: ");
        std::size_t body = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
        if (in.size() >= end + 4 + body) break;
      }
      std::string answer = "{\"n\":" + std::to_string(accepted.load()) + "}";
      std::string out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(answer.size()) + "\r\n\r\n" + answer;
      (void)::write(c, out.data(), out.size());
      ::close(c);  // without "Connection: close": the client keeps it idle
    }
  }
  int fd_ = -1;
  std::thread thread_;
};

TEST(ProviderClient, StaleIdleConnectionIsRetriedOnceOnAFreshOne) {
  closing_server server;
  started_client c;
  auto ep = *parse_base_url("http://127.0.0.1:" + std::to_string(server.port));
  wire_request req{"/x", {}, "{}"};
  auto first = call(c.client, ep, req);
  EXPECT_EQ(ok_result(first).body, "{\"n\":1}");
  // The server closed the kept-alive connection after answering: the next
  // call finds it stale, and is sent again on a new connection.
  auto second = call(c.client, ep, req);
  auto& res = ok_result(second);
  EXPECT_EQ(res.body, "{\"n\":2}");
  EXPECT_FALSE(res.reused_connection);
  auto st = c.client.stats();
  EXPECT_EQ(st.stale_retries, 1);
  EXPECT_EQ(st.connections_opened, 2);
  EXPECT_EQ(server.accepted.load(), 2);
}

TEST(ProviderClient, StopCompletesPendingCallsOnceWithStopped) {
  stub s({"--mode", "hang"});
  auto client = std::make_unique<provider_client>(client_options{});
  client->start();
  auto ep = s.openai();
  auto count = std::make_shared<std::atomic<int>>(0);
  auto p = std::make_shared<std::promise<http_outcome>>();
  auto fut = p->get_future();
  // Pending (queued or sent to the hanging stub) when stop() runs.
  client->post(ep, encode_openai(ask("wait"), ep.path_prefix, "k"), 60s,
               [count, p](http_outcome o) {
                 if (count->fetch_add(1) == 0) p->set_value(std::move(o));
               });
  client->stop();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  auto o = fut.get();
  ASSERT_TRUE(std::holds_alternative<transport_failure>(o));
  EXPECT_EQ(std::get<transport_failure>(o).kind, transport_error::stopped);
  client.reset();
  EXPECT_EQ(count->load(), 1);

  // After stop: done runs at once with stopped.
  provider_client stopped;
  stopped.start();
  stopped.stop();
  int calls = 0;
  transport_error kind = transport_error::connect;
  stopped.post(ep, encode_openai(ask("late"), ep.path_prefix, "k"), 1s, [&](http_outcome o) {
    ++calls;
    kind = std::get<transport_failure>(o).kind;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(kind, transport_error::stopped);
}

// --- TLS against `openssl s_server` ------------------------------------------

struct tls_fixture {
  tls_fixture() {
    char tmpl[] = "/tmp/delta-tls-XXXXXX";
    dir = ::mkdtemp(tmpl);
    cert = dir + "/cert.pem";
    key = dir + "/key.pem";
    child_process gen({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                       "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                       "-addext", "subjectAltName=DNS:localhost"},
                      true);
    if (gen.wait() != 0) throw std::runtime_error("openssl req failed");
  }
  ~tls_fixture() { std::filesystem::remove_all(dir); }

  // One s_server accepting one connection; returns its port.
  std::uint16_t start_server() {
    server.emplace(
        std::vector<std::string>{"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                                 cert, "-key", key, "-www", "-naccept", "1",
                                 // Checks SNI: a handshake naming another host (or none) is
                                 // refused, and the name received is printed.
                                 "-servername", "localhost", "-cert2", cert, "-key2", key,
                                 "-servername_fatal"},
        true);
    for (;;) {
      auto line = server->read_line();
      if (!line) throw std::runtime_error("s_server did not start");
      std::smatch m;
      if (std::regex_search(*line, m, std::regex(R"(ACCEPT .*:(\d+))")))
        return static_cast<std::uint16_t>(std::stoi(m[1]));
    }
  }

  std::string dir, cert, key;
  std::optional<child_process> server;
};

TEST(ProviderClientTls, UntrustedCertificateFailsAsTlsErrorNotAHang) {
  tls_fixture tls;
  auto port = tls.start_server();
  started_client c;  // verification on, system trust store
  auto ep = *parse_base_url("https://localhost:" + std::to_string(port));
  ASSERT_TRUE(ep.tls);
  auto r = call(c.client, ep, wire_request{"/v1/messages", {}, "{}"}, 5s);
  auto& f = failure_of(r);
  EXPECT_EQ(f.kind, transport_error::tls) << f.message;
  EXPECT_NE(f.message.find("certificate verify failed"), std::string::npos) << f.message;
  EXPECT_EQ(to_call_failure(f).kind, failure_kind::connect_error);
}

TEST(ProviderClientTls, WrongHostNameFailsEvenWithTheCaTrusted) {
  tls_fixture tls;
  auto port = tls.start_server();
  client_options o;
  o.ca_file = tls.cert;
  started_client c(o);
  // The certificate names "localhost", not 127.0.0.1.
  auto ep = *parse_base_url("https://127.0.0.1:" + std::to_string(port));
  auto r = call(c.client, ep, wire_request{"/v1/messages", {}, "{}"}, 5s);
  auto& f = failure_of(r);
  EXPECT_EQ(f.kind, transport_error::tls) << f.message;
}

TEST(ProviderClientTls, TrustedCaAndMatchingHostNamePassTheHandshake) {
  tls_fixture tls;
  auto port = tls.start_server();
  client_options o;
  o.ca_file = tls.cert;
  started_client c(o);
  auto ep = *parse_base_url("https://localhost:" + std::to_string(port));
  auto r = call(c.client, ep, wire_request{"/v1/messages", {}, "{}"}, 1500ms);
  // s_server -www answers only GET: after a successful handshake it never
  // answers our POST (or closes without a response). Either way the
  // certificate chain, the host name and SNI were accepted and the request
  // was written: the failure is not a TLS one, and a timeout happened while
  // waiting for the response, past the handshake.
  if (auto* f = std::get_if<transport_failure>(&r.outcome)) {
    EXPECT_NE(f->kind, transport_error::tls) << f->message;
    if (f->kind == transport_error::timeout)
      EXPECT_NE(f->message.find("waiting for the response"), std::string::npos) << f->message;
    else
      EXPECT_EQ(f->kind, transport_error::no_response) << f->message;
  }
  // The server saw SNI "localhost".
  bool sni_seen = false;
  while (auto line = tls.server->read_line(5s)) {
    if (line->find(R"(Hostname in TLS extension: "localhost")") != std::string::npos) {
      sni_seen = true;
      break;
    }
  }
  EXPECT_TRUE(sni_seen);
}

TEST(ProviderClientTls, UnreadableCaFileIsRejectedAtConstruction) {
  client_options o;
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_ANY_THROW(provider_client{o});
}

}  // namespace
