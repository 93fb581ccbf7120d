#pragma once

#include <string>
#include <string_view>

namespace shopd {

// Lower-case hex SHA-256 (OpenSSL's libcrypto).
std::string sha256_hex(std::string_view data);

// Compares in time that depends only on the lengths, not on where the
// strings differ (for bearer tokens).
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace shopd
