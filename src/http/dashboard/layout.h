// The frame every dashboard page shares: the document head (viewport for
// phones, the stylesheet and script served by shopd itself), the navigation
// with the sign-out form, a notice line, and formatting helpers for the
// values pages show. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/states.h"
#include "http/dashboard/html.h"

namespace shopd::dashboard {

enum class Nav { None, Overview, Orders, DeadJobs, Products, Alerts };

struct Frame {
  std::string_view title = {};
  Nav active = Nav::None;
  std::string_view csrf = {};  // empty: signed out (no navigation, no sign-out)
  int refresh_seconds = 0;    // > 0: the page reloads its content this often (dashboard.js)
  std::string notice = {};  // a line above the content, e.g. "Job retried"
  bool notice_is_error = false;
};

// The whole document around `body` (already-built HTML).
std::string render_page(const Frame& frame, const html::Html& body);

// The stylesheet, the script and the tab icon, compiled in, served at these paths.
inline constexpr std::string_view kCssPath = "/admin/assets/dashboard.css";
inline constexpr std::string_view kJsPath = "/admin/assets/dashboard.js";
inline constexpr std::string_view kIconPath = "/admin/assets/icon.svg";
std::string_view stylesheet();
std::string_view script();
std::string_view icon();

// A POST form to `action` carrying the CSRF token; close it with h.close("form").
void open_form(html::Html& h, std::string_view action, std::string_view csrf, std::string_view back = "");

// "2026-11-28T04:30:21.123Z" -> "2026-11-28 04:30:21"
std::string short_time(std::string_view iso);
// 75 -> "1 min 15 s"
std::string format_age(int64_t seconds);
// A status or state as a small coloured label: its name, in a tone that says
// good, bad, in trouble but alive, or nothing to do. One overload per name
// table of core/states.h, each a switch: a new state must be given a tone.
void badge(html::Html& h, OrderStatus status);
void badge(html::Html& h, JobState state);
void badge(html::Html& h, StepState state);
void badge(html::Html& h, AttemptOutcome outcome);
void badge(html::Html& h, ChannelState state);
void badge(html::Html& h, RefundState state);

}  // namespace shopd::dashboard
