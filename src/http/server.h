// The HTTP front door (cpp-httplib). server.cpp wires what every request
// gets: a request id, CORS, the SPEC error shape for every error, 503 for
// storage trouble (the only place HTTP catches exceptions), the access log
// and the request metrics, and the refusals made before a body is read.
// Routes live in *_routes.cpp.
//
// Connections: each connection has its own thread, up to
// server.max_connections; at the cap the connection that has waited longest
// on its client makes room (http/connections.h). Each connection is read
// through a ConnectionStream (deadlines, head limit, pipelining), so idle,
// slow or abandoned clients never delay the answers to others.
#pragma once

#include <httplib.h>
#include <sys/socket.h>

#include <functional>
#include <string>

#include "http/connection_stream.h"
#include "http/connections.h"
#include "http/services.h"

namespace shopd {

// cpp-httplib's server, serving each accepted socket with shopd's own
// connection loop (ConnectionStream) instead of the library's.
class ListeningServer : public httplib::Server {
 public:
  ListeningServer(Connections& connections, const StreamLimits& limits);
  // Runs on the connection's thread after each answer has been sent.
  void set_after_answer(std::function<void()> after_answer) { after_answer_ = std::move(after_answer); }
  // After bind: the accept backlog, and TCP_DEFER_ACCEPT so that a client
  // that connects and never sends is not handed to accept() at all.
  void tune_listening_socket(int backlog, int defer_accept_seconds);

  // The stream of the connection this thread serves (nullptr elsewhere).
  static ConnectionStream* current_stream();

 protected:
  bool process_and_close_socket(socket_t sock) override;

 private:
  void serve(Connections::Slot& slot);

  Connections& connections_;
  const StreamLimits limits_;
  std::function<void()> after_answer_;
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
  // Stops accepting; idle connections close, requests already being answered
  // finish, then run() returns. Thread-safe.
  void stop();

 private:
  httplib::Server::HandlerResponse before_routing(const httplib::Request& req, httplib::Response& res);
  // The refusals made before a body is read; true when it answered.
  bool refuse_before_body(const httplib::Request& req, httplib::Response& res);
  void after_routing(const httplib::Request& req, httplib::Response& res);
  void log_request();

  Services& services_;
  Connections connections_;
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
// The admin API's door (Authorization: Bearer <admin token>) around another handler.
RouteHandler admin_only(Services& services, RouteHandler handler);
// After the sale (SPEC section 9): GET /admin/orders/{id}, cancel, refunds, shipment (http/after_sale_routes.cpp).
void register_after_sale_routes(httplib::Server& svr, Services& services);
// The owner's HTML dashboard under /admin/ (http/dashboard/routes.cpp).
void register_dashboard_routes(httplib::Server& svr, Services& services);

}  // namespace shopd
