// delta_ceiling — the HTTP ceiling of this machine.
//
//   delta_ceiling [PORT [THREADS]]        defaults: 18081, 1
//
// A minimal Boost.Beast HTTP/1.1 server with no actors and no routing: every
// request, whatever its method and target, gets 200 {"status":"ok"} as
// application/json, with keep-alive honoured. Async throughout: the acceptor
// runs on a strand of the io_context, each connection gets its own strand and
// a session that loops http::async_read -> one net::async_write of a prebuilt
// response (the cheapest correct answer: Beast's generic serializer costs more
// than everything else a small response needs). THREADS threads run the
// io_context. Listens on 127.0.0.1 only. SIGINT/SIGTERM stop it.
//
// bench/run measures deltad's GET /health against this: the gap between the
// two is what the actor layer, routing and middleware cost.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::string_view kKeepAlive =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}";
constexpr std::string_view kClose =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n"
    "Connection: close\r\n\r\n{\"status\":\"ok\"}";

class session : public std::enable_shared_from_this<session> {
public:
    explicit session(tcp::socket&& socket) : stream_(std::move(socket)) {}

    void run() {
        // Start on the connection's strand.
        net::dispatch(stream_.get_executor(),
                      beast::bind_front_handler(&session::do_read, shared_from_this()));
    }

private:
    void do_read() {
        req_ = {};
        http::async_read(stream_, buffer_, req_,
                         beast::bind_front_handler(&session::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) {  // end_of_stream, reset, ... : the client is gone
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            return;
        }
        keep_alive_ = req_.keep_alive();
        auto wire = keep_alive_ ? kKeepAlive : kClose;
        net::async_write(stream_, net::buffer(wire.data(), wire.size()),
                         beast::bind_front_handler(&session::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t) {
        if (ec) return;
        if (!keep_alive_) {
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            return;
        }
        do_read();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> req_;
    bool keep_alive_ = true;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::io_context& ioc, const tcp::endpoint& ep)
        : ioc_(ioc), acceptor_(net::make_strand(ioc)) {
        acceptor_.open(ep.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen(net::socket_base::max_listen_connections);
    }

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
            std::make_shared<session>(std::move(socket))->run();
        }
        do_accept();
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
};

bool parse_int(const char* s, int lo, int hi, int& out) {
    std::string_view v(s);
    int x = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc{} || p != v.data() + v.size() || x < lo || x > hi) return false;
    out = x;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    int port = 18081;
    int threads = 1;
    if (argc > 3 || (argc > 1 && !parse_int(argv[1], 1, 65535, port)) ||
        (argc > 2 && !parse_int(argv[2], 1, 64, threads))) {
        std::fprintf(stderr, "usage: %s [PORT (1..65535, default 18081) [THREADS (1..64, default 1)]]\n",
                     argv[0]);
        return 2;
    }

    try {
        net::io_context ioc{threads};
        auto ep = tcp::endpoint{net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)};
        std::make_shared<listener>(ioc, ep)->run();

        net::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&ioc](const beast::error_code&, int) { ioc.stop(); });

        std::fprintf(stderr, "delta_ceiling: listening on http://127.0.0.1:%d with %d thread(s)\n", port,
                     threads);
        std::vector<std::thread> pool;
        pool.reserve(static_cast<std::size_t>(threads - 1));
        for (int i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
        ioc.run();
        for (auto& t : pool) t.join();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "delta_ceiling: %s\n", e.what());
        return 1;
    }
    return 0;
}
