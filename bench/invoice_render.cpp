// Invoice PDF render time and size: `make bench-invoice`.
//
// Renders two typical invoices (a German order in Latin script, and one whose
// buyer writes in Cyrillic and Greek) N times each on a worker thread, the way
// the outbox executors do, and prints the median and p90 of the wall time and
// of the thread's CPU time per render, and the PDF size. CPU time is the
// figure to compare on a shared machine: wall time includes waiting for a core.
// A second pass renders on two threads at once to show that renders scale
// across cores (the renderer is shared by every executor thread).
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "documents/document_pdf.h"
#include "texts/document_texts.h"

using namespace shopd;

namespace {

TaxDocument latin_invoice() {
  TaxDocument doc;
  doc.number = "INV-004711";
  doc.issued_date = "2026-11-28";
  doc.order_date = "2026-11-27";
  doc.order_id = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b";
  doc.seller_name = "Demo Shop";
  doc.seller_address = "Demo Shop GmbH\nMusterstra\xC3\x9F" "e 1\n10115 Berlin\nGermany";
  doc.seller_tax_id = "DE123456789";
  doc.buyer_name = "J\xC3\xBCrgen M\xC3\xBCller";
  doc.buyer_address = {"Hauptstra\xC3\x9F" "e 5", "80331 M\xC3\xBCnchen", "Germany"};
  doc.currency = "EUR";
  doc.lines = {{"Coffee mug", "MUG-01", false, {2, 1200, 1900}},
               {"T-shirt, black, M", "TEE-BLK-M", false, {1, 2500, 1900}},
               {"Sticker pack", "STICKER-01", false, {4, 350, 1900}}};
  return doc;
}

TaxDocument mixed_script_invoice() {
  TaxDocument doc = latin_invoice();
  doc.buyer_name = "\xD0\x9F\xD1\x91\xD1\x82\xD1\x80 \xCE\x91\xCE\xB8\xCE\xB7\xCE\xBD\xCE\xB1\xCE\xAF\xCE\xBF\xCF\x82";
  doc.buyer_address = {"\xCE\x9F\xCE\xB4\xCF\x8C\xCF\x82 \xCE\x95\xCF\x81\xCE\xBC\xCE\xBF\xCF\x8D 12",
                       "10563 \xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1", "Greece"};
  return doc;
}

double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Timings {
  std::vector<double> wall_ms, cpu_ms;
  size_t bytes = 0;
};

Timings render_many(const TaxDocument& doc, int n) {
  Timings t;
  const DocumentTexts texts = texts::document_texts(texts::TemplateSet(), doc);
  for (int i = 0; i < n; ++i) {
    const auto wall0 = std::chrono::steady_clock::now();
    const double cpu0 = thread_cpu_ms();
    const std::string pdf = render_document_pdf(doc, texts);
    t.cpu_ms.push_back(thread_cpu_ms() - cpu0);
    t.wall_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall0).count());
    t.bytes = pdf.size();
  }
  return t;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

void report(const char* name, const Timings& t) {
  std::printf("%-13s median %.3f ms wall, %.3f ms CPU; p90 %.3f ms wall, %.3f ms CPU; %zu bytes\n", name,
              percentile(t.wall_ms, 0.5), percentile(t.cpu_ms, 0.5), percentile(t.wall_ms, 0.9),
              percentile(t.cpu_ms, 0.9), t.bytes);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  if (n <= 0) {
    std::fprintf(stderr, "usage: %s [renders per document, default 1000]\n", argv[0]);
    return 2;
  }
  const TaxDocument latin = latin_invoice();
  const TaxDocument mixed = mixed_script_invoice();
  render_many(latin, 20);  // warm-up: first-use setup is not what a running shop pays per invoice

  Timings a, b;
  std::thread([&] {
    a = render_many(latin, n);
    b = render_many(mixed, n);
  }).join();
  std::printf("%d renders per document, one thread:\n", n);
  report("latin", a);
  report("cyrillic+greek", b);

  const auto start = std::chrono::steady_clock::now();
  std::thread one([&] { render_many(latin, n); });
  std::thread two([&] { render_many(mixed, n); });
  one.join();
  two.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("two threads at once: %.0f renders/s\n", 2 * n / seconds);
  return 0;
}
