#pragma once
// A small Prometheus registry: counters, gauges and histograms that any
// thread may update (atomics; a mutex only when a new label set appears) and
// that render to the text exposition format. Debian has no Prometheus client
// library for C++, so this is the hand-written part, kept small and tested.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace delta::telemetry {

using label_set = std::vector<std::pair<std::string, std::string>>;

// Doubles cannot be fetch_add'ed portably before C++20's atomic<double>::fetch_add
// is lock-free everywhere, so sums are kept in micro-units as integers.
class counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class histogram {
 public:
  explicit histogram(std::vector<double> upper_bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  std::vector<std::uint64_t> cumulative_counts() const;
  double sum() const;
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // one per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::int64_t> sum_micros_{0};
};

// Latency buckets in seconds, from 100 us to 10 s.
std::vector<double> latency_buckets();

template <class Metric>
class family {
 public:
  family(std::string name, std::string help, std::function<std::unique_ptr<Metric>()> make)
      : name_(std::move(name)), help_(std::move(help)), make_(std::move(make)) {}

  // Returns the metric for these labels, creating it on first use. The
  // reference stays valid for the registry's lifetime: cache it on hot paths.
  Metric& with(const label_set& labels) {
    std::lock_guard guard{mutex_};
    auto& slot = series_[labels];
    if (!slot) slot = make_();
    return *slot;
  }

  template <class F>
  void for_each(F&& f) const {
    std::lock_guard guard{mutex_};
    for (auto& [labels, metric] : series_) f(labels, *metric);
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }

 private:
  std::string name_;
  std::string help_;
  std::function<std::unique_ptr<Metric>()> make_;
  mutable std::mutex mutex_;
  std::map<label_set, std::unique_ptr<Metric>> series_;
};

class metrics_registry {
 public:
  family<counter>& counter_family(const std::string& name, const std::string& help);
  family<gauge>& gauge_family(const std::string& name, const std::string& help);
  // A counter of fractional amounts (e.g. USD): only ever add() positive
  // values. Rendered with TYPE counter.
  family<gauge>& float_counter_family(const std::string& name, const std::string& help);
  family<histogram>& histogram_family(const std::string& name, const std::string& help,
                                      std::vector<double> bounds = latency_buckets());

  // Gauges whose value is read when rendering (pool sizes, entity counts).
  void add_collector(std::function<void(metrics_registry&)> collect);

  // Prometheus text exposition format 0.0.4.
  std::string render();

 private:
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<family<counter>>> counters_;
  std::map<std::string, std::unique_ptr<family<gauge>>> gauges_;
  std::map<std::string, std::unique_ptr<family<gauge>>> float_counters_;
  std::map<std::string, std::unique_ptr<family<histogram>>> histograms_;
  std::vector<std::function<void(metrics_registry&)>> collectors_;
};

// The process-wide registry. Components take a reference at construction;
// tests may construct their own registries.
metrics_registry& global_metrics();

// Escapes a label value per the exposition format (\\, \", \n).
std::string escape_label_value(const std::string& value);

}  // namespace delta::telemetry
