// One input of a request is wrong, as the HTTP API says it: `field` is a path
// into the JSON body, such as "items[0].qty"; `code` is one of the SPEC's
// error codes; `http_status` is the answer's. Only http/ makes these: the
// layers below say what happened in their own terms (e.g.
// store::LineRefused), and http/ maps that to a status here.
#pragma once

#include <string>

namespace shopd {

struct FieldError {
  int http_status = 400;
  std::string code;
  std::string message;
  std::string field;
};

}  // namespace shopd
