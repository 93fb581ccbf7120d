// GET /admin/sign-in: the form that trades the admin token for a session.
#include "http/dashboard/layout.h"
#include "http/dashboard/pages.h"

namespace shopd::dashboard {

html::Html render_sign_in(bool admin_disabled, std::string_view admin_token_env, std::string_view next) {
  html::Html h;
  h.raw("<div class=\"signin\">");
  if (admin_disabled) {
    h.raw("<p id=\"admin-disabled\"><strong>The admin area is disabled.</strong> To turn it on, set the "
          "environment variable <code>")
        .text(admin_token_env)
        .raw("</code> to a long random token and restart shopd; then sign in here with that token.</p></div>");
    return h;
  }
  h.raw("<form method=\"post\" action=\"/admin/sign-in\"><label for=\"token\">Admin token</label>"
        "<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"current-password\" required autofocus>");
  if (!next.empty()) h.hidden("next", next);
  h.raw("<button type=\"submit\" id=\"sign-in\">Sign in</button></form>"
        "<p class=\"muted\">The token is the value of <code>")
      .text(admin_token_env)
      .raw("</code> in shopd's environment.</p></div>");
  return h;
}

}  // namespace shopd::dashboard
