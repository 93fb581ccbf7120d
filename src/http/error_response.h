// Every HTTP answer body is JSON; every error has the SPEC shape
//   {"error": {"code": "...", "message": "...", "field": "..."}}
// with `field` only when one input is at fault.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "http/field_error.h"

namespace shopd {

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message,
                const std::string& field = "");
void send_error(httplib::Response& res, const FieldError& error);

// The body for a status cpp-httplib produced itself (404 no route, 413 too
// large, 400 unparseable request line ...).
nlohmann::json error_body_for_status(int status);

}  // namespace shopd
