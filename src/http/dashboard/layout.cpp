#include "http/dashboard/layout.h"

#include <array>

namespace shopd::dashboard {

namespace {

constexpr std::string_view kCss = R"CSS(
:root { --fg: #1d2329; --muted: #5f6b76; --line: #d9dee3; --bg: #f6f7f9; --card: #fff;
        --accent: #1f5fbf; --good: #1e7b3a; --bad: #b42318; --warn: #a15c00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--fg); background: var(--bg); }
header { background: #17202a; color: #fff; padding: .5rem 1rem; display: flex; flex-wrap: wrap;
         align-items: center; gap: .25rem 1rem; }
header .brand { font-weight: 600; margin-right: .5rem; }
header nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; flex: 1; }
header a { color: #cfe0f7; text-decoration: none; padding: .2rem 0; }
header a.active { color: #fff; border-bottom: 2px solid #fff; }
header form { margin: 0; }
header button { background: transparent; color: #cfe0f7; border: 1px solid #4b5a69; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.35rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
a { color: var(--accent); }
.notice { padding: .6rem .8rem; border-radius: 6px; background: #e7f3ea; border: 1px solid #b7dcc1; margin-bottom: 1rem; }
.notice.error { background: #fdecea; border-color: #f3b8b2; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .75rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem .9rem; }
.card .label { color: var(--muted); font-size: .85rem; }
.card p { margin: .2rem 0 .5rem; font-size: .85rem; }
#after-sale { grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); }
.card .value { font-size: 1.4rem; font-weight: 600; }
.scroll { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); white-space: nowrap; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; white-space: nowrap; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; word-break: break-all; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; white-space: nowrap;
         background: #e8edf3; color: #334; }
.badge.good { background: #e3f4e8; color: var(--good); }
.badge.bad { background: #fde8e6; color: var(--bad); }
.badge.warn { background: #fff1dc; color: var(--warn); }
.badge.muted { background: #eee; color: var(--muted); }
form.inline { display: inline; margin: 0; }
td.actions { white-space: nowrap; }
.bulk { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-bottom: .75rem; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
form.filters label, form.edit label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); }
form.edit { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: 0; }
input, select, button { font: inherit; padding: .35rem .5rem; border: 1px solid #b9c2cc; border-radius: 6px;
                        background: #fff; color: var(--fg); }
input[type=number] { width: 7rem; }
button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); }
button.secondary { background: #fff; color: var(--fg); border-color: #b9c2cc; }
button.danger { background: #fff; color: var(--bad); border-color: #e4a39c; }
.timeline { list-style: none; padding: 0; margin: 0; }
.timeline > li { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .8rem;
                 margin-bottom: .6rem; }
.timeline .attempts { list-style: none; padding: 0; margin: .4rem 0 0; }
.timeline .attempts li { border-top: 1px dashed var(--line); padding: .35rem 0; }
.error-text { color: var(--bad); }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; }
.pager { margin-top: .75rem; display: flex; gap: 1rem; }
.signin { max-width: 24rem; margin: 3rem auto; background: var(--card); border: 1px solid var(--line);
          border-radius: 8px; padding: 1.25rem; }
.signin input { width: 100%; margin: .4rem 0 .8rem; }
@media (max-width: 40rem) {
  main { padding: .6rem; }
  th, td { padding: .35rem .4rem; }
  .hide-narrow { display: none; }
}
)CSS";

constexpr std::string_view kJs = R"JS(
// shopd dashboard: the only script on its pages. No framework, no requests
// beyond this shop.
(function () {
  "use strict";
  // <main data-refresh="N">: fetch the page again every N seconds while the
  // tab is visible and swap in the new content. A session that ended turns
  // into a redirect to the sign-in page, which the browser then shows.
  // A page whose form the owner started filling in is left alone.
  var main = document.querySelector("main[data-refresh]");
  if (main) {
    var editing = false;
    main.addEventListener("input", function () { editing = true; });
    var seconds = Math.max(2, Number(main.getAttribute("data-refresh")) || 10);
    var timer = setInterval(function () {
      if (document.hidden || editing) return;
      fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) {
          if (r.redirected) { location.reload(); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (text) {
          if (!text) return;
          var fresh = new DOMParser().parseFromString(text, "text/html").querySelector("main");
          if (!fresh) return;
          main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes));
          if (!fresh.hasAttribute("data-refresh")) clearInterval(timer);
        })
        .catch(function () {});
    }, seconds * 1000);
  }
  // <form data-confirm="...">: ask before actions on many jobs at once, or on money.
  document.addEventListener("submit", function (e) {
    var message = e.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) e.preventDefault();
  });
})();
)JS";

constexpr std::string_view kIcon =
    R"SVG(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#17202a"/><path d="M8 12h16l-2 12H10z" fill="#cfe0f7"/><path d="M12 12a4 4 0 0 1 8 0" stroke="#cfe0f7" stroke-width="2" fill="none"/></svg>)SVG";

struct NavItem {
  Nav nav;
  html::Markup href;
  html::Markup label;
};

constexpr std::array<NavItem, 5> kNavItems = {{
    {Nav::Overview, "/admin/", "Overview"},
    {Nav::Orders, "/admin/ui/orders", "Orders"},
    {Nav::DeadJobs, "/admin/ui/jobs", "Dead jobs"},
    {Nav::Products, "/admin/ui/products", "Products"},
    {Nav::Alerts, "/admin/ui/alerts", "Alerts"},
}};

void header(html::Html& h, const Frame& f) {
  h.raw("<header><span class=\"brand\">shopd</span>");
  if (!f.csrf.empty()) {
    h.raw("<nav>");
    for (const auto& item : kNavItems)
      h.open("a", {{"href", item.href.view()}, {"class", item.nav == f.active ? "active" : ""}})
          .raw(item.label)
          .close("a");
    h.raw("</nav>");
    open_form(h, "/admin/sign-out", f.csrf);
    h.raw("<button type=\"submit\" id=\"sign-out\">Sign out</button></form>");
  }
  h.raw("</header>");
}

}  // namespace

std::string render_page(const Frame& f, const html::Html& body) {
  html::Html h;
  h.raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"referrer\" content=\"same-origin\">")
      .el("title", std::string(f.title) + " · shopd")
      .open("link", {{"rel", "stylesheet"}, {"href", kCssPath}})
      .open("link", {{"rel", "icon"}, {"href", kIconPath}, {"type", "image/svg+xml"}})
      .open("script", {{"src", kJsPath}, {"defer", "defer"}})
      .close("script")
      .raw("</head><body>");
  header(h, f);
  const std::string refresh = f.refresh_seconds > 0 ? std::to_string(f.refresh_seconds) : "";
  if (refresh.empty()) h.raw("<main>");
  else h.open("main", {{"data-refresh", refresh}});
  if (!f.notice.empty())
    h.el("div", f.notice, {{"class", f.notice_is_error ? "notice error" : "notice"}, {"role", "status"}});
  h.el("h1", f.title);
  std::string out = h.take();
  out += body.str();
  out += "</main></body></html>";
  return out;
}

std::string_view stylesheet() { return kCss; }
std::string_view script() { return kJs; }
std::string_view icon() { return kIcon; }

void open_form(html::Html& h, std::string_view action, std::string_view csrf, std::string_view back) {
  h.open("form", {{"method", "post"}, {"action", action}, {"class", "inline"}}).hidden("csrf", csrf);
  if (!back.empty()) h.hidden("back", back);
}

std::string short_time(std::string_view iso) {
  std::string out(iso.substr(0, 19));
  if (out.size() > 10 && out[10] == 'T') out[10] = ' ';
  return out;
}

std::string format_age(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return std::to_string(seconds) + " s";
  if (seconds < 3600) return std::to_string(seconds / 60) + " min " + std::to_string(seconds % 60) + " s";
  if (seconds < 86400) return std::to_string(seconds / 3600) + " h " + std::to_string(seconds % 3600 / 60) + " min";
  return std::to_string(seconds / 86400) + " d " + std::to_string(seconds % 86400 / 3600) + " h";
}

namespace {

enum class Tone { Plain, Good, Bad, Warn, Muted };

Tone tone_of(OrderStatus s) {
  switch (s) {
    case OrderStatus::Received: return Tone::Plain;
    case OrderStatus::ActionRequired: return Tone::Warn;
    case OrderStatus::Paid:
    case OrderStatus::Completed: return Tone::Good;
    case OrderStatus::PaymentFailed:
    case OrderStatus::NeedsAttention: return Tone::Bad;
    case OrderStatus::Cancelled:
    case OrderStatus::Refunded: return Tone::Muted;
  }
  return Tone::Plain;
}

Tone tone_of(JobState s) {
  switch (s) {
    case JobState::Pending:
    case JobState::Running: return Tone::Plain;
    case JobState::Retrying: return Tone::Warn;
    case JobState::Done: return Tone::Good;
    case JobState::Dead: return Tone::Bad;
    case JobState::Discarded: return Tone::Muted;
  }
  return Tone::Plain;
}

Tone tone_of(StepState s) {
  switch (s) {
    case StepState::Pending:
    case StepState::Running: return Tone::Plain;
    case StepState::Retrying:
    case StepState::ActionRequired: return Tone::Warn;
    case StepState::Done: return Tone::Good;
    case StepState::Dead: return Tone::Bad;
    case StepState::Waiting:
    case StepState::Discarded:
    case StepState::Skipped: return Tone::Muted;
  }
  return Tone::Plain;
}

Tone tone_of(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::Running: return Tone::Plain;
    case AttemptOutcome::Ok: return Tone::Good;
    case AttemptOutcome::Transient:
    case AttemptOutcome::Unreachable:
    case AttemptOutcome::Interrupted: return Tone::Warn;
    case AttemptOutcome::Permanent: return Tone::Bad;
  }
  return Tone::Plain;
}

Tone tone_of(ChannelState s) {
  switch (s) {
    case ChannelState::Pending: return Tone::Plain;
    case ChannelState::Sent: return Tone::Good;
    case ChannelState::Failed: return Tone::Bad;
    case ChannelState::None: return Tone::Muted;
  }
  return Tone::Plain;
}

void draw_badge(html::Html& h, std::string_view name, Tone tone) {
  std::string_view css = "badge";
  switch (tone) {
    case Tone::Plain: css = "badge"; break;
    case Tone::Good: css = "badge good"; break;
    case Tone::Bad: css = "badge bad"; break;
    case Tone::Warn: css = "badge warn"; break;
    case Tone::Muted: css = "badge muted"; break;
  }
  h.el("span", name, {{"class", css}});
}

Tone tone_of(RefundState s) {
  switch (s) {
    case RefundState::Pending: return Tone::Plain;
    case RefundState::Succeeded: return Tone::Good;
    case RefundState::Failed: return Tone::Bad;
  }
  return Tone::Plain;
}

}  // namespace

void badge(html::Html& h, OrderStatus s) { draw_badge(h, to_string(s), tone_of(s)); }
void badge(html::Html& h, RefundState s) { draw_badge(h, to_string(s), tone_of(s)); }
void badge(html::Html& h, JobState s) { draw_badge(h, to_string(s), tone_of(s)); }
void badge(html::Html& h, StepState s) { draw_badge(h, to_string(s), tone_of(s)); }
void badge(html::Html& h, AttemptOutcome o) { draw_badge(h, to_string(o), tone_of(o)); }
void badge(html::Html& h, ChannelState s) { draw_badge(h, to_string(s), tone_of(s)); }

}  // namespace shopd::dashboard
