# shopd — `make run` to start the demo shop, `make test` to run every test.
#
# Variants share the sources and differ only in flags; each builds into its own
# folder so they never mix objects:
#   build/release  the normal build (./shopd is a copy of build/release/shopd)
#   build/asan     AddressSanitizer + UndefinedBehaviorSanitizer
#   build/tsan     ThreadSanitizer (the worker and the writer are the threaded parts)

# Debian packages the build and the tests need. `make deps` installs missing ones.
DEB_PACKAGES := g++ make pkg-config sqlite3 libsqlite3-dev libsqlitecpp-dev \
  libcpp-httplib-dev nlohmann-json3-dev libcli11-dev doctest-dev \
  libtomlplusplus-dev libcurl4-openssl-dev libssl-dev libhpdf-dev ca-certificates \
  python3 python3-pytest python3-pytest-timeout python3-pytest-xdist \
  python3-aiosmtpd python3-prometheus-client \
  iso-codes fonts-dejavu-core python3-fonttools poppler-utils \
  chromium chromium-driver python3-selenium

VARIANT ?= release
BUILD   := build/$(VARIANT)
PYTHON  := /usr/bin/python3

CXX      ?= g++
# -g1: line tables are enough for sanitizer reports and backtraces, and
# build a third faster than full debug info.
OPT_release := -O2 -g1
OPT_asan    := -O1 -g1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT_tsan    := -O1 -g1 -fsanitize=thread
PKG_CFLAGS   = $(shell pkg-config --cflags cpp-httplib tomlplusplus libcurl 2>/dev/null)
PKG_LIBS     = $(shell pkg-config --libs cpp-httplib tomlplusplus libcurl 2>/dev/null)
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

.PHONY: all build run test unit e2e asan tsan test-asan test-tsan deps clean bench bench-invoice
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

# The whole suite: unit tests, black-box tests against ./shopd, then the
# sanitizer builds over the tests that exercise memory and threads.
test: build
	build/release/unit_tests
	$(PYTHON) -m pytest tests/e2e tests/fakes
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

bench: shopd
	$(PYTHON) bench/run.py

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

# schema.sql is compiled in, so the binary alone is enough to deploy.
$(BUILD)/gen/schema_sql.inc: schema.sql
	@mkdir -p $(@D)
	@{ printf 'R"SQL('; cat $<; printf ')SQL"\n'; } > $@

$(BUILD)/obj/src/store/database.o: $(BUILD)/gen/schema_sql.inc

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

$(BUILD)/obj/src/documents/invoice_pdf.o: $(BUILD)/gen/invoice_font.inc

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	@echo "  CXX [$(VARIANT)] $<"
	@$(CXX) $(CXXFLAGS) -c -o $@ $<

clean:
	rm -rf build shopd var/test-*

-include $(OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(BUILD)/obj/main.d $(BUILD)/obj/bench/invoice_render.d
