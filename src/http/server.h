// The HTTP front door (cpp-httplib). server.cpp wires what every request
// gets: a request id, CORS, the SPEC error shape for every error, 503 for
// storage trouble (the only place HTTP catches exceptions), the access log
// and the request metrics. Routes live in *_routes.cpp.
//
// Threads: cpp-httplib's pool of server.threads threads runs the handlers.
#pragma once

#include <httplib.h>
#include <sys/socket.h>

#include <functional>
#include <string>

#include "http/services.h"

namespace shopd {

// cpp-httplib's server with access to its listening socket.
class ListeningServer : public httplib::Server {
 public:
  void raise_backlog(int backlog) { ::listen(svr_sock_, backlog); }
};

class HttpServer {
 public:
  explicit HttpServer(Services& services);
  // Binds server.listen (port 0: any free port). Throws std::runtime_error.
  void bind();
  int port() const { return port_; }
  // Serves until stop(); blocks the calling thread.
  void run();
  // Returns once run() accepts connections (so that a stop() cannot be lost).
  void wait_until_running();
  // Stops accepting; requests already being answered finish. Thread-safe.
  void stop();

 private:
  httplib::Server::HandlerResponse before_routing(const httplib::Request& req, httplib::Response& res);
  void after_routing(const httplib::Request& req, httplib::Response& res);
  void log_request(const httplib::Request& req, const httplib::Response& res);

  Services& services_;
  ListeningServer svr_;
  int port_ = 0;
};

using RouteHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

// Registers a handler and records `label` (the route pattern) for logs and metrics.
void add_route(httplib::Server& svr, const std::string& method, const std::string& pattern_regex,
               const std::string& label, RouteHandler handler);

// 415 unless the request says it is JSON. Returns true when it answered.
bool reject_non_json(const httplib::Request& req, httplib::Response& res);

void register_order_routes(httplib::Server& svr, Services& services);
void register_ops_routes(httplib::Server& svr, Services& services);
void register_admin_routes(httplib::Server& svr, Services& services);
// The owner's HTML dashboard under /admin/ (http/dashboard/routes.cpp).
void register_dashboard_routes(httplib::Server& svr, Services& services);

}  // namespace shopd
