#include "obs/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace shopd {

namespace {

std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra_name = "", const std::string& extra_value = "") {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    out += out.empty() ? "{" : ",";
    out += extra_name + "=\"" + extra_value + "\"";
  }
  if (!out.empty()) out += "}";
  return out;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

// Intake answers in well under a millisecond and jobs wait on providers for
// seconds, so the buckets span 50 µs to 60 s.
const std::vector<double> kRequestBuckets = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};
const std::vector<double> kJobBuckets = {0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5,
                                         1,      2.5,   5,     10,   15,   25,  30,   60};

}  // namespace

std::string escape_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_metric_value(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  // Shortest text that reads back as the same double: "5e-05", not "5.0000000000000002e-05".
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)) {}

void CounterFamily::inc(const std::vector<std::string>& label_values, double by) {
  std::lock_guard lock(mu_);
  values_[label_values] += by;
}

double CounterFamily::value(const std::vector<std::string>& label_values) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(label_values);
  return it == values_.end() ? 0 : it->second;
}

void CounterFamily::render(std::string& out) const {
  header(out, name_, help_, "counter");
  std::lock_guard lock(mu_);
  for (const auto& [labels, v] : values_) out += name_ + label_set(labels_, labels) + " " + format_metric_value(v) + "\n";
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<std::string> labels,
                                 std::vector<double> buckets)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), buckets_(std::move(buckets)) {}

void HistogramFamily::observe(const std::vector<std::string>& label_values, double value) {
  std::lock_guard lock(mu_);
  Series& s = series_[label_values];
  if (s.bucket_counts.empty()) s.bucket_counts.assign(buckets_.size(), 0);
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (value <= buckets_[i]) {
      ++s.bucket_counts[i];
      break;
    }
  }
  ++s.count;
  s.sum += value;
}

void HistogramFamily::render(std::string& out) const {
  header(out, name_, help_, "histogram");
  std::lock_guard lock(mu_);
  for (const auto& [labels, s] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < buckets_.size(); ++i) {
      cumulative += s.bucket_counts[i];
      out += name_ + "_bucket" + label_set(labels_, labels, "le", format_metric_value(buckets_[i])) + " " +
             std::to_string(cumulative) + "\n";
    }
    out += name_ + "_bucket" + label_set(labels_, labels, "le", "+Inf") + " " + std::to_string(s.count) + "\n";
    out += name_ + "_sum" + label_set(labels_, labels) + " " + format_metric_value(s.sum) + "\n";
    out += name_ + "_count" + label_set(labels_, labels) + " " + std::to_string(s.count) + "\n";
  }
}

void render_counter(std::string& out, const std::string& name, const std::string& help, double value) {
  header(out, name, help, "counter");
  out += name + " " + format_metric_value(value) + "\n";
}

void render_gauge(std::string& out, const std::string& name, const std::string& help,
                  const std::vector<GaugeSample>& samples) {
  header(out, name, help, "gauge");
  for (const auto& s : samples) {
    std::vector<std::string> names, values;
    for (const auto& [k, v] : s.labels) {
      names.push_back(k);
      values.push_back(v);
    }
    out += name + label_set(names, values) + " " + format_metric_value(s.value) + "\n";
  }
}

Metrics::Metrics()
    : http_requests("shopd_http_requests_total", "HTTP requests answered, by route and status code.",
                    {"route", "code"}),
      http_duration("shopd_http_request_duration_seconds", "Server time per HTTP request, by route.", {"route"},
                    kRequestBuckets),
      jobs("shopd_jobs_total", "Job attempts finished, by kind and outcome (done, retry, dead).", {"kind", "outcome"}),
      job_duration("shopd_job_duration_seconds", "Time per job attempt, by kind.", {"kind"}, kJobBuckets) {}

std::string Metrics::render() const {
  std::string out;
  http_requests.render(out);
  http_duration.render(out);
  jobs.render(out);
  job_duration.render(out);
  return out;
}

}  // namespace shopd
