// Force-included into the fuzz build of src/config/parse_config.cpp.
//
// shopd runs Debian's libtomlplusplus, built by GCC with NDEBUG: toml++'s
// internal assertions (TOML_ASSERT, TOML_ASSERT_ASSUME) are compiled out
// there. The fuzz build compiles toml++ header-only with clang so the parser
// is instrumented; without this, it would stop at a debug-only precondition
// that toml++ 3.3.0 breaks on headers such as "[[[1]]" or "[\x01" (fixed
// upstream, marzer/tomlplusplus#301) while the library shopd links reports a
// clean parse error for them (tests/config/parse_config_test.cpp). Memory
// errors inside toml++ still stop the run: AddressSanitizer watches them.
#pragma once
#define TOML_ASSERT(expr) static_cast<void>(0)
