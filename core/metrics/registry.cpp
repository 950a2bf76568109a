#include "core/metrics/registry.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace parley::core::metrics {
namespace {

std::string_view kindName(int kind) {
  switch (kind) {
    case 0: return "counter";
    case 1: return "gauge";
    default: return "histogram";
  }
}

// Label values are escaped as the exposition format requires: backslash, quote, newline.
std::string escapeLabelValue(const std::string& value) {
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

std::string formatLabels(const Labels& labels, const std::string& extraName = {},
                         const std::string& extraValue = {}) {
  if (labels.empty() && extraName.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name + "=\"" + escapeLabelValue(value) + '"';
  }
  if (!extraName.empty()) {
    if (!first) out += ',';
    out += extraName + "=\"" + extraValue + '"';
  }
  out += '}';
  return out;
}

std::string formatNumber(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  // Shortest text that reads back as the same double: "0.1", not "0.10000000000000001".
  std::array<char, 32> text{};
  const auto end = std::to_chars(text.data(), text.data() + text.size(), value).ptr;
  return std::string(text.data(), end);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double value) {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + value, std::memory_order_relaxed)) {
  }
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snap;
  snap.bounds = bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snap.cumulativeCounts.push_back(running);
  }
  // Read after the buckets so that count never trails the +Inf bucket by much; Prometheus
  // tolerates the small skew a concurrent observe() can cause.
  snap.count = running;
  snap.sum = sum_.load(std::memory_order_relaxed);
  return snap;
}

std::vector<double> latencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Series& Registry::series(const std::string& name, const std::string& help, Kind kind,
                                   Labels labels) {
  std::lock_guard lock(mutex_);
  auto family = std::find_if(families_.begin(), families_.end(),
                             [&](const auto& f) { return f->name == name; });
  if (family == families_.end()) {
    families_.push_back(std::make_unique<Family>(Family{name, help, kind, {}}));
    family = std::prev(families_.end());
  } else if ((*family)->kind != kind) {
    // Registering one name as two kinds is a programming error, not an input error.
    throw std::logic_error("metric " + name + " registered with two different types");
  }
  for (auto& existing : (*family)->series) {
    if (existing->labels == labels) return *existing;
  }
  auto created = std::make_unique<Series>();
  created->labels = std::move(labels);
  (*family)->series.push_back(std::move(created));
  return *(*family)->series.back();
}

Counter& Registry::counter(const std::string& name, const std::string& help, Labels labels) {
  Series& s = series(name, help, Kind::kCounter, std::move(labels));
  std::lock_guard lock(mutex_);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, Labels labels,
                               std::vector<double> bounds) {
  Series& s = series(name, help, Kind::kHistogram, std::move(labels));
  std::lock_guard lock(mutex_);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *s.histogram;
}

void Registry::gauge(const std::string& name, const std::string& help, Labels labels,
                     std::function<double()> read) {
  Series& s = series(name, help, Kind::kGauge, std::move(labels));
  std::lock_guard lock(mutex_);
  s.gauge = std::move(read);
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& family : families_) {
    out += "# HELP " + family->name + ' ' + family->help + '\n';
    out += "# TYPE " + family->name + ' ' + std::string(kindName(static_cast<int>(family->kind))) +
           '\n';
    for (const auto& s : family->series) {
      switch (family->kind) {
        case Kind::kCounter:
          out += family->name + formatLabels(s->labels) + ' ' +
                 std::to_string(s->counter->value()) + '\n';
          break;
        case Kind::kGauge:
          out += family->name + formatLabels(s->labels) + ' ' +
                 formatNumber(s->gauge ? s->gauge() : 0.0) + '\n';
          break;
        case Kind::kHistogram: {
          const auto snap = s->histogram->snapshot();
          for (std::size_t i = 0; i <= snap.bounds.size(); ++i) {
            const std::string le = i < snap.bounds.size() ? formatNumber(snap.bounds[i]) : "+Inf";
            out += family->name + "_bucket" + formatLabels(s->labels, "le", le) + ' ' +
                   std::to_string(snap.cumulativeCounts[i]) + '\n';
          }
          out +=
              family->name + "_sum" + formatLabels(s->labels) + ' ' + formatNumber(snap.sum) + '\n';
          out += family->name + "_count" + formatLabels(s->labels) + ' ' +
                 std::to_string(snap.count) + '\n';
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace parley::core::metrics
