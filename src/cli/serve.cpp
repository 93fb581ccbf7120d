// `shopd serve`: the composition root. Builds the store, the providers, the
// worker and the HTTP server, then waits for SIGTERM/SIGINT and shuts down in
// the order that loses nothing: stop accepting and finish requests, let
// running jobs finish up to worker.shutdown_grace_seconds, release the rest,
// flush the writer.
#include <malloc.h>
#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/upgrade.h"
#include "core/files.h"
#include "core/version.h"
#include "http/server.h"
#include "jobs/handler.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "outbox/worker.h"
#include "store/product_store.h"
#include "store/store.h"
#include "texts/catalog.h"

namespace shopd::cli {

namespace {

// glibc's malloc, tuned for a server of many threads on a small VPS:
// - a few arenas, not 8 per core: hundreds of executor threads mostly wait on
//   the network, and every extra arena holds memory of its own (the flash
//   sale's 500 executors stayed within the RSS budget only this way);
// - no trimming of freed memory back to the kernel on every free: measured
//   under the drain, the madvise calls and the TLB shootdowns they cause took
//   about 7 % of shopd's CPU, to give back memory that the next order needs.
void tune_malloc() {
  mallopt(M_ARENA_MAX, 4);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
}

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

std::vector<std::string> template_problems(const Config& config) {
  try {
    return texts::check_templates(texts::TemplateSet::load(config.templates.dir));
  } catch (const texts::TemplateError& e) {
    return {e.what()};
  }
}

void prepare_folders(const Config& config) {
  if (config.email.transport == "file") create_private_directories(config.email.dir);
  if (!config.invoice.dir.empty()) create_private_directories(config.invoice.dir);
}

}  // namespace

int serve(const std::filesystem::path& config_path) {
  const auto loaded = load_config_or_report(config_path);
  if (!loaded) return 2;
  const Config& config = *loaded;
  tune_malloc();
  for (const auto& warning : config.warnings) log::warn(warning);
  // An owner's template that `shopd check` would report stops startup, as a
  // bad config key does: better than a mail that cannot be written later.
  if (const auto problems = template_problems(config); !problems.empty()) {
    for (const auto& problem : problems) log::error("template problem: " + problem);
    return 2;
  }

  // Every thread started from here on inherits the blocked mask; the main
  // thread alone receives the signals, in sigwait below.
  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  // Where the database allows one server (SQLite), this one holds its lock
  // until it exits, so the jobs it finds running at startup were left by a
  // process that is gone. Several servers share a PostgreSQL database.
  const auto engine = store::engine_for(store_options(config));
  // Said once, before anything is created, rather than as a failed write later.
  if (const auto problem = engine->write_problem()) {
    log::error(*problem, {{"database", engine->label()}});
    return 1;
  }
  std::optional<store::ServerLock> lock;
  try {
    lock.emplace(engine->claim_for_one_server());
  } catch (const std::exception& e) {
    log::error(e.what(), {{"database", engine->label()}});
    return 1;
  }
  if (!lock->held()) {
    log::error("another shopd is already serving this database", {{"database", engine->label()}});
    return 1;
  }

  try {
    prepare_folders(config);
    store::Store store(store_options(config));
    store.writer().run_always([&](store::Tx& tx) { store::seed_products(tx, config.products, SystemClock().now()); });
    move_invoice_files_into_database(config, store);

    Metrics metrics;
    SystemClock clock;
    Providers providers = make_providers(config);
    Worker worker(config, store, providers, metrics, clock);
    store.writer().set_on_jobs_enqueued([&worker] { worker.notify(); });
    worker.start(/*sole_server=*/!engine->shared());

    Services services{config, store, metrics, worker, admin_token(config), {}};
    HttpServer http(services);
    http.bind();
    std::thread http_thread([&http] { http.run(); });
    http.wait_until_running();
    log::info("shopd started", {{"version", kVersion},
                                {"listen", config.server.host + ":" + std::to_string(http.port())},
                                {"port", http.port()},
                                {"database", engine->label()},
                                {"payment", config.payment.provider},
                                {"email", config.email.transport},
                                {"admin_api", services.admin_token.empty() ? "disabled" : "enabled"}});

    int sig = 0;
    sigwait(&signals, &sig);
    log::info("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});

    http.stop();
    http_thread.join();
    const bool clean = worker.stop(std::chrono::seconds(config.worker.shutdown_grace_seconds));
    store.writer().set_on_jobs_enqueued(nullptr);
    store.writer().stop();
    log::info("shopd stopped", {{"clean", clean}});
    if (!clean) {
      // A handler is stuck in a provider call past every deadline. Its job is
      // already released and the database is closed: leave without joining it.
      std::_Exit(0);
    }
  } catch (const std::exception& e) {
    log::error("shopd cannot start", {{"error", e.what()}});
    return 1;
  }
  return 0;
}

}  // namespace shopd::cli
