// llm-stub — a deterministic fake LLM provider for tests, benchmarks and the
// offline demo.
//
//   llm-stub [--port P] [--threads N] [--mode M] [--latency-ms N] [--retry-after S]
//
// An HTTP/1.1 server on Boost.Beast (async, keep-alive, a strand per
// connection, one buffer per response, N threads running the io_context),
// listening on 127.0.0.1:P. --port 0 (the default) picks a free port. When it
// is ready it prints one JSON line on stdout, flushed:
//   {"message":"listening","url":"http://127.0.0.1:PORT"}
// SIGINT/SIGTERM stop it; it exits 0.
//
// Routes
//   POST /v1/chat/completions  OpenAI chat completions (openai, openai_compat,
//                              ollama, vllm). Needs Authorization: Bearer <x>.
//   POST /v1/messages          Anthropic Messages API. Needs x-api-key and
//                              anthropic-version.
//   GET  /_control             settings + counters (requests by path, by outcome)
//   POST /_control             {"mode", "latency_ms", "retry_after", "fail_next",
//                              "models": {name: {mode, latency_ms, retry_after} | null},
//                              "reset_counters": true}; answers like GET.
// Answers, JSON mode and the token rule: see answers.hpp. The fault decision
// (per-model override, fail_next): see control.hpp. Credentials and the body
// are checked first (401/400 never consume fail_next), then the mode applies:
//   ok            200 with the answer
//   latency       the answer after latency_ms (an asio timer, no thread blocks)
//   error500      500 with the provider's error body
//   ratelimit     429 with Retry-After: retry_after and the provider's error body
//   hang          nothing is ever written; the connection stays open until the
//                 client closes it
//   invalid_json  200 whose text is not valid JSON when JSON was asked (the
//                 normal text otherwise)
//   truncated     200 whose Content-Length promises the whole body, only half
//                 of it is sent, then the connection is closed
// Other paths: 404; other methods: 405 (OpenAI error shape on unknown paths).
// "Expect: 100-continue" gets its interim 100. "stream": true is ignored (the
// answer is never streamed). Request bodies over 8 MiB close the connection.
//
// Tested by tests/e2e/test_llm_stub.py (ctest -R e2e.llm_stub).

#include "answers.hpp"
#include "control.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace llm_stub;

namespace {

constexpr std::size_t kBodyLimit = 8 * 1024 * 1024;

std::string build_wire(const reply& r, bool keep_alive, std::size_t content_length) {
    std::string w;
    w.reserve(160 + r.body.size());
    w += "HTTP/1.1 ";
    w += std::to_string(r.status);
    w += ' ';
    auto reason = http::obsolete_reason(http::int_to_status(r.status));
    w.append(reason.data(), reason.size());
    w += "\r\nContent-Type: application/json\r\nContent-Length: ";
    w += std::to_string(content_length);
    w += "\r\n";
    for (auto& [k, v] : r.headers) w += k + ": " + v + "\r\n";
    if (!keep_alive) w += "Connection: close\r\n";
    w += "\r\n";
    w += r.body;
    return w;
}

class session : public std::enable_shared_from_this<session> {
public:
    session(tcp::socket&& socket, controller& ctl)
        : stream_(std::move(socket)), ctl_(ctl), timer_(stream_.get_executor()) {}

    void run() {
        net::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::do_read, shared_from_this()));
    }

private:
    void do_read() {
        parser_.emplace();
        parser_->body_limit(kBodyLimit);
        http::async_read_header(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&session::on_header, shared_from_this()));
    }

    // curl sends "Expect: 100-continue" with bodies over 1 KiB and waits a
    // second for the interim answer: give it, then read the body.
    void on_header(beast::error_code ec, std::size_t) {
        if (ec) return close();
        if (beast::iequals(parser_->get()[http::field::expect], "100-continue") && !parser_->is_done()) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                        if (ec) return self->close();
                                        self->read_body();
                                    });
        }
        read_body();
    }

    void read_body() {
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) {  // end_of_stream, reset, malformed HTTP, body too large: close
            close();
            return;
        }
        auto& req = parser_->get();
        keep_alive_ = req.keep_alive();
        std::string_view target = req.target();
        std::string_view path = target.substr(0, target.find('?'));

        if (path == "/_control") {
            ctl_.count_path(path);
            return handle_control(req);
        }
        wire w;
        if (path == "/v1/chat/completions") w = wire::openai;
        else if (path == "/v1/messages") w = wire::anthropic;
        else {
            ctl_.count_path("other");
            ctl_.count_outcome("not_found");
            return send(error(wire::openai, error_kind::not_found, "Unknown path."));
        }
        ctl_.count_path(path);
        if (req.method() != http::verb::post) {
            ctl_.count_outcome("method_not_allowed");
            auto r = error(w, error_kind::method_not_allowed, "Only POST is allowed here.");
            r.headers.emplace_back("Allow", "POST");
            return send(std::move(r));
        }
        if (auto denied = check_auth(w, req[http::field::authorization], req["x-api-key"],
                                     req["anthropic-version"])) {
            ctl_.count_outcome(denied->status == 401 ? "unauthorized" : "bad_request");
            return send(std::move(*denied));
        }
        auto parsed = parse_request(w, req.body());
        if (auto* bad = std::get_if<reply>(&parsed)) {
            ctl_.count_outcome("bad_request");
            return send(std::move(*bad));
        }
        auto& cr = std::get<chat_request>(parsed);
        fault f = ctl_.decide(cr.model);
        ctl_.count_outcome(mode_name(f.m));
        switch (f.m) {
            case mode::ok: return send(success(cr, false));
            case mode::invalid_json: return send(success(cr, true));
            case mode::error500:
                return send(error(w, error_kind::server_error, "The stub was told to fail (mode error500)."));
            case mode::ratelimit:
                return send(error(w, error_kind::rate_limited, "Rate limit reached (stub mode ratelimit).",
                                  f.retry_after));
            case mode::truncated: return send(success(cr, false), /*truncate=*/true);
            case mode::hang: return hang();
            case mode::latency: {
                timer_.expires_after(std::chrono::milliseconds(f.latency_ms));
                timer_.async_wait([self = shared_from_this(), r = success(cr, false)](beast::error_code ec) mutable {
                    if (ec) return;
                    self->send(std::move(r));
                });
                return;
            }
        }
    }

    void handle_control(const http::request<http::string_body>& req) {
        if (req.method() == http::verb::post) {
            if (auto err = ctl_.apply(req.body())) {
                reply r;
                r.status = 400;
                r.body = boost::json::serialize(boost::json::object{{"error", *err}});
                return send(std::move(r));
            }
        } else if (req.method() != http::verb::get) {
            reply r;
            r.status = 405;
            r.headers.emplace_back("Allow", "GET, POST");
            r.body = R"({"error":"only GET and POST are allowed on /_control"})";
            return send(std::move(r));
        }
        reply r;
        r.body = boost::json::serialize(ctl_.snapshot());
        send(std::move(r));
    }

    void send(reply r, bool truncate = false) {
        if (truncate) keep_alive_ = false;
        wire_ = build_wire(r, keep_alive_, r.body.size());
        std::size_t n = wire_.size();
        if (truncate) n -= r.body.size() - r.body.size() / 2;  // promise all, send half
        net::async_write(stream_, net::buffer(wire_.data(), n),
                         beast::bind_front_handler(&session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec || !keep_alive_) return close();
        do_read();
    }

    // Never answer. Keep reading so that the client's close (EOF/reset) ends
    // the session; anything read (a pipelined request) is ignored.
    void hang() {
        parser_.emplace();
        parser_->body_limit(kBodyLimit);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->close();
                             self->hang();
                         });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
    }

    beast::tcp_stream stream_;
    controller& ctl_;
    net::steady_timer timer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::string wire_;
    bool keep_alive_ = true;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::io_context& ioc, const tcp::endpoint& ep, controller& ctl)
        : ioc_(ioc), acceptor_(net::make_strand(ioc)), ctl_(ctl) {
        acceptor_.open(ep.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(net::socket_base::max_listen_connections);
    }

    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    void run() { do_accept(); }

private:
    void do_accept() {
        acceptor_.async_accept(net::make_strand(ioc_),
                               beast::bind_front_handler(&listener::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted) return;
        if (!ec) {
            socket.set_option(tcp::no_delay(true), ec);
            std::make_shared<session>(std::move(socket), ctl_)->run();
        }
        do_accept();
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    controller& ctl_;
};

bool parse_int(std::string_view v, int lo, int hi, int& out) {
    int x = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc{} || p != v.data() + v.size() || x < lo || x > hi) return false;
    out = x;
    return true;
}

int usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s [--port P (0..65535, default 0 = any free port)] [--threads N (1..64, default 1)]\n"
                 "       [--mode ok|latency|error500|ratelimit|hang|invalid_json|truncated]\n"
                 "       [--latency-ms N (default 0)] [--retry-after S (default 1)]\n",
                 argv0);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0, threads = 1;
    fault initial;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            usage(argv[0]);
            return 0;
        }
        if (i + 1 >= argc) return usage(argv[0]);
        std::string_view v = argv[++i];
        bool ok = true;
        if (a == "--port") ok = parse_int(v, 0, 65535, port);
        else if (a == "--threads") ok = parse_int(v, 1, 64, threads);
        else if (a == "--latency-ms") ok = parse_int(v, 0, 3'600'000, initial.latency_ms);
        else if (a == "--retry-after") ok = parse_int(v, 0, 86400, initial.retry_after);
        else if (a == "--mode") {
            auto m = parse_mode(v);
            ok = m.has_value();
            if (m) initial.m = *m;
        } else ok = false;
        if (!ok) {
            std::fprintf(stderr, "llm-stub: bad argument %s %s\n", std::string(a).c_str(), std::string(v).c_str());
            return usage(argv[0]);
        }
    }

    try {
        controller ctl(initial);
        net::io_context ioc{threads};
        auto ep = tcp::endpoint{net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)};
        auto l = std::make_shared<listener>(ioc, ep, ctl);
        l->run();

        net::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&ioc](const beast::error_code&, int) { ioc.stop(); });

        std::printf("{\"message\":\"listening\",\"url\":\"http://127.0.0.1:%u\"}\n", unsigned(l->port()));
        std::fflush(stdout);
        std::vector<std::thread> pool;
        pool.reserve(static_cast<std::size_t>(threads - 1));
        for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
        ioc.run();
        for (auto& t : pool) t.join();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "llm-stub: %s\n", e.what());
        return 1;
    }
    return 0;
}
