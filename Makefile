# runts: `make demo` runs a busybox container end to end; `make test` runs every test.
SHELL := /bin/bash
CC ?= gcc
CFLAGS ?= -O2 -g
NATIVE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(CFLAGS)
NATIVE_SRC := $(wildcard native/*.c)
NATIVE_HDR := $(wildcard native/*.h)
SHIM := native/build/runts-init
BUN := node_modules/.bin/bun
TSC := node_modules/.bin/tsc

.PHONY: all deps build ts native cli demo test test-unit test-integration bench clean check-protocol install

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

$(SHIM): $(NATIVE_SRC) $(NATIVE_HDR)
	@mkdir -p native/build
	$(CC) $(NATIVE_CFLAGS) -o $@ $(NATIVE_SRC) -lseccomp
	$@ version > $@.version

native/protocol.h: src/process/protocol.ts scripts/gen-protocol-h.ts
	$(TSC) -p . && node dist/scripts/gen-protocol-h.js

check-protocol: ts
	node dist/scripts/gen-protocol-h.js --check

# The CLI: one bundled file run by Bun, with an absolute shebang (no wrapper process).
cli: ts
	@bash scripts/build-cli.sh

demo: deps build
	@bash scripts/demo.sh

test: deps build
	@bash scripts/test.sh

bench: deps build
	@bash bench/run.sh

# Puts `runts` on PATH (a symlink to this checkout's bin/runts, which finds its shim and Bun here).
PREFIX ?= /usr/local
install: build
	ln -sf "$(CURDIR)/bin/runts" "$(PREFIX)/bin/runts"

clean:
	rm -rf dist native/build bin/runts
