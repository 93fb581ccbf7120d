#include "outbox/provider_outages.h"

#include "core/job_kind.h"

namespace shopd {

namespace {

std::string_view family_of(std::string_view kind) { return kind.substr(0, kind.find('.')); }

}  // namespace

ProviderOutages::Outage* ProviderOutages::find(std::string_view kind) const {
  std::lock_guard lock(mu_);
  const auto it = by_family_.find(family_of(kind));
  return it == by_family_.end() ? nullptr : it->second.get();
}

bool ProviderOutages::note(std::string_view kind, const JobError* error, Episode::Clock::time_point now) {
  if (error && error->is_unreachable()) {
    Outage* outage = find(kind);
    if (!outage) {
      std::lock_guard lock(mu_);
      auto& slot = by_family_[std::string(family_of(kind))];
      if (!slot) {
        const std::string name = provider_name(kind);
        slot.reset(new Outage{
            Episode({log::Level::warn, name + " unreachable; its jobs keep retrying", name + " reachable again"}),
            false});
      }
      outage = slot.get();
    }
    const bool began = outage->episode.failed({{"kind", std::string(kind)}, {"error", error->code + ": " + error->message}}, 1, now);
    if (began) {
      std::lock_guard lock(mu_);
      outage->alerted = false;
    }
    return !began;
  }
  // A success, or an error the provider itself answered with: it is reachable.
  const bool answered = !error || error->provider_status != 0;
  if (Outage* outage = answered ? find(kind) : nullptr) outage->episode.succeeded(now);
  return false;
}

void ProviderOutages::end_settled(Episode::Clock::time_point now) {
  std::lock_guard lock(mu_);
  for (auto& [family, outage] : by_family_) outage->episode.end_if_settled(now);
}

bool ProviderOutages::unreachable(std::string_view kind) const {
  const Outage* outage = find(kind);
  return outage && outage->episode.ongoing();
}

bool ProviderOutages::claim_alert(std::string_view kind) {
  Outage* outage = find(kind);
  if (!outage || !outage->episode.ongoing()) return false;
  std::lock_guard lock(mu_);
  if (outage->alerted) return false;
  outage->alerted = true;
  return true;
}

void ProviderOutages::give_back_alert(std::string_view kind) {
  if (Outage* outage = find(kind)) {
    std::lock_guard lock(mu_);
    outage->alerted = false;
  }
}

}  // namespace shopd
