# shopd — `make run` to start the demo shop, `make test` to run every test.
#
# Variants share the sources and differ only in flags; each builds into its own
# folder so they never mix objects:
#   build/release  the normal build (./shopd is a copy of build/release/shopd)
#   build/asan     AddressSanitizer + UndefinedBehaviorSanitizer
#   build/tsan     ThreadSanitizer (the worker and the writer are the threaded parts)
#   build/fuzz     libFuzzer targets (tests/fuzz), clang with ASan + UBSan

# Debian packages the build and the tests need. `make deps` installs missing ones.
DEB_PACKAGES := g++ make pkg-config sqlite3 libsqlite3-dev libsqlitecpp-dev \
  libcpp-httplib-dev nlohmann-json3-dev libcli11-dev doctest-dev \
  libtomlplusplus-dev libcurl4-openssl-dev libssl-dev libhpdf-dev libkainjow-mustache-dev ca-certificates \
  python3 python3-pytest python3-pytest-timeout python3-pytest-xdist \
  python3-aiosmtpd python3-prometheus-client \
  iso-codes fonts-dejavu-core python3-fonttools poppler-utils nginx-light openssl wrk \
  clang-14 libfuzzer-14-dev libclang-rt-14-dev \
  chromium chromium-driver python3-selenium \
  libpq-dev postgresql-15 python3-psycopg2

VARIANT ?= release
BUILD   := build/$(VARIANT)
PYTHON  := /usr/bin/python3

CXX      ?= g++
# -g1: line tables are enough for sanitizer reports and backtraces, and
# build a third faster than full debug info.
OPT_release := -O2 -g1
OPT_asan    := -O1 -g1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT_tsan    := -O1 -g1 -fsanitize=thread
PKG_CFLAGS   = $(shell pkg-config --cflags cpp-httplib tomlplusplus libcurl libpq 2>/dev/null)
PKG_LIBS     = $(shell pkg-config --libs cpp-httplib tomlplusplus libcurl libpq 2>/dev/null)
CXXFLAGS := -std=c++20 -Wall -Wextra -Werror -pthread -MMD -MP -Isrc -I. -I$(BUILD)/gen $(OPT_$(VARIANT)) $(PKG_CFLAGS)
LDFLAGS  := -pthread $(filter -fsanitize=%,$(OPT_$(VARIANT)))
LDLIBS    = -lSQLiteCpp -lsqlite3 $(PKG_LIBS) -lhpdf -lcrypto

SRCS       := $(shell find src -name '*.cpp' | sort)
TEST_SRCS  := $(shell find tests -name '*_test.cpp' | sort)
OBJS       := $(SRCS:%.cpp=$(BUILD)/obj/%.o)
TEST_OBJS  := $(TEST_SRCS:%.cpp=$(BUILD)/obj/%.o)
DEPS_STAMP := build/.deps-ok

# Builds run on every core unless the caller already chose (`make -j1 ...`).
SUBMAKE = $(MAKE) --no-print-directory $(if $(findstring -j,$(MAKEFLAGS)),,-j$(shell nproc))

.PHONY: all build run test unit e2e asan tsan test-asan test-tsan fuzz fuzz-bins fuzz-run deps clean bench bench-invoice
.DEFAULT_GOAL := build

all: $(BUILD)/shopd $(BUILD)/unit_tests

# ./shopd and the unit tests.
build: $(DEPS_STAMP)
	@$(SUBMAKE) VARIANT=release all
	@cp build/release/shopd shopd.tmp && mv shopd.tmp shopd

# ./shopd alone: what `make run`, the black-box tests and the benchmarks need.
shopd: $(DEPS_STAMP) FORCE
	@$(SUBMAKE) VARIANT=release build/release/shopd
	@cp build/release/shopd shopd.tmp && mv shopd.tmp shopd
FORCE:

run: shopd
	./shopd --config shop.toml

# The whole suite: unit tests, black-box tests against ./shopd, a bounded
# fuzzing run, then the sanitizer builds over the tests that exercise memory
# and threads.
test: build
	build/release/unit_tests
	$(PYTHON) -m pytest tests/e2e tests/fakes
	@$(MAKE) --no-print-directory fuzz-run
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-tsan

unit: build
	build/release/unit_tests

e2e: shopd
	$(PYTHON) -m pytest tests/e2e tests/fakes

asan: $(DEPS_STAMP)
	@$(SUBMAKE) VARIANT=asan all

tsan: $(DEPS_STAMP)
	@$(SUBMAKE) VARIANT=tsan all

test-asan: asan
	build/asan/unit_tests
	SHOPD_BIN=build/asan/shopd $(PYTHON) -m pytest -m sanitize tests/e2e

# tests/tsan.supp: false positives from uninstrumented libraries only, each explained.
# An absolute path, because the e2e tests start shopd in a temp folder.
TSAN_OPTIONS_TEST := halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp

test-tsan: tsan
	TSAN_OPTIONS="$(TSAN_OPTIONS_TEST)" build/tsan/unit_tests
	SHOPD_BIN=build/tsan/shopd TSAN_OPTIONS="$(TSAN_OPTIONS_TEST)" $(PYTHON) -m pytest -m sanitize tests/e2e

# Fuzzing (tests/README.md, "Fuzzing"). Each target links only the sources it
# exercises; toml++ is compiled in (header-only) so its parser is fuzzed too.
# `make fuzz-run` runs every target for FUZZ_SECONDS, two at a time; a crash
# fails it and leaves the input in build/fuzz/<target>-crash-*.
FUZZ_CXX     ?= $(if $(findstring ccache,$(CXX)),ccache )clang++-14
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := validate_order config mime stripe_response
FUZZ_BINS    := $(FUZZ_TARGETS:%=build/fuzz/%_fuzz)
FUZZ_FLAGS   := -std=c++20 -Wall -Wextra -Werror -MMD -MP -O1 -g1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DTOML_HEADER_ONLY=1 -Isrc -I. -Itests/fuzz
FUZZ_SRCS_validate_order  := src/http/validate_order.cpp src/tax/vat_id.cpp
FUZZ_SRCS_config          := src/config/parse_config.cpp src/core/error.cpp src/core/redact.cpp src/core/pem.cpp \
  src/tax/vat.cpp
FUZZ_SRCS_mime            := src/providers/mime.cpp src/core/error.cpp src/core/redact.cpp src/core/sha256.cpp src/core/time.cpp
FUZZ_SRCS_stripe_response := src/providers/payment_stripe.cpp src/providers/http_client.cpp \
  src/providers/curl_support.cpp src/core/error.cpp src/core/redact.cpp src/core/time.cpp
# toml++'s debug-only assertions off, as in the Debian library shopd links (see the header).
build/fuzz/obj/src/config/parse_config.o: FUZZ_FLAGS += -include tests/fuzz/toml_release_asserts.h
build/fuzz/obj/src/config/parse_config.o: tests/fuzz/toml_release_asserts.h
FUZZ_LIBS_config          := -lcrypto
FUZZ_LIBS_mime            := -lcrypto
FUZZ_LIBS_stripe_response := -lcurl
FUZZ_RUN_FLAGS := -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1

fuzz: $(DEPS_STAMP)
	@$(SUBMAKE) fuzz-bins
fuzz-bins: $(FUZZ_BINS)

fuzz-run: fuzz
	@$(MAKE) --no-print-directory -j2 $(FUZZ_TARGETS:%=fuzz-run-%)

# New inputs that reach new code go to build/fuzz/corpus/<target> (kept
# between runs, never committed); the seeds in tests/fuzz/corpus stay as they are.
fuzz-run-%: build/fuzz/%_fuzz
	@mkdir -p build/fuzz/corpus/$*
	@echo "  FUZZ $* for $(FUZZ_SECONDS) s (log: build/fuzz/$*.log)"
	@build/fuzz/$*_fuzz $(FUZZ_RUN_FLAGS) $(addprefix -dict=,$(wildcard tests/fuzz/$*.dict)) \
	  -artifact_prefix=build/fuzz/$*- build/fuzz/corpus/$* tests/fuzz/corpus/$* > build/fuzz/$*.log 2>&1 \
	  && sed -n 's/^Done/  FUZZ $* ok: done/p' build/fuzz/$*.log \
	  || { tail -40 build/fuzz/$*.log; echo "FUZZ $* FAILED: reproduce with build/fuzz/$*_fuzz" \
	       $$(ls -t build/fuzz/$*-* 2>/dev/null | head -1); exit 1; }

fuzz_objs = build/fuzz/obj/tests/fuzz/$(1)_fuzz.o $(addprefix build/fuzz/obj/,$(FUZZ_SRCS_$(1):.cpp=.o))
# Named here so make keeps them (they are not intermediate files).
$(foreach t,$(FUZZ_TARGETS),$(call fuzz_objs,$(t))):
.SECONDEXPANSION:
build/fuzz/%_fuzz: $$(call fuzz_objs,$$*)
	@echo "  LD  [fuzz] $@"
	@$(FUZZ_CXX) $(FUZZ_FLAGS) -o $@ $^ $(FUZZ_LIBS_$*)

build/fuzz/obj/%.o: %.cpp
	@mkdir -p $(@D)
	@echo "  CXX [fuzz] $<"
	@$(FUZZ_CXX) $(FUZZ_FLAGS) -c -o $@ $<

# The baselines of bench/http_intake.py, built from the same Debian packages as shopd.
BENCH_TOOLS := build/bench/httplib_202 build/bench/sqlite_orders

bench: shopd $(BENCH_TOOLS)
	$(PYTHON) bench/run.py $(BENCH_ARGS)

build/bench/httplib_202: bench/httplib_202.cpp
	@mkdir -p $(@D)
	$(CXX) -std=c++20 -O2 -Wall -Wextra -Werror -pthread $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

build/bench/sqlite_orders: bench/sqlite_orders.cpp
	@mkdir -p $(@D)
	$(CXX) -std=c++20 -O2 -Wall -Wextra -Werror -o $@ $< -lsqlite3

# Invoice PDF render time and size (bench/invoice_render.cpp).
bench-invoice: $(DEPS_STAMP)
	@$(SUBMAKE) VARIANT=release build/release/bench_invoice
	build/release/bench_invoice

# Installs what is missing; as a non-root user it prints the command instead.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): Makefile
	@missing=$$(for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages; run:"; echo "  sudo apt-get install -y" $$missing; exit 1; \
	  fi; \
	fi
	@mkdir -p build && touch $@

$(BUILD)/shopd: $(OBJS) $(BUILD)/obj/main.o
	@echo "  LD  [$(VARIANT)] $@"
	@$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit_tests: $(OBJS) $(TEST_OBJS) $(BUILD)/obj/tests/doctest_main.o
	@echo "  LD  [$(VARIANT)] $@"
	@$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench_invoice: $(OBJS) $(BUILD)/obj/bench/invoice_render.o
	@echo "  LD  [$(VARIANT)] $@"
	@$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# schema.sql (SQLite) and schema_postgres.sql are compiled in, so the binary
# alone is enough to deploy.
$(BUILD)/gen/schema_sql.inc: schema.sql
	@mkdir -p $(@D)
	@{ printf 'R"SQL('; cat $<; printf ')SQL"\n'; } > $@

$(BUILD)/gen/schema_postgres_sql.inc: schema_postgres.sql
	@mkdir -p $(@D)
	@{ printf 'R"SQL('; cat $<; printf ')SQL"\n'; } > $@

$(BUILD)/obj/src/store/database.o: $(BUILD)/gen/schema_sql.inc $(BUILD)/gen/schema_postgres_sql.inc

# Country names for invoices, from Debian's iso-codes (core/country.h).
ISO_3166 := /usr/share/iso-codes/json/iso_3166-1.json
$(BUILD)/gen/countries.inc: src/core/countries.py $(ISO_3166)
	@mkdir -p $(@D)
	@$(PYTHON) $^ $@.tmp && mv $@.tmp $@

$(BUILD)/obj/src/core/country.o: $(BUILD)/gen/countries.inc

# The invoice font: DejaVu Sans from fonts-dejavu-core, subset to what
# invoices print (documents/invoice_font.py).
DEJAVU := /usr/share/fonts/truetype/dejavu
$(BUILD)/gen/invoice_font.inc: src/documents/invoice_font.py $(DEJAVU)/DejaVuSans.ttf
	@mkdir -p $(@D)
	@echo "  GEN [$(VARIANT)] $@"
	@$(PYTHON) $^ $@.tmp && mv $@.tmp $@

$(BUILD)/obj/src/documents/document_pdf.o: $(BUILD)/gen/invoice_font.inc

# The built-in templates (texts/template_set.h): every file of templates/,
# compiled in as {"name", R"TPL(text)TPL"} pairs, so the binary alone is
# enough to deploy. The folder itself is a prerequisite, so that adding or
# removing a file rebuilds the list.
TEMPLATES := $(sort $(wildcard templates/*.txt templates/*.html))
$(BUILD)/gen/templates.inc: $(TEMPLATES) templates
	@mkdir -p $(@D)
	@{ for f in $(TEMPLATES); do printf '{"%s", R"TPL(' "$${f#templates/}"; cat "$$f"; printf ')TPL"},\n'; done; } > $@.tmp
	@mv $@.tmp $@

$(BUILD)/obj/src/texts/template_set.o: $(BUILD)/gen/templates.inc

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	@echo "  CXX [$(VARIANT)] $<"
	@$(CXX) $(CXXFLAGS) -c -o $@ $<

clean:
	rm -rf build shopd var/test-*

-include $(OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BUILD)/obj/main.d $(BUILD)/obj/bench/invoice_render.d \
  $(wildcard build/fuzz/obj/*/*.d build/fuzz/obj/*/*/*.d)
