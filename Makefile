# SPDX-License-Identifier: MIT
# vigil: one non-recursive GNU Makefile. Objects live under build/.
#
#   make                 build/vigil: static, musl, libseccomp + libcap built
#                        for musl from Debian's source packages (build/musl)
#   make LIBC=glibc      build/vigil-glibc: the same sources, static glibc
#   make check           every test: unit (Check, valgrind), integration as
#                        PID 1, the same under ASan/UBSan, the examples;
#                        ends with one "N passed, N failed" over them all
#   make check-clone     make check in a fresh copy of the tree under a 0700
#                        directory, as a root user's clone in /root is
#   make bench           benchmarks side by side with tini and dumb-init
#   make demo-metrics    examples/observability: Prometheus scraping vigil
#   make deps            install the Debian packages the build and tests need

LIBC ?= musl
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

VERSION := 0.1.0
B := build
MUSL := $(B)/musl

WARN := -std=c11 -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wpointer-arith -Wwrite-strings -Wundef \
	-Wimplicit-fallthrough -Werror
HARDEN := -fstack-protector-strong -fstack-clash-protection \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-ffunction-sections -fdata-sections
CPPFLAGS_ALL := -D_GNU_SOURCE -DVIGIL_VERSION='"$(VERSION)"' -Iinit -Iprobes
OPT ?= -Os -g

SRCS := $(sort $(wildcard init/*.c probes/*.c))
LIB_SRCS := $(filter-out init/main.c,$(SRCS))
HDRS := $(sort $(wildcard init/*.h probes/*.h))

ifeq ($(LIBC),musl)
VIGIL_BIN := $(B)/vigil
else ifeq ($(LIBC),glibc)
VIGIL_BIN := $(B)/vigil-glibc
else
$(error LIBC must be musl or glibc)
endif
REL_INC := -I$(MUSL)/include -I$(MUSL)/kinc
REL_LIBS := $(MUSL)/lib/libseccomp.a $(MUSL)/lib/libcap.a
REL_DEPS := $(MUSL)/lib/libseccomp.a
REL_OBJ := $(B)/musl
REL_OBJS := $(SRCS:%.c=$(REL_OBJ)/%.o)

.PHONY: all deps demo check check-unit check-valgrind check-integration \
	check-san check-examples check-docker check-swarm check-k8s docker-base \
	check-glibc hdrcheck layercheck bench soak fuzz demo-metrics \
	format clean distclean install

all: $(VIGIL_BIN)

$(MUSL)/lib/libseccomp.a:
	$(Q)scripts/musl-deps.sh $(MUSL)

# PID 1's pages. The kernel maps a binary's pages in 64 KiB windows around
# each one touched, so what PID 1 never runs is kept apart: the code of
# forked children and subcommands (COLD_SRCS) and libseccomp (which only a
# child, or PID 1 once at start-up with probes, uses). Their code is linked
# after the libc PID 1 pulls in; their constants go in front of PID 1's
# (init/cold.ld), where the windows PID 1 touches do not reach. `make
# bench` shows the RSS; scripts/layout.sh how the pages fall.
COLD_SRCS := init/priv_drop.c init/priv_seccomp.c init/priv_text.c \
	init/status.c init/probe_cli.c init/help.c $(wildcard probes/*.c)
HOT_OBJS := $(filter-out $(COLD_SRCS:%.c=$(REL_OBJ)/%.o),$(REL_OBJS))
COLD_OBJS := $(COLD_SRCS:%.c=$(REL_OBJ)/cold/%.o)

define REL_CC
	@mkdir -p $(dir $@)
	$(Q)musl-gcc $(CPPFLAGS_ALL) $(REL_INC) $(WARN) $(HARDEN) $(OPT) \
		-MMD -MP -c -o $@ $<
endef
$(REL_OBJ)/%.o: %.c | $(REL_DEPS)
	$(REL_CC)
$(REL_OBJ)/cold/%.o: %.c | $(REL_DEPS)
	$(REL_CC)

$(B)/vigil: $(HOT_OBJS) $(COLD_OBJS) init/cold.ld $(REL_DEPS)
	$(Q)musl-gcc -static -Wl,--gc-sections,-z,relro,-z,now,-z,noexecstack \
		-Wl,-T,init/cold.ld -o $@.full $(HOT_OBJS) \
		$(MUSL)/lib/libcap.a -Wl,-lc $(COLD_OBJS) $(MUSL)/lib/libseccomp.a
	$(Q)strip -o $@ $@.full
	@echo "built $@ ($$(stat -c %s $@) bytes, musl static)"

# The glibc static build stays green as a compile check of the same sources.
GLIBC_OBJS := $(SRCS:%.c=$(B)/glibc/%.o)
$(B)/glibc/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)gcc $(CPPFLAGS_ALL) $(WARN) $(HARDEN) $(OPT) -MMD -MP -c -o $@ $<
$(B)/vigil-glibc: $(GLIBC_OBJS)
	$(Q)gcc -static -Wl,--gc-sections,-z,relro,-z,now -o $@ $^ \
		-lseccomp -lcap 2>$(B)/glibc-link.log || \
		{ cat $(B)/glibc-link.log; exit 1; }
	$(Q)strip $@
	@echo "built $@ ($$(stat -c %s $@) bytes, glibc static)"
check-glibc: $(B)/vigil-glibc
	@echo "glibc static build: ok ($$(stat -c %s $<) bytes)"

# Tests: dynamic glibc, optionally with sanitizers (SAN=1 objects go to san/).
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
T := $(B)/test
S := $(B)/san
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
HELPER_SRCS := $(sort $(wildcard tests/integration/helpers/*.c))
HELPERS := $(HELPER_SRCS:tests/integration/helpers/%.c=$(B)/helpers/%)

$(T)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)gcc $(CPPFLAGS_ALL) -Itests/unit -I$(T) $(WARN) $(TEST_WARN) -O1 -g \
		-MMD -MP -c -o $@ $<
$(S)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)gcc $(CPPFLAGS_ALL) -Itests/unit -I$(S) $(WARN) $(TEST_WARN) -O1 -g \
		$(SAN_FLAGS) -MMD -MP -c -o $@ $<

# Test tables hold argv-style string literals in char * arrays.
$(T)/tests/%.o $(S)/tests/%.o: TEST_WARN := -Wno-write-strings \
	-Wno-discarded-qualifiers

# The runner's suite list is generated from the test files themselves.
$(T)/suites.h $(S)/suites.h: $(UNIT_SRCS)
	@mkdir -p $(dir $@)
	$(Q)names=$$(sed -n 's/^\(suite_[a-z0-9_]*\)(void)$$/\1/p' \
		$(UNIT_SRCS) | sort); \
	{ for n in $$names; do echo "Suite *$$n(void);"; done; \
	  printf '#define UNIT_SUITES'; \
	  for n in $$names; do printf ' X(%s)' $$n; done; echo; } > $@
$(T)/tests/unit/runner.o: $(T)/suites.h
$(S)/tests/unit/runner.o: $(S)/suites.h

$(B)/unit: $(LIB_SRCS:%.c=$(T)/%.o) $(UNIT_SRCS:%.c=$(T)/%.o)
	$(Q)gcc -o $@ $^ $(CHECK_LIBS) -lseccomp -lcap
$(B)/unit-san: $(LIB_SRCS:%.c=$(S)/%.o) $(UNIT_SRCS:%.c=$(S)/%.o)
	$(Q)gcc $(SAN_FLAGS) -o $@ $^ $(CHECK_LIBS) -lseccomp -lcap
$(B)/vigil-san: $(SRCS:%.c=$(S)/%.o)
	$(Q)gcc $(SAN_FLAGS) -o $@ $^ -lseccomp -lcap

$(B)/helpers/%: tests/integration/helpers/%.c
	@mkdir -p $(dir $@)
	$(Q)gcc -D_GNU_SOURCE -std=c11 -Wall -Wextra -Werror -O1 -g -pthread -o $@ $<

check-unit: $(B)/unit
	$(B)/unit
check-valgrind: $(B)/unit
	CK_FORK=yes valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \
		--trace-children=yes --errors-for-leak-kinds=definite \
		$(B)/unit >$(B)/valgrind.log 2>&1 || \
		{ tail -n 40 $(B)/valgrind.log; exit 1; }
	@tail -n 1 $(B)/valgrind.log | sed 's/^/valgrind: /'
check-integration: $(B)/vigil $(HELPERS)
	tests/integration/run.sh $(B)/vigil
check-san: $(B)/unit-san $(B)/vigil-san $(HELPERS)
	ASAN_OPTIONS=detect_leaks=0 $(B)/unit-san
	VIGIL_SAN=1 ASAN_OPTIONS=detect_leaks=1 tests/integration/run.sh \
		$(B)/vigil-san
check-examples: $(B)/vigil
	tests/examples/run.sh $(B)/vigil
check-docker: $(B)/vigil $(HELPERS)
	tests/docker/run.sh $(B)/vigil
# examples/kubernetes checked offline (YAML, the example's promises, and
# the API schema when K8S_PYTHON has the kubernetes-validate package), then
# examples/swarm on a single-node Swarm (made and left again if none is
# active).
K8S_PYTHON ?= python3
check-k8s:
	$(K8S_PYTHON) tests/swarm/k8s_check.py examples/kubernetes
check-swarm: $(B)/vigil check-k8s
	tests/swarm/run.sh $(B)/vigil

# A Debian 12 base image made locally (debootstrap + docker import), for
# building the Dockerfiles where no registry can be reached.
docker-base:
	scripts/docker-base.sh

hdrcheck:
	$(Q)for h in $(HDRS); do \
		printf '#include "%s"\n' $$h | gcc $(CPPFLAGS_ALL) $(WARN) \
			-fsyntax-only -x c - || exit 1; done
	@echo "headers: each compiles on its own"

# PID 1 never parses peer bytes: nothing in init/ may reach the probe
# process's parsers and helpers.
layercheck:
	$(Q)if grep -l '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]probe_impl\.h[>"]' \
		init/*.c init/*.h; then \
		echo "layercheck: the files above are in PID 1 and include" \
			"probe_impl.h"; exit 1; fi
	@echo "layers: nothing in init/ includes probe_impl.h"

.PHONY: check-env check-clone
# Root, namespaces and user switching, checked once up front.
check-env:
	@scripts/check-env.sh

# Every suite runs even after another failed; the last line sums them all.
SUITES := check-unit check-valgrind check-integration check-san check-examples
check: check-env all hdrcheck layercheck check-glibc
	@scripts/check-suites.sh "$(MAKE)" $(SUITES)

check-clone:
	scripts/check-clone.sh

bench: $(B)/vigil $(HELPERS)
	tests/bench/run.sh $(B)/vigil

# A million probe runs: PID 1 must not grow in memory or descriptors.
soak: $(B)/vigil
	tests/bench/soak.sh $(B)/vigil 1000000

fuzz:
	tests/fuzz/run.sh

demo: $(B)/vigil
	examples/basics/crash-loop.sh

# vigil --metrics scraped by a real Prometheus; a screenshot of its graph.
# The screenshot needs a browser; installed here, not by every make deps.
demo-metrics: $(B)/vigil
	@command -v chromium >/dev/null || DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null
	examples/observability/run-local --screenshot 40

deps:
	@mkdir -p $(B); echo "deps: apt-get install (log: $(B)/deps.log)"
	@apt-get update -qq >$(B)/deps.log 2>&1 || \
		{ tail -n 20 $(B)/deps.log; exit 1; }
	@DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		build-essential musl-tools gperf dpkg-dev pkg-config ca-certificates \
		libcap-dev libseccomp-dev check libsubunit-dev valgrind \
		util-linux procps iproute2 python3 python3-celery python3-redis \
		redis-server postgresql tini dumb-init hyperfine curl clang \
		libclang-rt-14-dev file prometheus \
		>>$(B)/deps.log 2>&1 || { tail -n 20 $(B)/deps.log; exit 1; }

format:
	clang-format -i $(SRCS) $(HDRS) $(UNIT_SRCS) $(HELPER_SRCS)

install: $(VIGIL_BIN)
	install -D -m 0755 $(B)/vigil $(DESTDIR)/sbin/vigil

clean:
	rm -rf $(B)/glibc $(B)/test $(B)/san $(B)/helpers $(B)/fuzz \
		$(B)/vigil* $(B)/unit* $(REL_OBJ)/init $(REL_OBJ)/probes \
		$(REL_OBJ)/cold

# Also drops the cached musl builds of libseccomp and libcap.
distclean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
