#pragma once

namespace shopd {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace shopd
