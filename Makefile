# SPDX-License-Identifier: GPL-2.0-only
# pinwatch: `make` builds build/pinwatch; `make check` runs every test.

OUTPUT := build
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
VMLINUX_H := vmlinux/$(ARCH)/vmlinux.h

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CFLAGS ?= -O2 -g
CFLAGS += $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -I$(OUTPUT) -Ibpf -Iuser
# Fully static: the same binary runs on hosts without libbpf or json-c, and in the
# test guests.
LDFLAGS_STATIC := -static
LDLIBS := -l:libbpf.a -l:libelf.a -l:libz.a -l:libzstd.a -l:libjson-c.a

# User-side unit tests: sanitizers on, linked dynamically (ASan needs it).
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -I$(OUTPUT) -Ibpf -Iuser

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I$(dir $(VMLINUX_H)) -Ibpf

# What `pinwatch version` and pinwatch_build_info say: the commit, and its date
# (or SOURCE_DATE_EPOCH), not the wall clock: the same source builds the same.
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell \
	git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
BUILD_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),0)
BUILD_DATE := $(shell date -u -d @$(BUILD_EPOCH) +%Y-%m-%dT%H:%M:%SZ)
VERSION_FLAGS := -DPINWATCH_COMMIT='"$(GIT_COMMIT)"' -DPINWATCH_BUILD_DATE='"$(BUILD_DATE)"'

# Every user-side source but main.c and the fault hooks: the unit tests link these too.
LIB_SRCS := $(filter-out user/main.c user/fault.c,$(wildcard user/*.c))
LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))
# The same program with fault injection (user/fault.h), for the crash tests only.
FAULT_OBJS := $(patsubst user/%.c,$(OUTPUT)/faults/%.o,$(LIB_SRCS) user/main.c user/fault.c)
FAULTS_BIN := $(OUTPUT)/tests/pinwatch-faults
SKEL := $(OUTPUT)/pinwatch.skel.h
NOISE_SKEL := $(OUTPUT)/noise.skel.h
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN := $(OUTPUT)/unit_tests
HELPERS := $(patsubst tests/helpers/%.c,$(OUTPUT)/tests/%,$(wildcard tests/helpers/*.c))

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all clean check check-vm unit helpers vmlinux bench bench-vm format check-format asan fuzz fuzz-build \
	install uninstall FORCE

all: $(OUTPUT)/pinwatch helpers $(FAULTS_BIN)

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/faults $(OUTPUT)/tests $(OUTPUT)/unit:
	$(Q)mkdir -p $@

$(OUTPUT)/pinwatch.bpf.o: bpf/pinwatch.bpf.c bpf/pinwatch.h $(wildcard bpf/*.bpf.h) $(VMLINUX_H) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(OUTPUT)/pinwatch.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name pinwatch_bpf > $@

# The noise counters: a program of their own, loaded only by pinwatch noise.
$(OUTPUT)/noise.bpf.o: bpf/noise.bpf.c bpf/pinwatch_noise.h bpf/cgroup.bpf.h bpf/core_fixes.bpf.h $(VMLINUX_H) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(NOISE_SKEL): $(OUTPUT)/noise.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name noise_bpf > $@

# version.o follows the commit: rebuilt whenever the recorded one changes.
$(OUTPUT)/version.stamp: FORCE | $(OUTPUT)
	$(Q)echo '$(GIT_COMMIT) $(BUILD_DATE)' | cmp -s - $@ || echo '$(GIT_COMMIT) $(BUILD_DATE)' >$@
$(OUTPUT)/user/version.o $(OUTPUT)/faults/version.o: $(OUTPUT)/version.stamp
$(OUTPUT)/user/version.o $(OUTPUT)/faults/version.o: CFLAGS += $(VERSION_FLAGS)
FORCE:

$(OUTPUT)/user/%.o: user/%.c $(wildcard user/*.h) bpf/pinwatch.h bpf/pinwatch_noise.h $(SKEL) $(NOISE_SKEL) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/pinwatch: $(OUTPUT)/user/main.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS_STATIC) $^ $(LDLIBS) -o $@

$(OUTPUT)/faults/%.o: user/%.c $(wildcard user/*.h) bpf/pinwatch.h bpf/pinwatch_noise.h $(SKEL) $(NOISE_SKEL) | $(OUTPUT)/faults
	$(call msg,CC-FAULT,$@)
	$(Q)$(CC) $(CFLAGS) -DPW_FAULT_INJECTION -c $< -o $@

$(FAULTS_BIN): $(FAULT_OBJS) | $(OUTPUT)/tests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS_STATIC) $^ $(LDLIBS) -o $@

helpers: $(HELPERS)

$(OUTPUT)/tests/%: tests/helpers/%.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -static $< -o $@

# The benchmark's floor: empty programs on trace's hooks, and their loader.
$(OUTPUT)/floor.bpf.o: bpf/floor.bpf.c $(VMLINUX_H) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/tests/bpf_floor: tests/helpers/bpf_floor.c $(OUTPUT)/floor.bpf.o | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS_STATIC) $< $(LDLIBS) -o $@

# Unit tests compile the user sources again with sanitizers: a memory bug in a
# privileged agent is a security bug.
$(UNIT_BIN): $(UNIT_SRCS) $(LIB_SRCS) tests/unit/unit.h $(wildcard user/*.h) $(SKEL) $(NOISE_SKEL) | $(OUTPUT)
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(SAN_CFLAGS) -Itests/unit $(UNIT_SRCS) $(LIB_SRCS) \
		-lbpf -lelf -lz -ljson-c -o $@

unit: $(UNIT_BIN)
	$(Q)$(UNIT_BIN)

# The whole program under ASan and UBSan (linked dynamically): the integration
# suites run with it too (PW=build/pinwatch-asan tests/run.sh ...).
ASAN_BIN := $(OUTPUT)/pinwatch-asan
# The same build facts as the release binary: the tests read them from both.
$(ASAN_BIN): user/main.c $(LIB_SRCS) $(wildcard user/*.h) $(SKEL) $(NOISE_SKEL) $(OUTPUT)/version.stamp | $(OUTPUT)
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(SAN_CFLAGS) $(VERSION_FLAGS) user/main.c $(LIB_SRCS) -lbpf -lelf -lz -ljson-c -o $@

asan: $(ASAN_BIN)

# libFuzzer targets for every parser of untrusted input (tests/fuzz/), with
# Debian's clang: the sources once with coverage and sanitizers, then a
# target each. `make fuzz FUZZ_SECONDS=N` fuzzes each for N seconds.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all $(WARNINGS) -std=gnu11 -D_GNU_SOURCE -I$(OUTPUT) -Ibpf -Iuser
FUZZ_OBJS := $(patsubst user/%.c,$(OUTPUT)/fuzz/obj/%.o,$(LIB_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(OUTPUT)/fuzz/obj:
	$(Q)mkdir -p $@

$(OUTPUT)/fuzz/obj/%.o: user/%.c $(wildcard user/*.h) bpf/pinwatch.h $(SKEL) $(NOISE_SKEL) | $(OUTPUT)/fuzz/obj
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	$(call msg,LINK-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS) -lbpf -lelf -lz -ljson-c -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS)

check: all $(UNIT_BIN) $(ASAN_BIN) $(FUZZ_BINS)
	$(Q)tests/run.sh

# Only the kernel-matrix guests (6.1 and 6.12 under QEMU); `check` runs them too.
check-vm: all
	$(Q)tests/run.sh vm

# Speed targets live here, not in timed tests: docs/PERFORMANCE.md.
bench: all
	$(Q)scripts/bench.sh

# The syscall-cost table in the 6.12 guest (fentry): ratios only, opt-in.
bench-vm: all
	$(Q)scripts/bench-vm.sh

vmlinux:
	$(Q)scripts/gen-vmlinux.sh

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, its man page, bash
# completion and the agent's systemd unit (deploy/). make uninstall removes them.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
INSTALLED := $(DESTDIR)$(SBINDIR)/pinwatch $(DESTDIR)$(MANDIR)/man8/pinwatch.8 \
	$(DESTDIR)$(BASHCOMPDIR)/pinwatch $(DESTDIR)$(UNITDIR)/pinwatch-agent.service

install: $(OUTPUT)/pinwatch
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -D -m 0755 $(OUTPUT)/pinwatch $(DESTDIR)$(SBINDIR)/pinwatch
	$(Q)install -D -m 0644 docs/pinwatch.8 $(DESTDIR)$(MANDIR)/man8/pinwatch.8
	$(Q)install -D -m 0644 deploy/pinwatch.bash-completion $(DESTDIR)$(BASHCOMPDIR)/pinwatch
	$(Q)install -d $(DESTDIR)$(UNITDIR)
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|' deploy/pinwatch-agent.service.in \
		>$(DESTDIR)$(UNITDIR)/pinwatch-agent.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/pinwatch-agent.service

uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(INSTALLED)

# The tree stays in the kernel style of .clang-format; the test suite checks it.
FORMAT_SRCS := $(wildcard bpf/*.c bpf/*.h user/*.c user/*.h tests/unit/*.c tests/unit/*.h \
	tests/helpers/*.c tests/fuzz/*.c)
format:
	$(Q)clang-format -i $(FORMAT_SRCS)

check-format:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)
