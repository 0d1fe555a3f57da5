#pragma once
// Structured logging: one JSON object per line on stdout, written through
// spdlog (thread-safe sink). Fields are typed so numbers stay numbers.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace delta::telemetry {

enum class log_level { trace, debug, info, warn, error, off };

std::optional<log_level> parse_log_level(std::string_view text);
std::string_view to_string(log_level level);

struct log_field {
  using value_type = std::variant<std::string_view, std::int64_t, double, bool>;
  template <class T>
  log_field(std::string_view k, T&& v) : key(k), value(convert(std::forward<T>(v))) {}
  std::string_view key;
  value_type value;

 private:
  static value_type convert(std::string_view v) { return v; }
  static value_type convert(const std::string& v) { return std::string_view{v}; }
  static value_type convert(const char* v) { return std::string_view{v}; }
  static value_type convert(bool v) { return v; }
  static value_type convert(double v) { return v; }
  template <class I>
    requires std::is_integral_v<std::remove_cvref_t<I>>
  static value_type convert(I v) { return static_cast<std::int64_t>(v); }
};

void init_logging(log_level level);
bool log_enabled(log_level level);
void log(log_level level, std::string_view message, std::initializer_list<log_field> fields = {});

// Builds one log line (without the trailing newline); exposed for tests.
std::string format_log_line(log_level level, std::string_view message,
                            std::initializer_list<log_field> fields);

// Appends `text` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

inline void log_info(std::string_view m, std::initializer_list<log_field> f = {}) { log(log_level::info, m, f); }
inline void log_warn(std::string_view m, std::initializer_list<log_field> f = {}) { log(log_level::warn, m, f); }
inline void log_error(std::string_view m, std::initializer_list<log_field> f = {}) { log(log_level::error, m, f); }
inline void log_debug(std::string_view m, std::initializer_list<log_field> f = {}) { log(log_level::debug, m, f); }

}  // namespace delta::telemetry
