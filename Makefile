# runts: `make demo` runs a busybox container end to end; `make test` runs every test.
SHELL := /bin/bash
CC ?= gcc
CFLAGS ?= -O2 -g
NATIVE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(CFLAGS)
NATIVE_SRC := $(wildcard native/*.c)
NATIVE_HDR := $(wildcard native/*.h)
SHIM := native/build/runts-init
TSC := node_modules/.bin/tsc
QJS_CLI := bin/runts

.PHONY: all deps build ts native cli demo test docs test-unit test-integration bench bench-split bench-systemd clean check-protocol install native-asan fuzz soak qjs qjs-cli qjs-cli-asan

all: build

# Installs what is missing: apt packages (as root) and npm packages.
deps:
	@bash scripts/deps.sh

build: ts native cli

ts: node_modules/.installed
	$(TSC) -p .

node_modules/.installed: package.json
	npm install --no-audit --no-fund
	touch $@

native: $(SHIM)

# Linked statically: no dynamic loader runs (twice: the sealed re-exec) on every container
# start (run -3 ms, exec -3.5 ms here), and no shared library is mapped into a process that
# joins a container. Its sealed memfd copy (the fallback where overlayfs is refused,
# native/cloned.c) is charged to the caller's memory cgroup: stage-0
# joins the container's cgroups only after the copy (a 1 MiB container still runs).
$(SHIM): $(NATIVE_SRC) $(NATIVE_HDR)
	@mkdir -p native/build
	$(CC) $(NATIVE_CFLAGS) -static -o $@ $(NATIVE_SRC) -lseccomp
	$@ version > $@.version

native/protocol.h: src/process/protocol.ts scripts/gen-protocol-h.ts
	$(TSC) -p . && node dist/scripts/gen-protocol-h.js

check-protocol: ts
	node dist/scripts/gen-protocol-h.js --check

# Reliability (README "Reliability"): the shim built with ASan + UBSan (tests use it with
# RUNTS_TEST_SHIM=native/build-asan/runts-init), the plan-decoder fuzzer run for
# FUZZ_SECONDS, and the long soak (SOAK_CYCLES create/start/delete cycles).
SHIM_ASAN := native/build-asan/runts-init
FUZZER := native/build-fuzz/plan_fuzz
SAN_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60
SOAK_CYCLES ?= 1000

native-asan: $(SHIM_ASAN)

$(SHIM_ASAN): $(NATIVE_SRC) $(NATIVE_HDR) test/fuzz/sanitizer-options.c
	@mkdir -p native/build-asan
	clang $(SAN_CFLAGS) -fsanitize=address,undefined -o $@ $(NATIVE_SRC) test/fuzz/sanitizer-options.c -lseccomp
	$@ version > $@.version

$(FUZZER): test/fuzz/plan_fuzz.c native/plan.c native/plan.h native/protocol.h
	@mkdir -p native/build-fuzz
	clang $(SAN_CFLAGS) -fsanitize=fuzzer,address,undefined -Inative -o $@ test/fuzz/plan_fuzz.c native/plan.c

fuzz: $(FUZZER)
	@bash scripts/fuzz.sh $(FUZZ_SECONDS)

soak: build
	tini -s -- node --expose-gc dist/test/soak/soak.js --cycles $(SOAK_CYCLES) --exec-cycles $$(( $(SOAK_CYCLES) / 5 ))

# The CLI: bin/runts, one static ELF (QuickJS-ng + the CLI's bytecode + the host module
# native/cli + the init shim; DESIGN.md §2b, README "Command line").
cli: $(QJS_CLI)

# API reference (TypeDoc, typedoc.json) from the TSDoc comments of src/index.ts's exports into
# docs/api/; any warning (an undocumented export, a type referenced but not exported, a
# broken link) fails it.
docs: node_modules/.installed
	node_modules/.bin/typedoc

demo: deps build
	@bash scripts/demo.sh

test: deps build
	@bash scripts/test.sh

bench: deps build
	@bash bench/run.sh

# Where each command's milliseconds go (bench/split.mjs; make bench runs it too).
bench-split: build
	@bash bench/run.sh --split-only

# The systemd cgroup driver's cost (create+start+wait+delete, runts and runc 1.1.5, each with
# --systemd-cgroup and with cgroupfs) in one boot of the emulated systemd guest.
bench-systemd: build
	@bash bench/systemd.sh $(RUNS)

# Puts `runts` on PATH (a symlink to this checkout's bin/runts: one static file, shim included).
PREFIX ?= /usr/local
install: build
	ln -sf "$(CURDIR)/bin/runts" "$(PREFIX)/bin/runts"

# QuickJS-ng (DESIGN.md §2b), from Debian's qjs-src: `make deps` (scripts/qjs-src.sh)
# extracts its sources into build/qjs; they are compiled here into a static library for
# the CLI binary (native/cli/tools/qbc.c, built with it, compiles bytecode at build time).
# The engine's own code gets -Wall but not -Werror: its warnings are upstream's.
QJS_SRC := build/qjs/usr/src/quickjs-ng
QJS_OUT := build/qjs-obj
QJS_LIB := $(QJS_OUT)/libqjs.a
QJS_CFLAGS := -std=gnu11 -Wall -D_GNU_SOURCE -DNDEBUG -O2 -g0
QJS_ENGINE := quickjs libregexp libunicode dtoa

qjs: $(QJS_LIB)

# build/qjs/.version is written last by scripts/qjs-src.sh: the sources are all there.
QJS_STAMP := build/qjs/.version
$(QJS_STAMP): scripts/qjs-src.sh
	@bash scripts/qjs-src.sh
	@touch $@

$(QJS_OUT)/%.o: $(QJS_STAMP) Makefile
	@mkdir -p $(QJS_OUT)
	$(CC) $(QJS_CFLAGS) -c -o $@ $(QJS_SRC)/$*.c

$(QJS_LIB): $(QJS_ENGINE:%=$(QJS_OUT)/%.o)
	rm -f $@ && ar rcs $@ $^


qjs-cli: $(QJS_CLI)

$(QJS_CLI): qjs ts $(NATIVE_SRC) $(NATIVE_HDR) $(wildcard native/cli/*.c native/cli/*.h native/cli/tools/*.c) scripts/build-qjs-cli.sh scripts/embed-modules.sh
	@bash scripts/build-qjs-cli.sh

# The same with ASan + UBSan on the host module and the shim (clang, dynamic): run the
# integration tests against it with RUNTS_TEST_CLI=bin/runts-asan (scripts/test.sh does).
qjs-cli-asan: qjs ts
	@SANITIZE=1 bash scripts/build-qjs-cli.sh

clean:
	rm -rf dist native/build native/build-asan native/build-fuzz bin/runts bin/runts-asan build/qjs-obj build/cli build/cli-asan
