#include "http/server.h"

#include <sys/socket.h>

#include <algorithm>
#include <thread>

#include "core/uuid7.h"
#include "http/error_response.h"
#include "http/request_context.h"
#include "obs/log.h"
#include "store/writer.h"

namespace shopd {

namespace {

constexpr const char* kAllowedMethods = "GET, POST, PUT, OPTIONS";
constexpr const char* kAllowedHeaders = "Content-Type, Idempotency-Key, X-Request-Id, Authorization";
constexpr const char* kExposedHeaders = "X-Request-Id, Location, Idempotent-Replayed, Retry-After";

bool origin_allowed(const Config& config, const std::string& origin) {
  const auto& allowed = config.server.cors_origins;
  return !origin.empty() && (std::find(allowed.begin(), allowed.end(), origin) != allowed.end() ||
                             std::find(allowed.begin(), allowed.end(), "*") != allowed.end());
}

}  // namespace

RequestContext& current_request() {
  thread_local RequestContext context;
  return context;
}

bool is_sane_request_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
  });
}

void add_route(httplib::Server& svr, const std::string& method, const std::string& pattern_regex,
               const std::string& label, RouteHandler handler) {
  auto wrapped = [label, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    current_request().route = label;
    handler(req, res);
  };
  if (method == "GET") svr.Get(pattern_regex, wrapped);
  else if (method == "POST") svr.Post(pattern_regex, wrapped);
  else if (method == "PUT") svr.Put(pattern_regex, wrapped);
  else throw std::logic_error("add_route: unsupported method " + method);
}

bool reject_non_json(const httplib::Request& req, httplib::Response& res) {
  std::string type = req.get_header_value("Content-Type");
  type = type.substr(0, type.find(';'));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  if (type == "application/json") return false;
  send_error(res, 415, "unsupported_media_type", "send the body as JSON with Content-Type: application/json");
  return true;
}

HttpServer::HttpServer(Services& services) : services_(services) {
  const auto& server = services.config.server;
  const size_t threads = static_cast<size_t>(server.threads);
  svr_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr_.set_payload_max_length(server.max_body_bytes);
  // Headers and body leave in separate writes; without NODELAY, Nagle and the
  // client's delayed ACK add ~40 ms to every keep-alive answer.
  svr_.set_tcp_nodelay(true);
  svr_.set_keep_alive_timeout(5);
  svr_.set_read_timeout(10);
  svr_.set_write_timeout(10);

  svr_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return before_routing(req, res);
  });
  svr_.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    after_routing(req, res);
  });
  svr_.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    // Our handlers always write a body; an empty one means cpp-httplib made
    // the error itself (no route, body too large, unreadable request).
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    send_json(res, res.status, error_body_for_status(res.status));
    return httplib::Server::HandlerResponse::Handled;
  }));
  svr_.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const store::WriterOverloaded&) {
      res.set_header("Retry-After", "1");
      send_error(res, 429, "rate_limited", "the shop is very busy; retry in a moment");
      return;
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log::error("request failed", {{"request_id", current_request().request_id},
                                  {"method", req.method},
                                  {"route", current_request().route},
                                  {"error", what}});
    res.set_header("Retry-After", "1");
    send_error(res, 503, "unavailable", "storage is unavailable right now; nothing was stored, retry shortly");
  });
  svr_.set_logger([this](const httplib::Request& req, const httplib::Response& res) { log_request(req, res); });

  register_order_routes(svr_, services_);
  register_ops_routes(svr_, services_);
  register_admin_routes(svr_, services_);
  register_dashboard_routes(svr_, services_);
}

httplib::Server::HandlerResponse HttpServer::before_routing(const httplib::Request& req, httplib::Response& res) {
  RequestContext& ctx = current_request();
  ctx = RequestContext{};
  ctx.started = std::chrono::steady_clock::now();
  const std::string client_id = req.get_header_value("X-Request-Id");
  ctx.request_id = is_sane_request_id(client_id) ? client_id : new_uuid7();

  // cpp-httplib (0.11) checks payload_max_length only against Content-Length
  // and reads a chunked body whole, however long: refuse chunked bodies before
  // they are read, so max_body_bytes holds for every request.
  if (req.has_header("Transfer-Encoding")) {
    send_error(res, 411, "length_required", "send the body with a Content-Length header, not chunked");
    res.set_header("Connection", "close");  // the unread body must not be taken for the next request
    return httplib::Server::HandlerResponse::Handled;
  }
  if (req.method != "OPTIONS") return httplib::Server::HandlerResponse::Unhandled;
  // CORS preflight, for any path.
  ctx.route = "preflight";
  const std::string origin = req.get_header_value("Origin");
  if (!origin.empty() && !origin_allowed(services_.config, origin)) {
    send_error(res, 403, "cors_origin_not_allowed", "this origin is not in server.cors_origins");
    return httplib::Server::HandlerResponse::Handled;
  }
  res.status = 204;
  res.set_header("Allow", kAllowedMethods);
  if (!origin.empty()) {
    res.set_header("Access-Control-Allow-Methods", kAllowedMethods);
    res.set_header("Access-Control-Allow-Headers", kAllowedHeaders);
    res.set_header("Access-Control-Max-Age", "600");
  }
  return httplib::Server::HandlerResponse::Handled;
}

void HttpServer::after_routing(const httplib::Request& req, httplib::Response& res) {
  RequestContext& ctx = current_request();
  if (ctx.request_id.empty()) ctx.request_id = new_uuid7();  // cpp-httplib rejected it before routing
  // Counted before the answer is written, so a client that scrapes /metrics
  // right after an answer always sees it counted.
  if (ctx.started != std::chrono::steady_clock::time_point{})
    ctx.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
  services_.metrics.http_requests.inc({ctx.route, std::to_string(res.status)});
  services_.metrics.http_duration.observe({ctx.route}, ctx.seconds);
  res.set_header("X-Request-Id", ctx.request_id);
  const std::string origin = req.get_header_value("Origin");
  if (origin_allowed(services_.config, origin)) {
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Access-Control-Expose-Headers", kExposedHeaders);
    res.set_header("Vary", "Origin");
  }
}

void HttpServer::log_request(const httplib::Request& req, const httplib::Response& res) {
  RequestContext& ctx = current_request();
  nlohmann::json fields = {{"request_id", ctx.request_id},
                           {"method", req.method},
                           {"route", ctx.route},
                           {"status", res.status},
                           {"duration_ms", ctx.seconds * 1000.0}};
  if (!ctx.order_id.empty()) fields["order_id"] = ctx.order_id;
  log::info("request", fields);
  ctx = RequestContext{};
}

void HttpServer::bind() {
  const auto& s = services_.config.server;
  if (s.port == 0) {
    port_ = svr_.bind_to_any_port(s.host);
    if (port_ <= 0) throw std::runtime_error("cannot listen on " + s.host + ":0");
  } else {
    if (!svr_.bind_to_port(s.host, s.port))
      throw std::runtime_error("cannot listen on " + s.host + ":" + std::to_string(s.port) +
                               " (address in use or not available)");
    port_ = s.port;
  }
  // cpp-httplib 0.11 (Debian 12's) listens with a backlog of 5: a burst of
  // more simultaneous connections, which is what a flash sale is, would get
  // connections reset. listen() again on the bound socket raises it.
  svr_.raise_backlog(SOMAXCONN);
}

void HttpServer::run() { svr_.listen_after_bind(); }

void HttpServer::wait_until_running() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!svr_.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::stop() { svr_.stop(); }

}  // namespace shopd
