#include "http/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
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

namespace {

// Each connection's thread: cpp-httplib's parser, the handlers and nlohmann
// JSON stay well inside this (request paths are capped below, and JSON
// nesting is checked before it is parsed). Sanitizers' frames are several
// times larger.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t kConnectionStackBytes = 1024 * 1024;
#else
constexpr size_t kConnectionStackBytes = 256 * 1024;
#endif
// Past this, the answer says "Connection: close" and the client reconnects
// (as nginx's keepalive_requests), which bounds what one connection can hold.
constexpr size_t kMaxRequestsPerConnection = 10000;
// Route patterns are matched with std::regex, which recurses per character
// (about 400 bytes of stack each): no route is longer than this, so a longer
// path is answered 404 without being matched.
constexpr size_t kMaxRoutablePath = 256;
// Descriptors shopd needs besides its connections: the database and its WAL,
// log, mail and invoice files, the worker's outgoing connections.
constexpr rlim_t kSpareFileDescriptors = 256;

thread_local ConnectionStream* t_stream = nullptr;

StreamLimits stream_limits(const Config::Server& s) {
  return StreamLimits{std::chrono::seconds(s.idle_timeout_seconds), std::chrono::seconds(s.request_timeout_seconds),
                      s.max_header_bytes};
}

// The methods whose body cpp-httplib reads (and would read to the end of the
// connection when no Content-Length says where it stops).
bool reads_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::optional<size_t> parse_content_length(const std::string& value) {
  if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), [](char c) {
        return c >= '0' && c <= '9';
      }))
    return std::nullopt;
  return static_cast<size_t>(std::stoull(value));
}

bool is_identity_encoding(std::string value) {
  value.erase(std::remove_if(value.begin(), value.end(), [](char c) { return c == ' ' || c == '\t'; }), value.end());
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  return value == "identity";
}

// Each accepted connection can hold a descriptor: the soft limit (often 1024)
// is raised to the hard one, as servers do.
void raise_open_files_limit(size_t connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur < connections + kSpareFileDescriptors)
    log::warn("open file limit is below server.max_connections; connections past it wait in the kernel's queue",
              {{"limit", static_cast<uint64_t>(limit.rlim_cur)}, {"max_connections", connections}});
}

}  // namespace

ListeningServer::ListeningServer(Connections& connections, const StreamLimits& limits)
    : connections_(connections), limits_(limits) {}

ConnectionStream* ListeningServer::current_stream() { return t_stream; }

void ListeningServer::tune_listening_socket(int backlog, int defer_accept_seconds) {
  // cpp-httplib 0.11 (Debian 12's) listens with a backlog of 5: a burst of
  // more simultaneous connections, which is what a flash sale is, would get
  // connections reset. listen() again on the bound socket raises it.
  ::listen(svr_sock_, backlog);
  ::setsockopt(svr_sock_, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_accept_seconds, sizeof defer_accept_seconds);
}

bool ListeningServer::process_and_close_socket(socket_t sock) {
  if (ConnectionThreads::refusing()) {
    ::close(sock);
    return false;
  }
  Connections::Slot slot(sock);
  connections_.add(slot);
  serve(slot);
  connections_.remove(slot);
  ::close(sock);
  return true;
}

void ListeningServer::serve(Connections::Slot& slot) {
  static const std::function<void(httplib::Request&)> kNoSetup;
  ConnectionStream stream(slot, connections_, limits_);
  t_stream = &stream;
  for (size_t served = 1; stream.wait_for_request(); ++served) {
    current_request() = RequestContext{};
    stream.begin_request();
    const bool last = connections_.stopping() || served >= kMaxRequestsPerConnection;
    bool client_closes = false;
    const bool answered = process_request(stream, last, client_closes, kNoSetup);
    const bool sent = stream.flush();
    if (after_answer_) after_answer_();
    if (!answered || !sent || last || client_closes) break;
    const RequestContext& ctx = current_request();
    if (ctx.close_connection || stream.body_bytes_read() < ctx.declared_body_bytes) {
      stream.linger();
      break;
    }
  }
  t_stream = nullptr;
}

HttpServer::HttpServer(Services& services)
    : services_(services),
      connections_(static_cast<size_t>(services.config.server.max_connections)),
      svr_(connections_, stream_limits(services.config.server)) {
  const auto& server = services.config.server;
  services_.connections = &connections_;
  svr_.new_task_queue = [this] { return new ConnectionThreads(connections_, kConnectionStackBytes); };
  svr_.set_payload_max_length(server.max_body_bytes);
  // An answer leaves in one send(2), but without NODELAY it could wait for
  // the client to ACK the previous one (Nagle and delayed ACK: ~40 ms).
  svr_.set_tcp_nodelay(true);
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second process
  // bind the same port and silently take half of the connections.
  svr_.set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // What the Keep-Alive answer header announces; ListeningServer::serve keeps to it.
  svr_.set_keep_alive_timeout(server.idle_timeout_seconds);
  svr_.set_keep_alive_max_count(kMaxRequestsPerConnection);
  svr_.set_after_answer([this] { log_request(); });

  svr_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return before_routing(req, res);
  });
  // cpp-httplib answers "Expect: 100-continue" before routing: a request
  // that will be refused is refused instead of being invited to send its body.
  svr_.set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
    return refuse_before_body(req, res) ? res.status : 100;
  });
  svr_.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    after_routing(req, res);
  });
  svr_.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    // Our handlers always write a body; an empty one means cpp-httplib made
    // the error itself (no route, body too large, unreadable request).
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (const ConnectionStream* stream = ListeningServer::current_stream(); stream && res.status == 400) {
      if (stream->failure() == ConnectionStream::Failure::head_too_large) res.status = 431;
      if (stream->failure() == ConnectionStream::Failure::timed_out) res.status = 408;
    }
    // After a request the parser could not follow, the next bytes are not a request.
    if (res.status != 404) current_request().close_connection = true;
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
    } catch (const store::StorageUnavailable&) {
      // The writer logs storage trouble once per episode; a line per request
      // would flood the log for as long as the disk stays full.
      res.set_header("Retry-After", "1");
      send_error(res, 503, "unavailable", "storage is unavailable right now; nothing was stored, retry shortly");
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
  // Only notes what the access log needs: the line is written once the answer has left.
  svr_.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    RequestContext& ctx = current_request();
    ctx.method = req.method;
    ctx.status = res.status;
  });

  register_order_routes(svr_, services_);
  register_ops_routes(svr_, services_);
  register_admin_routes(svr_, services_);
  register_after_sale_routes(svr_, services_);
  register_dashboard_routes(svr_, services_);
}

namespace {

void start_request_context(const httplib::Request& req) {
  RequestContext& ctx = current_request();
  if (!ctx.request_id.empty()) return;  // the Expect handler ran first
  ctx.started = std::chrono::steady_clock::now();
  const std::string client_id = req.get_header_value("X-Request-Id");
  ctx.request_id = is_sane_request_id(client_id) ? client_id : new_uuid7();
  if (const ConnectionStream* stream = ListeningServer::current_stream())
    ctx.empty_idempotency_key = stream->empty_idempotency_key();
}

}  // namespace

bool HttpServer::refuse_before_body(const httplib::Request& req, httplib::Response& res) {
  start_request_context(req);
  RequestContext& ctx = current_request();
  auto refuse = [&](int status, const char* code, const char* message, const char* field = "") {
    send_error(res, status, code, message, field);
    ctx.close_connection = true;  // whatever body follows is never read
    return true;
  };
  // cpp-httplib (0.11) would read a chunked body whole, however long, and
  // a body without Content-Length to the end of the connection.
  if (req.has_header("Transfer-Encoding"))
    return refuse(411, "length_required", "send the body with a Content-Length header, not Transfer-Encoding");
  const size_t lengths = req.get_header_value_count("Content-Length");
  if (lengths > 1)
    return refuse(400, "invalid_request", "send one Content-Length header", "Content-Length");
  if (lengths == 1) {
    const auto length = parse_content_length(req.get_header_value("Content-Length"));
    if (!length)
      return refuse(400, "invalid_request", "Content-Length must be a number of bytes", "Content-Length");
    ctx.declared_body_bytes = *length;
    if (*length > services_.config.server.max_body_bytes)
      return refuse(413, "payload_too_large", "the request body is larger than server.max_body_bytes");
  } else if (reads_body(req.method)) {
    return refuse(411, "length_required", "send the body with a Content-Length header");
  }
  // The library would inflate a compressed body whatever its size (a 200-byte
  // brotli body becomes a gigabyte).
  for (size_t i = 0; i < req.get_header_value_count("Content-Encoding"); ++i)
    if (!is_identity_encoding(req.get_header_value("Content-Encoding", i)))
      return refuse(415, "unsupported_media_type", "send the body uncompressed, without Content-Encoding");
  return false;
}

httplib::Server::HandlerResponse HttpServer::before_routing(const httplib::Request& req, httplib::Response& res) {
  if (refuse_before_body(req, res)) return httplib::Server::HandlerResponse::Handled;
  if (req.path.size() > kMaxRoutablePath) {
    send_error(res, 404, "not_found", "no such resource");
    return httplib::Server::HandlerResponse::Handled;
  }
  if (req.method != "OPTIONS") return httplib::Server::HandlerResponse::Unhandled;
  // CORS preflight, for any path.
  RequestContext& ctx = current_request();
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
  if (ctx.close_connection) {
    res.set_header("Connection", "close");
    res.headers.erase("Keep-Alive");
  }
  const std::string origin = req.get_header_value("Origin");
  if (origin_allowed(services_.config, origin)) {
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Access-Control-Expose-Headers", kExposedHeaders);
    res.set_header("Vary", "Origin");
  }
}

void HttpServer::log_request() {
  const RequestContext& ctx = current_request();
  if (ctx.status == 0) return;  // no request was read
  log::access({ctx.request_id, ctx.method, ctx.route, ctx.status, ctx.seconds * 1000.0, ctx.order_id});
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
  raise_open_files_limit(static_cast<size_t>(s.max_connections));
  svr_.tune_listening_socket(SOMAXCONN, s.request_timeout_seconds);
}

void HttpServer::run() { svr_.listen_after_bind(); }

void HttpServer::wait_until_running() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!svr_.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::stop() { svr_.stop(); }

}  // namespace shopd
