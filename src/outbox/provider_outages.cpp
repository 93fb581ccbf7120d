#include "outbox/provider_outages.h"

namespace shopd {

namespace {

std::string_view family_of(std::string_view kind) { return kind.substr(0, kind.find('.')); }

}  // namespace

std::string ProviderOutages::provider_name(std::string_view kind) {
  const auto family = family_of(kind);
  if (family == "payment") return "payment provider";
  if (family == "email") return "mail relay";
  if (family == "alert") return "alert channel";
  return std::string(family) + " provider";
}

Episode* ProviderOutages::find(std::string_view kind) const {
  std::lock_guard lock(mu_);
  const auto it = by_family_.find(family_of(kind));
  return it == by_family_.end() ? nullptr : it->second.get();
}

bool ProviderOutages::note(std::string_view kind, const JobError* error, Episode::Clock::time_point now) {
  if (error && error->is_unreachable()) {
    Episode* episode = find(kind);
    if (!episode) {
      std::lock_guard lock(mu_);
      auto& slot = by_family_[std::string(family_of(kind))];
      if (!slot) {
        const std::string name = provider_name(kind);
        slot = std::make_unique<Episode>(Episode::Lines{log::Level::warn, name + " unreachable; its jobs keep retrying",
                                                        name + " reachable again"});
      }
      episode = slot.get();
    }
    return !episode->failed({{"kind", std::string(kind)}, {"error", error->code + ": " + error->message}}, 1, now);
  }
  // A success, or an error the provider itself answered with: it is reachable.
  const bool answered = !error || error->provider_status != 0;
  if (Episode* episode = answered ? find(kind) : nullptr) episode->succeeded(now);
  return false;
}

void ProviderOutages::end_settled(Episode::Clock::time_point now) {
  std::lock_guard lock(mu_);
  for (auto& [family, episode] : by_family_) episode->end_if_settled(now);
}

bool ProviderOutages::unreachable(std::string_view kind) const {
  const Episode* episode = find(kind);
  return episode && episode->ongoing();
}

}  // namespace shopd
