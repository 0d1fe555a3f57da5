#include "http/wire.hpp"

#include <gtest/gtest.h>

using namespace delta::http;

TEST(Wire, WritesStatusLineFixedAndRouteHeadersLengthAndBody) {
  response res{200, R"({"status":"ok"})", "application/json", {{"Allow", "GET"}}};
  auto wire = serialize_response(res, {{"X-Request-ID", "abc"}}, true);
  EXPECT_EQ(wire,
            "HTTP/1.1 200 OK\r\n"
            "X-Request-ID: abc\r\n"
            "Allow: GET\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 15\r\n"
            "\r\n"
            R"({"status":"ok"})");
}

TEST(Wire, SaysConnectionCloseWhenTheConnectionEnds) {
  response res{503, "{}", "application/json", {}};
  auto wire = serialize_response(res, {}, false);
  EXPECT_NE(wire.find("HTTP/1.1 503 Service Unavailable\r\n"), std::string::npos);
  EXPECT_NE(wire.find("Connection: close\r\n\r\n{}"), std::string::npos);
}

TEST(Wire, SendsNeitherBodyNorLengthFor204) {
  response res{204, "ignored", "application/json", {}};
  auto wire = serialize_response(res, {{"Server", "deltad"}}, true);
  EXPECT_EQ(wire, "HTTP/1.1 204 No Content\r\nServer: deltad\r\n\r\n");
}

TEST(Wire, KnowsTheReasonOfEveryStatusTheApiUses) {
  for (int status : {200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 431,
                     500, 503})
    EXPECT_NE(reason_phrase(status), "Unknown") << status;
}
