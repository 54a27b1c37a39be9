# ebpf_exporter for Deno
#
#   make run     install what is missing, build the examples, run the exporter on them (:9435)
#   make test    install what is missing, build the examples, run every test (unit + real kernel)
#   make deps    install the toolchain (apt) and the pinned Deno (npm, in tools/)
#   make check   deno fmt --check, deno lint, deno check
#   make compile one executable, permissions baked in (needs dl.deno.land or DENORT_BIN: README)
#
# Safe to run twice: installs only what is missing, rebuilds only what changed.

SHELL := /bin/bash
DENO := tools/node_modules/.bin/deno
APT_PACKAGES := clang-19 llvm-19 libbpf-dev libelf-dev bpftool prometheus pci.ids linux-libc-dev make
CONFIG_DIR ?= examples
CONFIG_NAMES ?= timers,biolatency
LISTEN ?= 0.0.0.0:9435
EXPORTER_FLAGS ?=

include examples/Makefile.inc

# The scoped permission set: the native libraries (libbpf, libc, our post_attach_mark object), the
# config dir, the listen address, and the two environment variables npm:yaml reads.
FFI_PATHS = $(shell $(DENO) run --frozen --allow-read --allow-env tools/ffi_paths.ts)
RUN_PERMISSIONS = --allow-ffi=$(FFI_PATHS) --allow-read=$(CONFIG_DIR) --allow-net=$(LISTEN) \
	--allow-env=LOG_TOKENS,LOG_STREAM

.PHONY: deps apt-deps deno-deps kernel-fs run test check-examples check fmt clean proto compile

# Classic tracepoints need tracefs; some machines boot without it mounted.
kernel-fs:
	@mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing || \
	  echo "warning: tracefs is not mounted at /sys/kernel/tracing; tracepoint programs cannot attach"

# ffi/mark/: our tiny shared object: post_attach_mark (called once every config is attached;
# programs put uprobes on it) and the capability drop that must run on every thread. gcc when present, else the clang apt installs.
MARK_LIB := ffi/mark/libebpf_exporter_mark.so
MARK_CC ?= $(if $(shell command -v gcc 2>/dev/null),gcc,$(BPF_CLANG))

deps: apt-deps deno-deps $(MARK_LIB)

$(MARK_LIB): $(wildcard ffi/mark/*.c) | apt-deps
	$(MARK_CC) -shared -fPIC -O2 -o $@ $^

apt-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	fi

deno-deps: $(DENO)

$(DENO): tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Fills Deno's module cache from deno.lock (npm:yaml); offline afterwards.
.deno-cache-stamp: deno.json deno.lock $(DENO)
	$(DENO) install --frozen --entrypoint main.ts >/dev/null
	touch $@

run: deps kernel-fs examples .deno-cache-stamp
	$(DENO) run --frozen $(RUN_PERMISSIONS) main.ts \
	  --config.dir=$(CONFIG_DIR) --config.names=$(CONFIG_NAMES) \
	  --web.listen-address=$(LISTEN) $(EXPORTER_FLAGS)

# BPF objects the integration tests and the benchmarks use besides the examples, compiled like
# them (examples/Makefile.inc).
TEST_BPF_OBJECTS := $(patsubst %.bpf.c,%.bpf.o,$(wildcard tests/fixtures/bpf/*.bpf.c))
TEST_BPF_HEADERS := $(wildcard tests/fixtures/bpf/*.h)
BENCH_BPF_OBJECTS := $(patsubst %.bpf.c,%.bpf.o,$(wildcard bench/fixtures/*.bpf.c))
$(TEST_BPF_OBJECTS) $(BENCH_BPF_OBJECTS): %.bpf.o: %.bpf.c $(BPF_HEADERS)
	$(BPF_COMPILE)
$(TEST_BPF_OBJECTS): $(TEST_BPF_HEADERS)

test: deps kernel-fs examples $(TEST_BPF_OBJECTS) .deno-cache-stamp
	$(DENO) test --frozen --allow-all --unstable-net src/ ffi/ tests/

# Every bundled example must load and attach here, strictly.
EXAMPLES_NEEDING_FEATURES = $(shell sed -n 's/^\([a-z0-9_]*\) .*/\1/p' examples/needs-kernel-features.txt)
EXAMPLE_NAMES = $(filter-out $(EXAMPLES_NEEDING_FEATURES),$(patsubst examples/%.yaml,%,$(wildcard examples/*.yaml)))
check-examples: deps kernel-fs examples .deno-cache-stamp
	@for n in $(EXAMPLE_NAMES); do \
	  $(DENO) run --frozen --allow-ffi=$(FFI_PATHS) --allow-read=examples --allow-env=LOG_TOKENS,LOG_STREAM \
	    main.ts --config.dir=examples --config.names=$$n --config.check --config.strict || exit 1; \
	done

# One executable with the scoped permission set baked in (README.md, "Single executable").
# `deno compile` downloads the denort runtime from dl.deno.land, or takes the one DENORT_BIN names:
# offline (as in CI) it stops with Deno's "error sending request for url" (make: Error 1). The
# mark library stays a file on disk (uprobes need a real path): install it at MARK_INSTALL_PATH.
comma := ,
space := $(subst ,, )
COMPILE_OUTPUT ?= ebpf_exporter
COMPILE_CONFIG_DIR ?= /etc/ebpf_exporter
MARK_INSTALL_PATH ?= /usr/local/lib/ebpf_exporter/libebpf_exporter_mark.so
COMPILE_FFI = $(subst $(space),$(comma),$(filter-out %/libebpf_exporter_mark.so,$(subst $(comma), ,$(FFI_PATHS))) $(MARK_INSTALL_PATH))
compile: deno-deps .deno-cache-stamp
	$(DENO) compile --frozen \
	  --allow-ffi=$(COMPILE_FFI) \
	  --allow-read=$(COMPILE_CONFIG_DIR) \
	  --allow-net=$(LISTEN) \
	  --allow-env=LOG_TOKENS,LOG_STREAM,EBPF_EXPORTER_MARK \
	  --include src/tracing/otlp.ts \
	  -o $(COMPILE_OUTPUT) main.ts

check: deno-deps
	$(DENO) fmt --check
	$(DENO) lint
	$(DENO) check main.ts src/ ffi/ tests/ tools/*.ts

fmt: deno-deps
	$(DENO) fmt

clean: clean-examples
	rm -f ebpf_exporter
	rm -f $(MARK_LIB)
	rm -f $(TEST_BPF_OBJECTS) $(BENCH_BPF_OBJECTS)
	rm -f .deno-cache-stamp

# Scrape and probe cost benchmarks (bench/README.md): `make bench`, or `make bench BENCH_FLAGS=--full`
# for the scrape benchmark's 1M series.
BENCH_FLAGS ?=
.PHONY: bench
# kernel-fs: probe_cost attaches a classic tracepoint.
bench: deps kernel-fs .deno-cache-stamp $(BENCH_BPF_OBJECTS)
	$(DENO) run --frozen -A bench/scrape.ts $(BENCH_FLAGS)
	$(DENO) run --frozen -A bench/probe_cost.ts

# Regenerates src/exposition/gen/metrics_pb.ts from the metrics.proto of Debian's
# golang-github-prometheus-client-model-dev, with protoc (protobuf-compiler) and the protoc-gen-es
# pinned in tools/proto/ (installed into a temporary directory). The output is committed: building,
# running and testing never need protoc.
proto: deno-deps
	bash tools/gen_proto.sh
