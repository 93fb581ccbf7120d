#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "obs/log.h"

int main(int argc, char** argv) {
  // Code under test logs what it would log in production (a job died, ...);
  // in the test output that is noise. Sanitizer reports still go to stderr.
  shopd::log::set_min_level(shopd::log::Level::off);
  doctest::Context context(argc, argv);
  return context.run();
}
