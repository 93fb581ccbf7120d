// PEM certificate bundles, such as the owner's [tls] ca_file.
//
// libcurl reads a CA bundle with OpenSSL only when it opens a connection, and
// then fails every connection if one certificate in the bundle is unreadable.
// pem_certificates_problem() reads the text the same way (OpenSSL's
// PEM_X509_INFO_read_bio), so a bad file is found at startup instead.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shopd {

// Why `pem` is not a usable bundle ("holds no PEM certificate", "holds a PEM
// block that cannot be read ..."), or nothing when it holds at least one
// certificate and every PEM block in it reads. Pure; thread-safe.
std::optional<std::string> pem_certificates_problem(std::string_view pem);

}  // namespace shopd
