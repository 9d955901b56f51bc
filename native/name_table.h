#pragma once
// The user-facing names of an enum (models, activations, optimizers): listing them,
// naming a value, and parsing a name with an error that lists the choices.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fer {

template <typename Kind>
class NameTable {
 public:
  NameTable(std::string what, std::vector<std::pair<Kind, std::string>> entries)
      : what_(std::move(what)), entries_(std::move(entries)) {
    for (const auto& entry : entries_) names_.push_back(entry.second);
  }

  const std::vector<std::string>& names() const { return names_; }

  const std::string& nameOf(Kind kind) const {
    for (const auto& entry : entries_) {
      if (entry.first == kind) return entry.second;
    }
    throw std::logic_error("unnamed " + what_);
  }

  /** Throws std::invalid_argument naming the choices when `name` is unknown. */
  Kind parse(const std::string& name) const {
    for (const auto& entry : entries_) {
      if (entry.second == name) return entry.first;
    }
    std::string choices;
    for (const auto& known : names_) choices += (choices.empty() ? "" : ", ") + known;
    throw std::invalid_argument("unknown " + what_ + " '" + name + "' (choose one of " + choices + ")");
  }

 private:
  std::string what_;
  std::vector<std::pair<Kind, std::string>> entries_;
  std::vector<std::string> names_;
};

}  // namespace fer
