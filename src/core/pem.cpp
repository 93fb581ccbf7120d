#include "core/pem.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>
#include <memory>

namespace shopd {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

struct InfosFree {
  void operator()(STACK_OF(X509_INFO)* s) const { sk_X509_INFO_pop_free(s, X509_INFO_free); }
};

}  // namespace

std::optional<std::string> pem_certificates_problem(std::string_view pem) {
  if (pem.size() > INT_MAX) return "is too large to be a PEM bundle";
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return "cannot be read (out of memory)";
  std::unique_ptr<STACK_OF(X509_INFO), InfosFree> infos(PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr));
  // OpenSSL's error queue is per thread; leave nothing behind for libcurl to misreport later.
  ERR_clear_error();
  if (!infos) return "holds a PEM block that cannot be read (corrupt or truncated)";
  int certificates = 0;
  for (int i = 0; i < sk_X509_INFO_num(infos.get()); ++i)
    if (sk_X509_INFO_value(infos.get(), i)->x509 != nullptr) ++certificates;
  if (certificates == 0) return "holds no PEM certificate";
  return std::nullopt;
}

}  // namespace shopd
