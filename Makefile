# imaguard — build, test and demo entry points.
#
#   make            build/imaguard (BPF object embedded through a skeleton)
#   make check      install what is missing, build, run unit tests (plain and
#                   ASan+UBSan), host shell tests, the VM suite on both kernels
#                   and a quick benchmark run in gate mode
#   make demo       the enforcer in a guest, with a short scripted scenario
#   make bench      every benchmark, full length: host instruments (tests/bench,
#                   scripts/bench) and the guest's igbench on both kernels;
#                   results in build/bench/results.{json,md}
#   make bench-quick  the same, short (also the last step of `make check`,
#                   gated on gross regressions only)
#   make vmtest     the VM suite only: KERNELS="6.1 6.12" T=<test name>
#   make vmshell    a shell in the guest: KERNEL=6.1
#   make testdata-auditlog  recapture tests/data/auditlog/ from the daemon in the guest
#   make vmlinux    regenerate the pinned bpf/vmlinux_6.1.h from the Debian 6.1 kernel
#   make install    DESTDIR= prefix=/usr/local sysconfdir=/etc (make uninstall)
#   V=1             show full commands

.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

B        := build
CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
LLVM_STRIP ?= llvm-strip
prefix   ?= /usr/local
DESTDIR  ?=

ifeq ($(V),1)
Q   :=
msg :=
else
Q   := @
msg = @printf '  %-9s %s\n' '$(1)' '$(2)';
endif

WARN      := -Wall -Wextra -Werror
CFLAGS    ?= -O2 -g
BASECFLAGS = $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc -I$(B)/gen -MMD -MP
LDLIBS    := -lbpf -lelf -lz -ljansson -lcrypto -larchive -lpthread
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 $(WARN) -Wno-unused-parameter \
	-Iinclude -Ibpf -MMD -MP

SRCS      := $(sort $(shell find src -name '*.c'))
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
BPF_SRCS  := $(sort $(wildcard bpf/*.bpf.c))
BENCH_BPF_SRCS := $(sort $(wildcard tests/bench/*.bpf.c))
SKELS     := $(patsubst bpf/%.bpf.c,$(B)/gen/%.skel.h,$(BPF_SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITS     := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))

obj = $(patsubst %.c,$(B)/$(1)/%.o,$(2))

.PHONY: all
all: $(B)/imaguard

# ---- BPF objects and skeletons -----------------------------------------------
# $(1) source directory, $(2) output directory. The skeleton embeds the
# object with its DWARF stripped (BTF stays: CO-RE and the verifier's line
# info need it); the unstripped object is kept for llvm-objdump -S.
define bpf_objects
$(2)/bpf/%.bpf.o: $(1)/%.bpf.c
	$$(call msg,BPF,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(CLANG) $$(BPF_CFLAGS) -c $$< -o $$@

$(2)/bpf/%.stripped.o: $(2)/bpf/%.bpf.o
	$$(call msg,STRIP,$$@)
	$$(Q)$$(LLVM_STRIP) -g $$< -o $$@

$(2)/gen/%.skel.h: $(2)/bpf/%.stripped.o
	$$(call msg,GEN-SKEL,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(BPFTOOL) gen skeleton $$< name $$*_bpf > $$@
endef

$(eval $(call bpf_objects,bpf,$(B)))

# ---- userspace, in three flavours: release, sanitizer, fuzz ------------------
# $(1) flavour directory, $(2) extra flags, $(3) compiler
define flavour
$(B)/$(1)/%.o: %.c | $(SKELS)
	$$(call msg,CC,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$(3) $$(CFLAGS) $(2) $$(BASECFLAGS) -c $$< -o $$@

$(B)/$(1)/libimaguard.a: $(call obj,$(1),$(LIB_SRCS))
	$$(call msg,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^

$(B)/$(1)/tests/unit/%: $(B)/$(1)/tests/unit/%.o $(B)/$(1)/libimaguard.a
	$$(call msg,LINK,$$@)
	$$(Q)$$(CC) $$(CFLAGS) $(2) -o $$@ $$^ -lcmocka $$(LDLIBS)

-include $(patsubst %.o,%.d,$(call obj,$(1),$(SRCS) $(UNIT_SRCS) $(FUZZ_SRCS) $(VM_DRIVER_SRCS)))
endef

# Guest-side programs that link the library (dynamic; copied with their libraries).
# igbench, the guest benchmark, is built for the benchmarks alone.
VM_DRIVER_SRCS := $(sort $(wildcard tests/vm/driver/*.c))
VM_DRIVERS     := $(filter-out $(B)/vm/dyn/igbench, \
		  $(patsubst tests/vm/driver/%.c,$(B)/vm/dyn/%,$(VM_DRIVER_SRCS)))

VM_HELPER_SRCS := $(sort $(wildcard tests/vm/helpers/*.c))
VM_HELPERS     := $(patsubst tests/vm/helpers/%.c,$(B)/vm/bin/%,$(VM_HELPER_SRCS))
VM_DEPS := $(B)/imaguard $(VM_HELPERS) $(VM_DRIVERS)

FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS   := $(patsubst tests/fuzz/%.c,$(B)/fuzz/tests/fuzz/%,$(FUZZ_SRCS))
FUZZFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

$(eval $(call flavour,obj,,$$(CC)))
$(eval $(call flavour,asan,$(SANFLAGS),$$(CC)))
$(eval $(call flavour,fuzz,$(FUZZFLAGS),$$(CLANG)))

$(B)/fuzz/tests/fuzz/%: $(B)/fuzz/tests/fuzz/%.o $(B)/fuzz/libimaguard.a
	$(call msg,LINK,$@)
	$(Q)$(CLANG) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

$(B)/imaguard: $(B)/obj/src/main.o $(B)/obj/libimaguard.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

-include $(patsubst %.o,%.d,$(patsubst bpf/%.bpf.c,$(B)/bpf/%.bpf.o,$(BPF_SRCS)))
-include $(patsubst tests/bench/%.bpf.c,$(B)/bench/bpf/%.bpf.d,$(BENCH_BPF_SRCS))

# ---- tests -------------------------------------------------------------------
UNIT_BINS      := $(addprefix $(B)/obj/tests/unit/,$(UNITS))
UNIT_BINS_ASAN := $(addprefix $(B)/asan/tests/unit/,$(UNITS))

.PHONY: deps unit unit-asan hosttest fuzz fuzz-quick fuzz-long vmtest vmshell check demo bench bench-quick vmlinux clean install uninstall
deps:
	$(Q)scripts/deps.sh

unit: $(UNIT_BINS)
	$(Q)scripts/run-unit.sh $(UNIT_BINS)

unit-asan: $(UNIT_BINS_ASAN)
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		scripts/run-unit.sh $(UNIT_BINS_ASAN)

hosttest: $(B)/imaguard $(VM_DEPS)
	$(Q)scripts/run-host-tests.sh

# Each fuzzer runs FUZZ_SECONDS over its seed corpus: tests/fuzz/corpus/<name>/,
# and for the import fuzzers the fixtures of their format in tests/data/import/.
FUZZ_SECONDS ?= 60
fuzz: $(FUZZERS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzz.sh $(FUZZERS)

fuzz-quick: $(FUZZERS)
	$(Q)FUZZ_SECONDS=5 scripts/run-fuzz.sh $(FUZZERS)

# Each fuzzer to FUZZ_RUNS inputs (FUZZ_LONG_SECONDS, when set, cuts a target
# short: the table then projects the time of the full run), its corpus kept in
# $(B)/fuzz/corpus-long/<name>/; FUZZ_MERGE=1 merges what adds coverage into
# the seeds in tests/fuzz/corpus/.
FUZZ_RUNS ?= 10000000
fuzz-long: $(FUZZERS)
	$(Q)FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_MERGE=$(FUZZ_MERGE) \
		$(if $(FUZZ_LONG_SECONDS),FUZZ_SECONDS=$(FUZZ_LONG_SECONDS)) scripts/run-fuzz.sh $(FUZZERS)

# The layering, read from the sources: includes go down the layers of src/
# only, and only enforcer/ uses libbpf (scripts/check-layout.sh). The symbols
# the library exports carry their module's prefix (scripts/check-symbols.sh;
# it reads the objects, as the archive's members lose their folder).
.PHONY: check-layout check-symbols
check-layout:
	$(Q)scripts/check-layout.sh

check-symbols: $(B)/obj/libimaguard.a
	$(Q)scripts/check-symbols.sh $(call obj,obj,$(LIB_SRCS))


$(B)/vm/bin/%: tests/vm/helpers/%.c
	$(call msg,CC-STATIC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 $(WARN) -std=gnu11 -D_GNU_SOURCE -Iinclude -static -o $@ $<


$(B)/vm/dyn/%: $(B)/obj/tests/vm/driver/%.o $(B)/obj/libimaguard.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)


vmtest: $(VM_DEPS)
	$(Q)scripts/vm/run.sh test

vmshell: $(VM_DEPS)
	$(Q)scripts/vm/run.sh shell

# The audit logs the host tests read, as the daemon writes them in the guest
# (tests/data/auditlog/README).
.PHONY: testdata-auditlog
testdata-auditlog: $(VM_DEPS)
	$(Q)scripts/testdata-auditlog.sh

# ---- test tools: programs the host tests run (tests/tools/*.c, linking the library)
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOLS     := $(patsubst tests/tools/%.c,$(B)/tools/%,$(TOOL_SRCS))

$(B)/tools/%: $(B)/obj/tests/tools/%.o $(B)/obj/libimaguard.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

-include $(patsubst %.c,$(B)/obj/%.d,$(TOOL_SRCS))

hosttest: $(TOOLS)

# `check` installs what is missing first, then runs make again so that the
# freshly installed tools are the ones used.
check:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory check-layout check-symbols
	$(Q)$(MAKE) --no-print-directory unit unit-asan fuzz-quick hosttest vmtest
	$(Q)$(MAKE) --no-print-directory bench-quick BENCH_FLAGS=--gate

demo:
	$(Q)scripts/deps.sh
	$(Q)$(MAKE) --no-print-directory $(VM_DEPS)
	$(Q)scripts/vm/run.sh demo

# ---- benchmarks: host instruments (tests/bench/*.c, linking the library) and
# the guest's igbench, run and merged by scripts/bench.sh. `check` runs the
# quick set alone, after everything else, so that no other work shares the
# cores while it measures.
BENCH_SRCS := $(sort $(filter-out %.bpf.c,$(wildcard tests/bench/*.c)))
BENCH_BINS := $(patsubst tests/bench/%.c,$(B)/bench/bin/%,$(BENCH_SRCS))
BENCH_FLAGS ?=

# The guest's igbench, and the empty programs it measures the trampolines
# with (tests/bench/noop.bpf.c): bench products, not part of `make`.
BENCH_SKELS   := $(patsubst tests/bench/%.bpf.c,$(B)/bench/gen/%.skel.h,$(BENCH_BPF_SRCS))
BENCH_DRIVERS := $(B)/vm/dyn/igbench

$(eval $(call bpf_objects,tests/bench,$(B)/bench))

# The floor's programs, one empty twin of each of the chain's.
$(B)/bench/gen/noop-progs.h: tests/bench/noop-progs.awk bpf/enforcer.bpf.c $(wildcard bpf/*.bpf.h)
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)awk -f $< bpf/enforcer.bpf.c $(wildcard bpf/*.bpf.h) > $@
$(B)/bench/bpf/noop.bpf.o: $(B)/bench/gen/noop-progs.h
$(B)/bench/bpf/noop.bpf.o: BPF_CFLAGS += -I$(B)/bench/gen

$(B)/obj/tests/vm/driver/igbench.o: $(BENCH_SKELS)
# first, so that no other noop.skel.h on the include path is taken for it
$(B)/obj/tests/vm/driver/igbench.o: BASECFLAGS := -I$(B)/bench/gen $(BASECFLAGS)

$(B)/bench/bin/%: $(B)/obj/tests/bench/%.o $(B)/obj/libimaguard.a
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

-include $(patsubst %.c,$(B)/obj/%.d,$(BENCH_SRCS))

bench: $(VM_DEPS) $(BENCH_DRIVERS) $(BENCH_BINS) $(B)/imaguard
	$(Q)scripts/bench.sh full $(BENCH_FLAGS)

bench-quick: $(VM_DEPS) $(BENCH_DRIVERS) $(BENCH_BINS) $(B)/imaguard
	$(Q)scripts/bench.sh quick $(BENCH_FLAGS)

vmlinux:
	$(Q)scripts/gen-vmlinux.sh bpf/vmlinux_6.1.h

# The config the unit reads goes to $(sysconfdir)/imaguard, never over one
# already there (the operator's); `make uninstall` removes it only while it
# is still the file installed, byte for byte.
sysconfdir ?= /etc
CONF      := $(DESTDIR)$(sysconfdir)/imaguard/imaguard.conf
UNIT      := $(DESTDIR)$(prefix)/lib/systemd/system/imaguard.service
MAN8      := $(wildcard man/*.8)
MAN5      := $(wildcard man/*.5)
INSTALLED := $(DESTDIR)$(prefix)/sbin/imaguard $(UNIT) \
	$(DESTDIR)$(prefix)/share/doc/imaguard/imaguard.conf.example \
	$(DESTDIR)$(prefix)/share/doc/imaguard/logrotate.example \
	$(patsubst man/%,$(DESTDIR)$(prefix)/share/man/man8/%,$(MAN8)) \
	$(patsubst man/%,$(DESTDIR)$(prefix)/share/man/man5/%,$(MAN5)) \
	$(DESTDIR)$(prefix)/share/bash-completion/completions/imaguard \
	$(DESTDIR)$(prefix)/lib/imaguard/apt-check \
	$(DESTDIR)$(prefix)/share/doc/imaguard/apt.conf.example

install: $(B)/imaguard
	install -D -m 0755 $(B)/imaguard $(DESTDIR)$(prefix)/sbin/imaguard
	install -D -m 0644 contrib/imaguard.service $(UNIT)
	sed -i -e 's|/usr/local/sbin/imaguard|$(prefix)/sbin/imaguard|' \
		-e 's|/etc/imaguard/imaguard.conf|$(sysconfdir)/imaguard/imaguard.conf|' $(UNIT)
	@if [ -e $(CONF) ]; then \
		echo "install: keeping $(CONF)"; \
	else \
		echo "install -D -m 0644 contrib/imaguard.conf $(CONF)"; \
		install -D -m 0644 contrib/imaguard.conf $(CONF); \
	fi
	install -D -m 0644 contrib/imaguard.conf $(DESTDIR)$(prefix)/share/doc/imaguard/imaguard.conf.example
	install -D -m 0644 contrib/imaguard.logrotate $(DESTDIR)$(prefix)/share/doc/imaguard/logrotate.example
	install -d -m 0755 $(DESTDIR)$(prefix)/share/man/man8 $(DESTDIR)$(prefix)/share/man/man5
	install -m 0644 $(MAN8) $(DESTDIR)$(prefix)/share/man/man8/
	install -m 0644 $(MAN5) $(DESTDIR)$(prefix)/share/man/man5/
	install -D -m 0644 contrib/completion/imaguard.bash $(DESTDIR)$(prefix)/share/bash-completion/completions/imaguard
	# The apt hook is installed, not enabled: copying the example to
	# /etc/apt/apt.conf.d/ enables it (docs/packages.md).
	install -D -m 0755 contrib/apt/imaguard-apt-check $(DESTDIR)$(prefix)/lib/imaguard/apt-check
	install -D -m 0644 contrib/apt/80imaguard $(DESTDIR)$(prefix)/share/doc/imaguard/apt.conf.example
	sed -i 's|/usr/lib/imaguard/apt-check|$(prefix)/lib/imaguard/apt-check|g' \
		$(DESTDIR)$(prefix)/share/doc/imaguard/apt.conf.example

uninstall:
	rm -f $(INSTALLED)
	rmdir $(DESTDIR)$(prefix)/share/doc/imaguard 2>/dev/null || true
	rmdir $(DESTDIR)$(prefix)/lib/imaguard 2>/dev/null || true
	@if [ -e $(CONF) ] && ! cmp -s contrib/imaguard.conf $(CONF); then \
		echo "uninstall: keeping $(CONF): it was changed"; \
	else \
		echo "rm -f $(CONF)"; rm -f $(CONF); \
		rmdir $(DESTDIR)$(sysconfdir)/imaguard 2>/dev/null || true; \
	fi

clean:
	rm -rf $(B)/obj $(B)/asan $(B)/fuzz $(B)/bpf $(B)/gen $(B)/imaguard $(B)/vm/bin $(B)/vm/dyn $(B)/vm/initramfs* $(B)/vm/logs $(B)/bench/bin \
		$(B)/bench/bpf $(B)/bench/gen

# `make distclean` also drops the cached kernels.
distclean:
	rm -rf $(B)
