// PEM bundles (src/core/pem.cpp): what [tls] ca_file must hold to be trusted.
#include <doctest/doctest.h>

#include <string>

#include "core/pem.h"

using namespace shopd;

namespace {

// A self-signed EC certificate made with `openssl req -x509` for this test
// (public data: a certificate, no key).
const std::string kCertificate = R"(-----BEGIN CERTIFICATE-----
MIIBkTCCATegAwIBAgIUHTgjvTYxU2FdcHNCJJdJVOo8JT8wCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSc2hvcGQgdW5pdCB0ZXN0IENBMCAXDTI2MTEzMDEwMTUzM1oY
DzIxMjYxMTA2MTAxNTMzWjAdMRswGQYDVQQDDBJzaG9wZCB1bml0IHRlc3QgQ0Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARe1VAeEBJw7/WIhnajnWZABOSd2bp7
0m4d6roJFeRE0V2iAiImFvIzd8ds8GUSTQ+FQQZsLlvXn2GENOZ1PoWJo1MwUTAd
BgNVHQ4EFgQU/bjTE5nHl6kgp/SJS0qMpYVqPEwwHwYDVR0jBBgwFoAU/bjTE5nH
l6kgp/SJS0qMpYVqPEwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
AiEA4vysJX96FCmGkc54pR8yCX+qaZKOfIfw4YiZg+h33ZsCIB20hEbYBjT5OOeB
e4/Cqj1jsItFZNIxC9VdZW1DR/Jy
-----END CERTIFICATE-----
)";

std::string corrupted(std::string pem) {
  pem.replace(pem.find("MIIB") + 70, 7, "corrupt");  // inside the base64 body: valid letters, broken DER
  return pem;
}

}  // namespace

TEST_SUITE("pem") {
  TEST_CASE("a bundle of readable certificates has no problem, with text around them too") {
    CHECK_FALSE(pem_certificates_problem(kCertificate));
    CHECK_FALSE(pem_certificates_problem(kCertificate + kCertificate));
    CHECK_FALSE(pem_certificates_problem("# our company's CA\n" + kCertificate + "\n"));
  }

  TEST_CASE("text without a certificate is refused") {
    CHECK(pem_certificates_problem("") == "holds no PEM certificate");
    CHECK(pem_certificates_problem("this is not a certificate\n") == "holds no PEM certificate");
  }

  TEST_CASE("a corrupt or truncated certificate is refused, even next to a good one") {
    const std::string cannot_read = "holds a PEM block that cannot be read (corrupt or truncated)";
    CHECK(pem_certificates_problem(corrupted(kCertificate)) == cannot_read);
    CHECK(pem_certificates_problem(kCertificate + corrupted(kCertificate)) == cannot_read);
    CHECK(pem_certificates_problem(kCertificate.substr(0, kCertificate.size() - 30)) == cannot_read);
  }
}
