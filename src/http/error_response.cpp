#include "http/error_response.h"

namespace shopd {

namespace {

nlohmann::json error_json(const std::string& code, const std::string& message, const std::string& field) {
  nlohmann::json err = {{"code", code}, {"message", message}};
  if (!field.empty()) err["field"] = field;
  return nlohmann::json{{"error", err}};
}

}  // namespace

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message,
                const std::string& field) {
  send_json(res, status, error_json(code, message, field));
}

void send_error(httplib::Response& res, const FieldError& e) { send_error(res, e.http_status, e.code, e.message, e.field); }

nlohmann::json error_body_for_status(int status) {
  switch (status) {
    case 400: return error_json("invalid_request", "the request could not be read", "");
    case 404: return error_json("not_found", "no such resource", "");
    case 405: return error_json("method_not_allowed", "method not allowed here", "");
    case 408: return error_json("request_timeout", "the request did not arrive within server.request_timeout_seconds", "");
    case 413: return error_json("payload_too_large", "the request body is larger than server.max_body_bytes", "");
    case 414: return error_json("uri_too_long", "the request URI is too long", "");
    case 415: return error_json("unsupported_media_type", "send Content-Type: application/json", "");
    case 416: return error_json("invalid_request", "range not satisfiable", "");
    case 431: return error_json("invalid_request", "the request head is larger than server.max_header_bytes", "");
    case 503: return error_json("unavailable", "the shop cannot take this request right now; retry shortly", "");
    default:
      if (status >= 500) return error_json("internal", "internal error", "");
      return error_json("invalid_request", "the request was refused", "");
  }
}

}  // namespace shopd
