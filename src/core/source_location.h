// shopd::SourceLocation: std::source_location where the standard library has
// it, else a stand-in with the same three accessors.
//
// Why: the fuzz targets build with clang 14 (libFuzzer), whose libstdc++ 12
// headers hide std::source_location because clang 14 lacks
// __builtin_source_location. clang 14 does have __builtin_FILE/LINE/FUNCTION,
// which, as default arguments, name the caller just as current() does. Under
// the stand-in, function_name() is the bare name ("charge") rather than GCC's
// full signature; nothing parses it.
#pragma once

#include <version>

#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace shopd {

#if defined(__cpp_lib_source_location)

using SourceLocation = std::source_location;

#else

class SourceLocation {
 public:
  static constexpr SourceLocation current(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE(),
                                          const char* function = __builtin_FUNCTION()) noexcept {
    SourceLocation loc;
    loc.file_ = file;
    loc.line_ = line;
    loc.function_ = function;
    return loc;
  }

  constexpr const char* file_name() const noexcept { return file_; }
  constexpr unsigned line() const noexcept { return line_; }
  constexpr const char* function_name() const noexcept { return function_; }

 private:
  const char* file_ = "";
  unsigned line_ = 0;
  const char* function_ = "";
};

#endif

}  // namespace shopd
