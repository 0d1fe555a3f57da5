// telemetry/metrics_registry.hpp: metric values and the Prometheus text format.
#include "telemetry/metrics_registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

using namespace delta::telemetry;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in{text};
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

}  // namespace

TEST(Counter, CountsUp) {
  counter c;
  EXPECT_EQ(c.value(), 0u);
  c.inc();
  c.inc(41);
  EXPECT_EQ(c.value(), 42u);
}

TEST(Gauge, SetsAndAdds) {
  gauge g;
  g.set(10);
  g.add(2.5);
  g.add(-4);
  EXPECT_DOUBLE_EQ(g.value(), 8.5);
}

TEST(Histogram, CountsObservationsIntoCumulativeBuckets) {
  histogram h{{0.1, 1.0, 10.0}};
  for (double v : {0.05, 0.1, 0.5, 2.0, 50.0}) h.observe(v);
  EXPECT_EQ(h.cumulative_counts(), (std::vector<std::uint64_t>{2, 3, 4, 5}));
  EXPECT_EQ(h.count(), 5u);
  EXPECT_NEAR(h.sum(), 52.65, 1e-6);
}

TEST(Family, ReturnsTheSameMetricForTheSameLabels) {
  metrics_registry r;
  auto& f = r.counter_family("x_total", "x");
  auto& a = f.with({{"route", "/a"}});
  a.inc();
  EXPECT_EQ(&f.with({{"route", "/a"}}), &a);
  EXPECT_NE(&f.with({{"route", "/b"}}), &a);
  EXPECT_EQ(&r.counter_family("x_total", "x"), &f);
}

TEST(MetricsRegistry, RendersCountersWithHelpTypeAndLabels) {
  metrics_registry r;
  auto& f = r.counter_family("delta_http_requests_total", "HTTP requests");
  f.with({{"method", "GET"}, {"status", "200"}}).inc(3);
  f.with({}).inc();
  auto text = r.render();
  EXPECT_TRUE(has_line(text, "# HELP delta_http_requests_total HTTP requests")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE delta_http_requests_total counter")) << text;
  EXPECT_TRUE(has_line(text, R"(delta_http_requests_total{method="GET",status="200"} 3)")) << text;
  EXPECT_TRUE(has_line(text, "delta_http_requests_total 1")) << text;
}

TEST(MetricsRegistry, RendersGauges) {
  metrics_registry r;
  r.gauge_family("delta_db_pool_size", "Pool size").with({}).set(4);
  r.gauge_family("delta_ratio", "Ratio").with({{"k", "v"}}).set(-1.5);
  auto text = r.render();
  EXPECT_TRUE(has_line(text, "# TYPE delta_db_pool_size gauge")) << text;
  EXPECT_TRUE(has_line(text, "delta_db_pool_size 4")) << text;
  EXPECT_TRUE(has_line(text, R"(delta_ratio{k="v"} -1.5)")) << text;
}

TEST(MetricsRegistry, EscapesLabelValues) {
  metrics_registry r;
  r.counter_family("c_total", "c").with({{"path", "a\"b\\c\nd"}}).inc();
  auto text = r.render();
  EXPECT_TRUE(has_line(text, R"(c_total{path="a\"b\\c\nd"} 1)")) << text;
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("\"\\\n"), R"(\"\\\n)");
}

TEST(MetricsRegistry, RendersHistogramBucketsSumAndCount) {
  metrics_registry r;
  auto& h = r.histogram_family("delta_latency_seconds", "Latency", {0.5, 1.0, 2.5})
                .with({{"route", "/health"}});
  h.observe(0.25);
  h.observe(0.75);
  h.observe(3.0);
  auto text = r.render();
  EXPECT_TRUE(has_line(text, "# TYPE delta_latency_seconds histogram")) << text;
  EXPECT_TRUE(has_line(text, R"(delta_latency_seconds_bucket{route="/health",le="0.5"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(delta_latency_seconds_bucket{route="/health",le="1"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(delta_latency_seconds_bucket{route="/health",le="2.5"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(delta_latency_seconds_bucket{route="/health",le="+Inf"} 3)")) << text;
  EXPECT_TRUE(has_line(text, R"(delta_latency_seconds_sum{route="/health"} 4)")) << text;
  EXPECT_TRUE(has_line(text, R"(delta_latency_seconds_count{route="/health"} 3)")) << text;
}

TEST(MetricsRegistry, RendersHistogramsWithoutLabels) {
  metrics_registry r;
  r.histogram_family("h_seconds", "h", {1.0}).with({}).observe(0.5);
  auto text = r.render();
  EXPECT_TRUE(has_line(text, R"(h_seconds_bucket{le="1"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(h_seconds_bucket{le="+Inf"} 1)")) << text;
  EXPECT_TRUE(has_line(text, "h_seconds_sum 0.5")) << text;
  EXPECT_TRUE(has_line(text, "h_seconds_count 1")) << text;
}

TEST(MetricsRegistry, WritesBucketBoundsInTheirShortestForm) {
  // PromQL selects buckets by the label text: le="0.1", not le="0.10000000000000001".
  metrics_registry r;
  r.histogram_family("lat_seconds", "lat").with({}).observe(0.2);
  auto text = r.render();
  std::string missing;
  for (auto le : {"0.0001", "0.00025", "0.0005", "0.005", "0.025", "0.05", "0.1", "0.25", "10"})
    if (!has_line(text, std::string{"lat_seconds_bucket{le=\""} + le + "\"} " +
                            (std::stod(le) >= 0.2 ? "1" : "0")))
      missing += std::string{" "} + le;
  EXPECT_EQ(missing, "") << text;
}

TEST(MetricsRegistry, WritesValuesInTheirShortestForm) {
  metrics_registry r;
  r.gauge_family("g", "g").with({}).set(0.1);
  r.histogram_family("h_seconds", "h", {1.0}).with({}).observe(0.2);
  auto text = r.render();
  EXPECT_TRUE(has_line(text, "g 0.1")) << text;
  EXPECT_TRUE(has_line(text, "h_seconds_sum 0.2")) << text;
}

TEST(MetricsRegistry, RunsCollectorsBeforeRendering) {
  metrics_registry r;
  int calls = 0;
  r.add_collector([&](metrics_registry& reg) {
    ++calls;
    reg.gauge_family("collected", "From a collector").with({}).set(calls);
  });
  EXPECT_TRUE(has_line(r.render(), "collected 1"));
  EXPECT_TRUE(has_line(r.render(), "collected 2"));
}

TEST(LatencyBuckets, RangeFrom100MicrosecondsTo10Seconds) {
  auto b = latency_buckets();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.0001);
  EXPECT_DOUBLE_EQ(b.back(), 10.0);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

TEST(MetricsRegistry, RendersFloatCountersAsCounters) {
  metrics_registry r;
  auto& cost = r.float_counter_family("llm_cost_usd_total", "USD spent").with({{"model", "m"}});
  cost.add(0.25);
  cost.add(0.5);
  auto text = r.render();
  EXPECT_NE(text.find("# TYPE llm_cost_usd_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("llm_cost_usd_total{model=\"m\"} 0.75\n"), std::string::npos);
}
