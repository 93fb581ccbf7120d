#include "obs/episode.h"

namespace shopd {

Episode::Episode(Lines lines, std::chrono::milliseconds settle) : lines_(std::move(lines)), settle_(settle) {}

bool Episode::failed(const nlohmann::json& fields, uint64_t count, Clock::time_point now) {
  {
    std::lock_guard lock(mu_);
    failures_total_ += count;
    failures_in_episode_ += count;
    last_failure_ = now;
    success_since_failure_ = false;
    if (ongoing_) return false;
    ongoing_ = true;
    began_ = now;
  }
  log::write(lines_.level, lines_.began, fields);
  return true;
}

bool Episode::succeeded(Clock::time_point now) {
  {
    std::lock_guard lock(mu_);
    if (!ongoing_) return false;
    success_since_failure_ = true;
  }
  return end_if_settled(now);
}

std::optional<Episode::Clock::time_point> Episode::settles_at() const {
  std::lock_guard lock(mu_);
  if (!ongoing_ || !success_since_failure_) return std::nullopt;
  return last_failure_ + settle_;
}

bool Episode::end_if_settled(Clock::time_point now) {
  nlohmann::json fields;
  {
    std::lock_guard lock(mu_);
    if (!ongoing_ || !success_since_failure_ || now - last_failure_ < settle_) return false;
    ongoing_ = false;
    const auto down = std::chrono::duration_cast<std::chrono::milliseconds>(now - began_);
    fields = {{"down_ms", down.count()}, {"failures", failures_in_episode_}};
    failures_in_episode_ = 0;
  }
  log::info(lines_.ended, fields);
  return true;
}

bool Episode::ongoing() const {
  std::lock_guard lock(mu_);
  return ongoing_;
}

uint64_t Episode::failures_total() const {
  std::lock_guard lock(mu_);
  return failures_total_;
}

}  // namespace shopd
