#include "telemetry/metrics_registry.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace delta::telemetry {

void gauge::add(double v) {
  auto current = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(current, current + v, std::memory_order_relaxed)) {
  }
}

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::int64_t>(std::llround(v * 1e6)),
                        std::memory_order_relaxed);
}

std::vector<std::uint64_t> histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

double histogram::sum() const {
  return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5, 5.0, 10.0};
}

family<counter>& metrics_registry::counter_family(const std::string& name,
                                                  const std::string& help) {
  std::lock_guard guard{mutex_};
  auto& slot = counters_[name];
  if (!slot)
    slot = std::make_unique<family<counter>>(name, help,
                                             [] { return std::make_unique<counter>(); });
  return *slot;
}

family<gauge>& metrics_registry::gauge_family(const std::string& name, const std::string& help) {
  std::lock_guard guard{mutex_};
  auto& slot = gauges_[name];
  if (!slot)
    slot = std::make_unique<family<gauge>>(name, help, [] { return std::make_unique<gauge>(); });
  return *slot;
}

family<gauge>& metrics_registry::float_counter_family(const std::string& name,
                                                     const std::string& help) {
  std::lock_guard guard{mutex_};
  auto& slot = float_counters_[name];
  if (!slot)
    slot = std::make_unique<family<gauge>>(name, help, [] { return std::make_unique<gauge>(); });
  return *slot;
}

family<histogram>& metrics_registry::histogram_family(const std::string& name,
                                                      const std::string& help,
                                                      std::vector<double> bounds) {
  std::lock_guard guard{mutex_};
  auto& slot = histograms_[name];
  if (!slot)
    slot = std::make_unique<family<histogram>>(
        name, help, [bounds] { return std::make_unique<histogram>(bounds); });
  return *slot;
}

void metrics_registry::add_collector(std::function<void(metrics_registry&)> collect) {
  std::lock_guard guard{mutex_};
  collectors_.push_back(std::move(collect));
}

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

namespace {

std::string format_number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  // Shortest exact form, positional where that stays readable (0.0001, not 1e-04).
  auto magnitude = std::fabs(v);
  auto format = v == 0 || (magnitude >= 1e-6 && magnitude < 1e15) ? std::chars_format::fixed
                                                                  : std::chars_format::general;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, format);
  return std::string(buf, end);
}

std::string format_labels(const label_set& labels, const std::string& extra_key = {},
                          const std::string& extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"" + escape_label_value(v) + "\"";
  }
  if (!extra_key.empty()) {
    if (!first) out += ',';
    out += extra_key + "=\"" + extra_value + "\"";
  }
  return out + "}";
}

void header(std::string& out, const std::string& name, const std::string& help,
            const char* type) {
  std::string escaped;
  for (char c : help) escaped += c == '\\' ? std::string{"\\\\"} : c == '\n' ? std::string{"\\n"} : std::string(1, c);
  out += "# HELP " + name + " " + escaped + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string metrics_registry::render() {
  std::vector<std::function<void(metrics_registry&)>> collectors;
  {
    std::lock_guard guard{mutex_};
    collectors = collectors_;
  }
  for (auto& collect : collectors) collect(*this);

  std::lock_guard guard{mutex_};
  std::string out;
  out.reserve(8192);
  for (auto& [name, fam] : counters_) {
    header(out, name, fam->help(), "counter");
    fam->for_each([&](const label_set& labels, const counter& c) {
      out += name + format_labels(labels) + " " + std::to_string(c.value()) + "\n";
    });
  }
  for (auto& [name, fam] : float_counters_) {
    header(out, name, fam->help(), "counter");
    fam->for_each([&](const label_set& labels, const gauge& g) {
      out += name + format_labels(labels) + " " + format_number(g.value()) + "\n";
    });
  }
  for (auto& [name, fam] : gauges_) {
    header(out, name, fam->help(), "gauge");
    fam->for_each([&](const label_set& labels, const gauge& g) {
      out += name + format_labels(labels) + " " + format_number(g.value()) + "\n";
    });
  }
  for (auto& [name, fam] : histograms_) {
    header(out, name, fam->help(), "histogram");
    fam->for_each([&](const label_set& labels, const histogram& h) {
      auto counts = h.cumulative_counts();
      for (std::size_t i = 0; i < counts.size(); ++i) {
        auto le = i < h.bounds().size() ? format_number(h.bounds()[i]) : std::string{"+Inf"};
        out += name + "_bucket" + format_labels(labels, "le", le) + " " +
               std::to_string(counts[i]) + "\n";
      }
      out += name + "_sum" + format_labels(labels) + " " + format_number(h.sum()) + "\n";
      out += name + "_count" + format_labels(labels) + " " + std::to_string(h.count()) + "\n";
    });
  }
  return out;
}

metrics_registry& global_metrics() {
  static metrics_registry registry;
  return registry;
}

}  // namespace delta::telemetry
