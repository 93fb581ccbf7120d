// Prometheus metrics in the text exposition format (version 0.0.4).
//
// No C++ Prometheus client is packaged for Debian 12, and the format is a
// few lines of text, so this is a small hand-written registry: counter and
// histogram families keyed by label values, plus gauges computed at scrape
// time by the caller. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace shopd {

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels);
  void inc(const std::vector<std::string>& label_values, double by = 1);
  double value(const std::vector<std::string>& label_values) const;
  void render(std::string& out) const;

 private:
  const std::string name_, help_;
  const std::vector<std::string> labels_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double> values_;
};

class HistogramFamily {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> labels, std::vector<double> buckets);
  void observe(const std::vector<std::string>& label_values, double value);
  void render(std::string& out) const;

 private:
  struct Series {
    std::vector<uint64_t> bucket_counts;  // not cumulative; summed when rendered
    uint64_t count = 0;
    double sum = 0;
  };
  const std::string name_, help_;
  const std::vector<std::string> labels_;
  const std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Series> series_;
};

// A gauge family whose values the caller supplies at render time.
struct GaugeSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};
void render_gauge(std::string& out, const std::string& name, const std::string& help,
                  const std::vector<GaugeSample>& samples);
// A counter without labels whose value the caller read from elsewhere (the database).
void render_counter(std::string& out, const std::string& name, const std::string& help, double value);

// The metrics SPEC section 6 names, owned by the server process.
struct Metrics {
  Metrics();
  CounterFamily http_requests;       // shopd_http_requests_total{route,code}
  HistogramFamily http_duration;     // shopd_http_request_duration_seconds{route}
  CounterFamily jobs;                // shopd_jobs_total{kind,outcome}
  HistogramFamily job_duration;      // shopd_job_duration_seconds{kind}

  // Counters and histograms; the caller appends its gauges.
  std::string render() const;
};

// Label values are escaped per the exposition format (\\, \", \n).
std::string escape_label_value(const std::string& v);
std::string format_metric_value(double v);

}  // namespace shopd
