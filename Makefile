# Bulkhead: one entry point for build, test, demo and benchmarks.
#
#   make            build the userspace tools (and the kernel module, once it exists)
#   make deps       install every Debian package building and testing need
#   make demo       show the main job
#   make check      run every test
#   make fuzz       libFuzzer over the validator for FUZZ_SECONDS (default 300)
#   make bench      validator throughput (against memcpy; in the kernel, against the
#                   kernel's SHA-256), the dispatch wrapper's and the loader's costs,
#                   each measured in the same run as its baseline
#   make deb        Debian packages (bulkhead, bulkhead-dkms) into BUILD/deb
#
# KVER selects the kernel headers: default the running kernel's if they are
# installed, else the newest /lib/modules/*/build.

BUILD     ?= build
CC        ?= cc
FUZZ_CC   ?= clang
FUZZ_SECONDS ?= 300

KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	else ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n1 | cut -d/ -f4; fi)
KDIR ?= /lib/modules/$(KVER)/build
KMOD_DIR = $(BUILD)/kmod/$(KVER)
# the kernels the VM tests boot: Debian's, with image and headers installed
VM_KVERS ?= $(shell for k in $$(ls /lib/modules 2>/dev/null | sort -V); do \
	[ -f /boot/vmlinuz-$$k ] && [ -d /lib/modules/$$k/build ] && echo $$k; done)
MODULE_SRCS := $(shell find module -type f 2>/dev/null) $(wildcard lib/*.c lib/*.h)
TEST_EXT_SRCS := $(shell find tests/extensions -type f 2>/dev/null)

# libcrypto: content signatures (common/sign.c): bulkheadctl signs and checks
# them, bulkhead-load reads the certificates it enrols
PKGS      := json-c inih nettle zlib libkmod libcrypto
# the tests' own, independent SHA-256 (fixture encoder, state checks)
TEST_LIBS  = $(shell pkg-config --libs libcrypto 2>/dev/null) -lcmocka
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	     -Wformat=2 -Wno-format-nonliteral
CPPFLAGS  += -D_GNU_SOURCE -Ilib -Icommon -Istate -Iboot-guard -Iloader
CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 $(WARN) $(PKG_CFLAGS)
# a tool links only the libraries it calls (bulkhead-load no zlib)
LDFLAGS   += -Wl,--as-needed
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=all
# The test variants of the three tools (TEST_BIN, never installed) also
# take their paths and clock from BULKHEAD_* variables (state/env.c),
# so the CLI and VM tests run against fixture directories; the tools
# `make` builds and `make install` installs ignore those variables.
TEST_BIN  := $(BUILD)/test-bin
TEST_HOOKS := -DBULKHEAD_TEST_HOOKS

LIB_SRCS    := $(wildcard lib/*.c)
COMMON_SRCS := $(wildcard common/*.c) $(wildcard state/*.c) \
	       $(filter-out boot-guard/main.c,$(wildcard boot-guard/*.c)) \
	       $(filter-out loader/main.c,$(wildcard loader/*.c))
CTL_SRCS    := $(wildcard ctl/*.c)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_HELPERS := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))
HDRS        := $(wildcard lib/*.h common/*.h state/*.h ctl/*.h boot-guard/*.h loader/*.h tests/unit/*.h)

UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
TOOLS       := bulkheadctl bulkhead-guard bulkhead-load
TEST_TOOLS  := $(addprefix $(TEST_BIN)/,$(TOOLS))
ASAN_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRCS))

.PHONY: all deps demo check check-unit check-asan check-cli check-fuzz fuzz \
	bench clean install install-dkms module modules-vm check-vm dkms-check
.DEFAULT_GOAL := all
# keep object files make would treat as intermediate
.SECONDARY:

all: $(BUILD)/bulkheadctl $(BUILD)/bulkhead-guard $(BUILD)/bulkhead-load module

# the three tools alone (the Debian package's build: DKMS builds the modules)
.PHONY: tools
tools: $(BUILD)/bulkheadctl $(BUILD)/bulkhead-guard $(BUILD)/bulkhead-load

# ---- kernel modules ---------------------------------------------------

module: $(KMOD_DIR)/bulkhead.ko

$(KMOD_DIR)/bulkhead.ko: $(MODULE_SRCS)
	@sh scripts/kbuild.sh $(KDIR) $(abspath $(KMOD_DIR))

# every VM kernel, with the test-only extensions beside the product ones
modules-vm: $(foreach k,$(VM_KVERS),$(BUILD)/kmod-vm/$(k)/bulkhead.ko)

$(BUILD)/kmod-vm/%/bulkhead.ko: $(MODULE_SRCS) $(TEST_EXT_SRCS)
	@sh scripts/kbuild.sh /lib/modules/$*/build $(abspath $(BUILD)/kmod-vm/$*) tests/extensions

deps:
	@sh scripts/deps.sh

# ---- userspace --------------------------------------------------------

# Layering: state/ (the state store, boot identity, logging) sees only lib/
# and common/; boot-guard/ and loader/ see state/ and never each other.
# Only bulkheadctl and the tests, which use both, see everything.
LAYER_BASE := -D_GNU_SOURCE -Ilib -Icommon -Istate
$(foreach d,$(BUILD) $(BUILD)/asan $(TEST_BIN),$(eval $(d)/state/%.o: CPPFLAGS = $(LAYER_BASE)))
$(foreach d,$(BUILD) $(BUILD)/asan $(TEST_BIN),$(eval $(d)/boot-guard/%.o: CPPFLAGS = $(LAYER_BASE) -Iboot-guard))
$(foreach d,$(BUILD) $(BUILD)/asan $(TEST_BIN),$(eval $(d)/loader/%.o: CPPFLAGS = $(LAYER_BASE) -Iloader))

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(TEST_BIN)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TEST_HOOKS) $(CFLAGS) -c $< -o $@

# made afresh: a renamed source must not leave its old object behind
$(BUILD)/libbulkhead.a: $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS) $(COMMON_SRCS))
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/asan/libbulkhead.a: $(patsubst %.c,$(BUILD)/asan/%.o,$(LIB_SRCS) $(COMMON_SRCS))
	@rm -f $@
	$(AR) rcs $@ $^

$(TEST_BIN)/libbulkhead.a: $(patsubst %.c,$(TEST_BIN)/%.o,$(LIB_SRCS) $(COMMON_SRCS))
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bulkheadctl: $(patsubst %.c,$(BUILD)/%.o,$(CTL_SRCS)) $(BUILD)/libbulkhead.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bulkhead-guard: $(BUILD)/boot-guard/main.o $(BUILD)/libbulkhead.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bulkhead-load: $(BUILD)/loader/main.o $(BUILD)/libbulkhead.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(TEST_BIN)/bulkheadctl: $(patsubst %.c,$(TEST_BIN)/%.o,$(CTL_SRCS)) $(TEST_BIN)/libbulkhead.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(TEST_BIN)/bulkhead-guard: $(TEST_BIN)/boot-guard/main.o $(TEST_BIN)/libbulkhead.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(TEST_BIN)/bulkhead-load: $(TEST_BIN)/loader/main.o $(TEST_BIN)/libbulkhead.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/asan/bulkheadctl: $(patsubst %.c,$(BUILD)/asan/%.o,$(CTL_SRCS)) $(BUILD)/asan/libbulkhead.a
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS)

# ---- tests ------------------------------------------------------------

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(patsubst %.c,$(BUILD)/%.o,$(UNIT_HELPERS)) $(BUILD)/libbulkhead.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/asan/tests/%: $(BUILD)/asan/tests/unit/%.o $(patsubst %.c,$(BUILD)/asan/%.o,$(UNIT_HELPERS)) $(BUILD)/asan/libbulkhead.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS)

$(BUILD)/fuzz/fuzz_validate: tests/fuzz/fuzz_validate.c tests/unit/fixture.c $(LIB_SRCS) $(HDRS) \
		common/sign.c common/fileio.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -Itests/unit -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ tests/fuzz/fuzz_validate.c tests/unit/fixture.c \
		$(LIB_SRCS) common/sign.c common/fileio.c \
		$(shell pkg-config --cflags --libs libcrypto nettle)

$(BUILD)/bench/bench_validate: tests/bench/bench_validate.c tests/unit/fixture.c $(LIB_SRCS) $(HDRS) \
		$(BUILD)/libbulkhead.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -O3 -o $@ tests/bench/bench_validate.c \
		tests/unit/fixture.c $(LIB_SRCS) $(BUILD)/libbulkhead.a $(PKG_LIBS) \
		$(shell pkg-config --libs libcrypto)

# the signing key of the signed-content figures, made for each run
$(BUILD)/bench/sign.pem:
	@mkdir -p $(dir $@)
	@openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=bulkhead bench" \
		-keyout $(BUILD)/bench/sign.key -out $@ 2>/dev/null

check: deps all
	@BUILD=$(BUILD) MAKE="$(MAKE)" sh tests/run-checks.sh

check-unit: $(UNIT_BINS)
	@sh tests/run-unit.sh $(UNIT_BINS)

check-asan: $(ASAN_BINS) $(BUILD)/asan/bulkheadctl
	@SUITE=asan ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		sh tests/run-unit.sh $(ASAN_BINS)

# the guard and staging tests need fixture paths: the test variants;
# content and the overrides test run the tools as installed; the ops
# test runs examples/ops/ against fake hosts (the test variants again)
check-cli: $(addprefix $(BUILD)/,$(TOOLS)) $(TEST_TOOLS)
	@sh tests/cli/test_content_cli.sh $(BUILD)/bulkheadctl
	@sh tests/cli/test_sign_cli.sh $(BUILD)/bulkheadctl
	@sh tests/cli/test_guard_cli.sh $(TEST_BIN)
	@sh tests/cli/test_stage_cli.sh $(TEST_BIN)
	@sh tests/cli/test_overrides_cli.sh $(BUILD) $(TEST_BIN)
	@sh tests/cli/test_ops_cli.sh $(TEST_BIN)

dkms-check:
	@sh scripts/dkms-check.sh $(VM_KVERS)

# the guests' hostile writer (many writers on one content descriptor)
$(TEST_BIN)/bh-race: tests/vm/bh-race.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@ -luring -lpthread

# the stress scenario's seeded random-operation program (tests/vm/stress/)
$(TEST_BIN)/bh-stress: tests/vm/stress/bh-stress.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $< -o $@ -luring -lpthread
check-vm: $(TEST_BIN)/bh-stress

# the scenarios' guests run the test variants (tests/vm/lib.sh sets
# BULKHEAD_*); the crash-loop guest runs the tools as installed
check-vm: modules-vm $(addprefix $(BUILD)/,$(TOOLS)) $(TEST_TOOLS) $(TEST_BIN)/bh-race
	@sh tests/vm/run-all.sh $(BUILD) $(VM_KVERS)
	@sh tests/vm/crash/run-all.sh $(BUILD) $(VM_KVERS)

check-fuzz: $(BUILD)/fuzz/fuzz_validate $(UNIT_BINS)
	@sh tests/fuzz/run.sh $(BUILD) 30

fuzz: deps $(BUILD)/fuzz/fuzz_validate $(UNIT_BINS)
	@sh tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

# the guests run the test variants (the VM harness sets BULKHEAD_*)
bench: deps $(BUILD)/bench/bench_validate $(BUILD)/bench/sign.pem modules-vm $(TEST_TOOLS)
	@$(BUILD)/bench/bench_validate $(BUILD)/bench/sign.key $(BUILD)/bench/sign.pem
	@for k in $(VM_KVERS); do sh tests/vm/bench-kernel.sh $(BUILD) $$k || exit 1; done
	@for k in $(VM_KVERS); do sh tests/vm/bench-dispatch.sh $(BUILD) $$k || exit 1; done
	@for k in $(VM_KVERS); do sh tests/vm/bench-load.sh $(BUILD) $$k || exit 1; done
	@$(MAKE) --no-print-directory deb >/dev/null
	@sh tests/endpoint/bench.sh $(BUILD) "$(ENDPOINT_KVER)"

# the July-2024 file refused in user space, then the crash loop ended by
# itself on the endpoint (tests/endpoint/, scenario take-oops).  The
# endpoint image's base layer (it needs nothing of ours) is built from the
# start, beside the rest; the endpoint part waits for it.
demo: deps
	@mkdir -p $(BUILD)
	@sh tests/endpoint/mkimage.sh --base $(BUILD) "$(ENDPOINT_KVER)" >$(BUILD)/endpoint-base.log 2>&1 & \
	$(MAKE) --no-print-directory -j2 all deb && \
	sh examples/demo.sh $(BUILD)/bulkheadctl && \
	sh examples/endpoint-demo.sh $(BUILD) "$(ENDPOINT_KVER)"; \
	rc=$$?; wait; exit $$rc

# Install the tools, units, catalog, sysctl file, man pages, docs and the
# DKMS source tree.  Test-only extensions are never installed.  `make install-dkms`
# then builds and installs the modules for KVER through DKMS.
PREFIX  ?= /usr
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

install: $(BUILD)/bulkheadctl $(BUILD)/bulkhead-guard $(BUILD)/bulkhead-load
	install -D -m 0755 $(BUILD)/bulkheadctl $(DESTDIR)$(PREFIX)/sbin/bulkheadctl
	install -D -m 0755 $(BUILD)/bulkhead-guard $(DESTDIR)$(PREFIX)/sbin/bulkhead-guard
	install -D -m 0755 $(BUILD)/bulkhead-load $(DESTDIR)$(PREFIX)/sbin/bulkhead-load
	install -d $(DESTDIR)/lib/systemd/system $(DESTDIR)$(PREFIX)/share/doc/bulkhead
	install -m 0644 boot-guard/systemd/*.service boot-guard/systemd/*.timer \
		loader/systemd/*.service $(DESTDIR)/lib/systemd/system/
	install -d -m 0755 $(DESTDIR)/etc/bulkhead/extensions.d $(DESTDIR)/etc/bulkhead/keys
	install -D -m 0644 boot-guard/systemd/90-bulkhead.conf $(DESTDIR)/etc/sysctl.d/90-bulkhead.conf
	install -D -m 0644 boot-guard/systemd/bulkhead-watchdog.conf \
		$(DESTDIR)/etc/systemd/system.conf.d/bulkhead-watchdog.conf
	install -D -m 0755 boot-guard/systemd/initramfs-hook \
		$(DESTDIR)$(PREFIX)/share/initramfs-tools/hooks/bulkhead
	install -D -m 0644 boot-guard/bulkhead.catalog \
		$(DESTDIR)$(PREFIX)/lib/systemd/catalog/bulkhead.catalog
	install -m 0644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/bulkhead/
	install -d $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 docs/man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 docs/man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d -m 0700 $(DESTDIR)/var/lib/bulkhead
	sh scripts/dkms-source.sh $(DESTDIR)$(PREFIX)/src/bulkhead-$(DKMS_VERSION)

install-dkms:
	dkms add -m bulkhead -v $(DKMS_VERSION) || true
	dkms install -m bulkhead -v $(DKMS_VERSION) -k $(KVER)

# Debian packages (docs/packages.md): bulkhead and bulkhead-dkms from
# debian/, and the sample vendor extension's acme-execcount-dkms from
# examples/vendor-extension/debian/, built with dpkg-buildpackage in a copy
# of the working tree and left in $(BUILD)/deb/; lintian errors fail.
# DEB_VERSION=0.1.0+2 builds them as a later version (an upgrade test).
# check-deb: their contents, maintainer scripts and man pages, and DKMS
# building the shim and then the vendor's extension against it from the
# packages' own trees, for every VM kernel, in throw-away trees.
.PHONY: deb check-deb
deb:
	@DEB_VERSION="$(DEB_VERSION)" sh scripts/deb.sh $(BUILD)/deb

check-deb: deb
	@sh scripts/check-deb.sh $(BUILD)/deb $(VM_KVERS)

# The endpoint (tests/endpoint/): a Debian 12 root disk with systemd and
# Debian's 6.1 kernel, Bulkhead installed in it from `make deb`'s packages
# with apt (DKMS builds them), booted under qemu; the image is cached in
# $(BUILD)/endpoint/KVER/ and rebuilt when its inputs change.  Part of
# `make check`; ENDPOINT_SCENARIOS=NAME... runs only those.
# ENDPOINT_UPGRADE_KVER is the kernel the `upgrade` scenario installs in
# the guest (default: the newest VM kernel, 6.12).
ENDPOINT_KVER ?= $(firstword $(filter 6.1.%,$(VM_KVERS)))
ENDPOINT_UPGRADE_KVER ?= $(lastword $(VM_KVERS))
.PHONY: check-endpoint endpoint-image
check-endpoint: deb
	@EP_UPGRADE_KVER="$(ENDPOINT_UPGRADE_KVER)" \
		sh tests/endpoint/run-all.sh $(BUILD) "$(ENDPOINT_KVER)" $(ENDPOINT_SCENARIOS)

# The image alone: its base layer first (it needs no packages of ours),
# then the root disk from packages built into a folder of their own
# (nothing else writes there, so this can run beside `make deb`).  `make
# check` builds it while the suites before check-endpoint run, which then
# finds it current (the packages build byte for byte the same).
endpoint-image:
	@sh tests/endpoint/mkimage.sh --base $(BUILD) "$(ENDPOINT_KVER)"
	@sh scripts/deb.sh $(BUILD)/endpoint/debs
	@sh tests/endpoint/mkimage.sh $(BUILD) "$(ENDPOINT_KVER)" $(BUILD)/endpoint/debs

clean:
	rm -rf $(BUILD)
