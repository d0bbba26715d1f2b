// The fields of a JSON object from outside (a request another process sent), read into a
// struct's members by name, each checked for its type: a wrong type, a field no member takes,
// or something that is not an object is a ConfigError naming where it came from, the field
// and what was expected. An absent field leaves its member as it was (its default).
// JsonFieldWriter is the other way. A struct that travels lists its fields once, in a function
// template that calls `field(name, member)` (and `nested` for a struct inside it) on either.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hurdle {

class JsonFields {
 public:
  // `source`: what the object is, for messages ("the run request").
  JsonFields(const nlohmann::json& object, std::string source);

  void read(const char* name, std::string& into);
  void read(const char* name, std::filesystem::path& into);
  void read(const char* name, bool& into);
  void read(const char* name, int& into);
  void read(const char* name, std::uint32_t& into);
  void read(const char* name, double& into);
  void read(const char* name, std::vector<std::string>& into);
  template <class Rep, class Period>
  void read(const char* name, std::chrono::duration<Rep, Period>& into) {
    std::int64_t count = into.count();
    read_integer(name, count, 0, INT64_MAX);
    into = std::chrono::duration<Rep, Period>(count);
  }
  template <class T>
  void read(const char* name, std::optional<T>& into) {
    const nlohmann::json* value = field(name);
    if (value == nullptr) return;
    if (value->is_null()) {
      into.reset();
      return;
    }
    T inner{};
    read(name, inner);
    into = std::move(inner);
  }
  template <class T>
  void field(const char* name, T& into) {
    read(name, into);
  }
  // A struct inside this one, read by `fields(reader, value)` when the field is there.
  template <class T, class Fields>
  void nested(const char* name, T& value, Fields fields) {
    const nlohmann::json* inner = object(name);
    if (inner == nullptr) return;
    JsonFields reader(*inner, source_ + "." + name);
    fields(reader, value);
    reader.done();
  }
  // An object inside this one, for its own reader; nullptr when absent.
  [[nodiscard]] const nlohmann::json* object(const char* name);
  [[nodiscard]] const std::string& source() const { return source_; }
  // Throws when the object holds a field that was never read.
  void done() const;

 private:
  const nlohmann::json* field(const char* name);
  void read_integer(const char* name, std::int64_t& into, std::int64_t low, std::int64_t high);
  [[noreturn]] void wrong(const char* name, const std::string& expected) const;

  const nlohmann::json& object_;
  std::string source_;
  std::set<std::string> read_;
};

class JsonFieldWriter {
 public:
  template <class T>
  void field(const char* name, const T& value) {
    json_[name] = value_of(value);
  }
  template <class T, class Fields>
  void nested(const char* name, const T& value, Fields fields) {
    JsonFieldWriter writer;
    fields(writer, value);
    json_[name] = std::move(writer.json_);
  }
  [[nodiscard]] const nlohmann::json& json() const { return json_; }

 private:
  static nlohmann::json value_of(const std::filesystem::path& p) { return p.string(); }
  template <class Rep, class Period>
  static nlohmann::json value_of(const std::chrono::duration<Rep, Period>& d) {
    return static_cast<std::int64_t>(d.count());
  }
  template <class T>
  static nlohmann::json value_of(const std::optional<T>& v) {
    return v ? value_of(*v) : nlohmann::json(nullptr);
  }
  template <class T>
  static nlohmann::json value_of(const T& v) {
    return v;  // strings, numbers, true or false, arrays of strings
  }

  nlohmann::json json_ = nlohmann::json::object();
};

}  // namespace hurdle
