// The one HTML escape: every page shopd draws (the dashboard, the test-mode
// pages) and every HTML email it writes puts data into markup through this.
#pragma once

#include <string>
#include <string_view>

namespace shopd {

// & < > " ' as character references: safe in text and in quoted attribute values.
std::string html_escape(std::string_view text);

}  // namespace shopd
