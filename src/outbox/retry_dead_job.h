// The owner's way out of "dead": put a dead job back in the queue with its
// attempts reset. Used by `shopd jobs retry` and POST /admin/jobs/{id}/retry.
//
// A dead payment first takes its stock back (its reservation was released
// when it died). If the stock is gone, the job stays dead with last_error
// "out_of_stock" and the caller gets a 409 out_of_stock FieldError.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "core/error.h"
#include "core/time.h"
#include "store/writer.h"

namespace shopd {

// REQUIRES: inside the writer's transaction. Errors: 404 not_found,
// 409 job_not_dead, 409 out_of_stock.
std::optional<FieldError> retry_dead_job(store::Tx& tx, const std::string& job_id, const Config& config,
                                         TimePoint now);

}  // namespace shopd
