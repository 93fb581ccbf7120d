// `shopd serve`: the composition root. Builds the store, the providers, the
// worker and the HTTP server, then waits for SIGTERM/SIGINT and shuts down in
// the order that loses nothing: stop accepting and finish requests, let
// running jobs finish up to worker.shutdown_grace_seconds, release the rest,
// flush the writer.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/cli.h"
#include "cli/common.h"
#include "cli/upgrade.h"
#include "core/version.h"
#include "http/server.h"
#include "jobs/handler.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "outbox/worker.h"
#include "store/product_store.h"
#include "store/store.h"

namespace shopd::cli {

namespace {

// One server per database file: a second `shopd serve` would steal the
// first one's running jobs at startup. The CLI's other commands do not take it.
int lock_database(const std::filesystem::path& db_path) {
  std::filesystem::create_directories(db_path.parent_path());
  const auto lock_path = db_path.string() + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

void prepare_folders(const Config& config) {
  if (config.email.transport == "file") std::filesystem::create_directories(config.email.dir);
  if (!config.invoice.dir.empty()) std::filesystem::create_directories(config.invoice.dir);
}

}  // namespace

int serve(const std::filesystem::path& config_path) {
  const auto loaded = load_config_or_report(config_path);
  if (!loaded) return 2;
  const Config& config = *loaded;

  // Every thread started from here on inherits the blocked mask; the main
  // thread alone receives the signals, in sigwait below.
  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const int lock_fd = lock_database(config.database.path);
  if (lock_fd < 0) {
    log::error("another shopd is already serving this database", {{"database", config.database.path.string()}});
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
    worker.start();

    Services services{config, store, metrics, worker, admin_token(config), {}};
    HttpServer http(services);
    http.bind();
    std::thread http_thread([&http] { http.run(); });
    http.wait_until_running();
    log::info("shopd started", {{"version", kVersion},
                                {"listen", config.server.host + ":" + std::to_string(http.port())},
                                {"port", http.port()},
                                {"database", config.database.path.string()},
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
  ::close(lock_fd);
  return 0;
}

}  // namespace shopd::cli
