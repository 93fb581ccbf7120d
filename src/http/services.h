// What the HTTP routes may use, handed in by `shopd serve` (the composition
// root in cli/serve.cpp). Routes read through the store's read pool and write
// through the store's single writer; they never see SQL.
#pragma once

#include <string>

#include "config/config.h"
#include "http/connections.h"
#include "http/idempotency.h"
#include "obs/metrics.h"
#include "store/store.h"

namespace shopd {

class Worker;

struct Services {
  const Config& config;
  store::Store& store;
  Metrics& metrics;
  Worker& worker;
  std::string admin_token;  // empty: the admin API answers 403 admin_disabled
  InFlightKeys in_flight_keys;
  const Connections* connections = nullptr;  // set by HttpServer, for /metrics
};

}  // namespace shopd
