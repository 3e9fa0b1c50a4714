# SPDX-License-Identifier: GPL-2.0
#
# ntexec top-level Makefile.
#
#   make            module (against KDIR) + libntexec + tests + examples
#   make check      every test, in a VM running the ntexec test kernel
#                   (its stages: scripts/README.md)
#   make check-long the same with the long variants of the tests that have
#                   one (NTEXEC_LONG=1: more processes, longer stress runs)
#   make demo       boot a VM with the module loaded and run the demo
#   make fuzz       a long run of the ioctl fuzzer in a VM (SEED= CALLS=
#                   SECONDS= AS=root|nobody KERNEL=debug|6.1|6.12)
#   make coverage   the module's basic blocks the fuzzer and the whole suite
#                   reach (kcov, on the benchmark kernel; SEED= CALLS=
#                   SECONDS= for the fuzzer, SUITE=0 for the fuzzer alone)
#   make module     just ntexec.ko (KDIR=/path/to/kernel/build to choose)
#   make user       libntexec, tests and examples (into build/), and the
#                   compile-time tests of <ntexec/nt.h> (tests/header-check.sh)
#   make install    libntexec, headers and ntexec.pc under PREFIX
#   make dkms-install  the module's sources to /usr/src/ntexec-VERSION under
#                   DKMS, built and installed for every kernel with headers
#   make checkpatch kernel style on the module sources
#
# KDIR defaults to the running kernel's build tree when it exists, else to
# the cached ntexec test kernel (scripts/helpers/kernel.sh).

KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else scripts/helpers/kernel.sh --dir; fi)
PREFIX ?= /usr/local
B := build

CC ?= cc
CFLAGS ?= -O2 -g
USER_CFLAGS := $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-Iuserlib/include -I. $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
# C++ users of <ntexec/nt.h> (tests/*.cpp); make's default CXX is g++.
CXXFLAGS ?= -O2 -g
USER_CXXFLAGS := $(CXXFLAGS) -std=c++17 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-Iuserlib/include -I.
# -z now: threads NtCreateThreadEx makes have no Linux TLS, which lazy
# binding's resolver needs; binding at load keeps their calls into
# libntexec (built without the TLS canary, see userlib/device.c) safe.
USER_LIBS := -lpthread -Wl,-z,now
# The event stream (userlib/events.c) reads generic netlink with libnl.
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null || echo -lnl-genl-3 -lnl-3)
USER_LIBS += $(NL_LIBS)
LIB_CFLAGS := $(USER_CFLAGS) -fno-stack-protector

LIB_SRCS := $(wildcard userlib/*.c)
LIB_HDRS := $(wildcard userlib/*.h userlib/include/ntexec/*.h) uapi/ntexec.h
LIB_OBJS := $(patsubst userlib/%.c,$(B)/userlib/%.o,$(LIB_SRCS))
LIB_PIC_OBJS := $(patsubst userlib/%.c,$(B)/userlib/pic/%.o,$(LIB_SRCS))
TEST_SRCS := $(filter-out tests/harness.c,$(wildcard tests/*.c))
TEST_CXX_SRCS := $(wildcard tests/*.cpp)
TEST_BINS := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRCS)) \
	$(patsubst tests/%.cpp,$(B)/tests/%,$(TEST_CXX_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRCS))
TOOL_SRCS := $(wildcard tools/*.c)
TOOL_BINS := $(patsubst tools/%.c,$(B)/tools/%,$(TOOL_SRCS))
EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLE_BINS := $(patsubst examples/%.c,$(B)/examples/%,$(EXAMPLE_SRCS))

.PHONY: all module user lib tests examples bench tools header-check check check-long demo fuzz \
	coverage \
	kernel deps ntnumbers install clean checkpatch dkms-install

all: module user

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user: ntnumbers lib tests examples bench tools header-check

# The kernel's copies of NT's numbers must equal <ntexec/nt.h>'s.
ntnumbers: $(B)/nt_numbers.c
$(B)/nt_numbers.c: scripts/helpers/nt-numbers.py userlib/include/ntexec/nt.h ntob/status.h \
		ntob/ob.h ntps/ps.h ntmm/protect.h
	@mkdir -p $(B)
	@python3 scripts/helpers/nt-numbers.py $@ $(CC)

lib: $(B)/libntexec.a $(B)/libntexec.so $(B)/ntexec.pc

$(B)/userlib/%.o: userlib/%.c $(LIB_HDRS) $(B)/userlib/status_names.h $(B)/userlib/host_image.h
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -I$(B)/userlib -c -o $@ $<

$(B)/userlib/pic/%.o: userlib/%.c $(LIB_HDRS) $(B)/userlib/status_names.h $(B)/userlib/host_image.h
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -I$(B)/userlib -fPIC -fvisibility=hidden -c -o $@ $<

# The host program of NtCreateProcessEx's empty processes (userlib/host/),
# static and position-independent without the C library, embedded in
# libntexec as bytes.
$(B)/host/ntexec-host: userlib/host/host.c uapi/ntexec.h
	@mkdir -p $(dir $@)
	$(CC) -Os -s -static-pie -nostdlib -fPIE -fno-stack-protector \
		-fno-asynchronous-unwind-tables -fcf-protection=none -Wall -Wextra -Werror \
		-Wl,-z,noexecstack -Wl,--build-id=none -I. -o $@ $<

$(B)/userlib/host_image.h: $(B)/host/ntexec-host
	@mkdir -p $(dir $@)
	python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); \
		print("static const unsigned char ntx_host_image[] = {"); \
		[print("\t" + ", ".join("0x%02x" % b for b in d[i:i + 12]) + ",") \
		 for i in range(0, len(d), 12)]; print("};")' $< > $@

# Every STATUS_* of the public header, for NtxStatusName().
$(B)/userlib/status_names.h: userlib/include/ntexec/nt.h
	@mkdir -p $(dir $@)
	sed -n 's/^#define \(STATUS_[A-Z0-9_]*\)[[:space:]]*((NTSTATUS).*/\t{ \1, "\1" },/p' $< > $@

$(B)/libntexec.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/libntexec.so: $(LIB_PIC_OBJS)
	$(CC) -shared -Wl,-soname,libntexec.so.0 -o $@ $^ $(USER_LIBS)

$(B)/ntexec.pc: userlib/ntexec.pc.in
	@mkdir -p $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|g' $< > $@

# The guest runs every executable in build/tests/ (scripts/guest/check.sh):
# the binary of a test file that is gone (renamed, split) must not linger.
STALE_TEST_BINS := $(filter-out $(TEST_BINS),$(wildcard $(B)/tests/*))

tests: $(TEST_BINS)
ifneq ($(STALE_TEST_BINS),)
	rm -f $(STALE_TEST_BINS)
endif

$(B)/tests/%: tests/%.c tests/harness.c $(wildcard tests/*.h) $(B)/libntexec.a
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Wno-sign-compare -o $@ $< tests/harness.c $(B)/libntexec.a $(USER_LIBS)

# Outside $(B)/tests/, where every executable is a test the VM runs.
$(B)/obj/harness.o: tests/harness.c tests/harness.h userlib/include/ntexec/nt.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

$(B)/tests/%: tests/%.cpp $(B)/obj/harness.o $(wildcard tests/*.h) $(B)/libntexec.a
	@mkdir -p $(dir $@)
	$(CXX) $(USER_CXXFLAGS) -Wno-sign-compare -o $@ $< $(B)/obj/harness.o $(B)/libntexec.a $(USER_LIBS)

# What <ntexec/nt.h> must accept and refuse at compile time, in C and C++.
header-check: $(B)/header-check/passed

$(B)/header-check/passed: tests/header-check.sh userlib/include/ntexec/nt.h $(B)/libntexec.a
	@mkdir -p $(dir $@)
	@rm -f $@
	CC="$(CC)" CXX="$(CXX)" sh tests/header-check.sh userlib/include $(B)/libntexec.a \
		$(B)/header-check > $(B)/header-check/log 2>&1 || \
		{ cat $(B)/header-check/log; exit 1; }
	@touch $@

bench: $(BENCH_BINS) $(B)/obj/static-true

# What bench_thread spawns beside NtCreateProcessEx (outside $(B)/bench/).
$(B)/obj/static-true: tests/bench/static_true.S
	@mkdir -p $(dir $@)
	$(CC) -nostdlib -static -o $@ $<

$(B)/bench/%: tests/bench/%.c $(B)/libntexec.a
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $< $(B)/libntexec.a $(USER_LIBS)

examples: $(EXAMPLE_BINS)

# Tools installed with make install (tools/*.c, man pages tools/*.1).
tools: $(TOOL_BINS)

$(B)/tools/%: tools/%.c $(wildcard tools/*.h) $(B)/libntexec.a
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $< $(B)/libntexec.a $(USER_LIBS)

$(B)/examples/%: examples/%.c $(B)/libntexec.a
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -o $@ $< $(B)/libntexec.a $(USER_LIBS)

check:
	scripts/check.sh

check-long:
	NTEXEC_LONG=1 scripts/check.sh

demo:
	scripts/demo.sh

fuzz:
	scripts/fuzz.sh "$(or $(SEED),1)" "$(or $(CALLS),100000)" "$(or $(SECONDS),3000)" \
		"$(if $(filter command line environment,$(origin AS)),$(AS),root)" "$(or $(KERNEL),debug)"

coverage:
	SUITE="$(or $(SUITE),1)" TIMEOUT="$(or $(TIMEOUT),3000)" \
		scripts/coverage.sh "$(or $(SEED),1)" "$(or $(CALLS),3000)" "$(or $(SECONDS),60)"

kernel: deps
	scripts/helpers/kernel.sh

deps:
	scripts/helpers/deps.sh

install: lib tools
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/ntexec \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 tools/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(B)/libntexec.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(B)/libntexec.so $(DESTDIR)$(PREFIX)/lib/libntexec.so.0
	ln -sf libntexec.so.0 $(DESTDIR)$(PREFIX)/lib/libntexec.so
	install -m 644 userlib/include/ntexec/*.h $(DESTDIR)$(PREFIX)/include/ntexec/
	install -m 644 uapi/ntexec.h $(DESTDIR)$(PREFIX)/include/ntexec/uapi.h
	install -m 644 $(B)/ntexec.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

dkms-install:
	scripts/helpers/dkms.sh install

# ENOSYS: ntps/stub.h names the -ENOSYS that x86's system call entry puts
# in pt_regs->ax, which is what checkpatch's check is about.
checkpatch:
	@mkdir -p $(B)
	@perl $$(scripts/helpers/kernel.sh --dir)/scripts/checkpatch.pl --no-tree --terse -q \
		--ignore SPDX_LICENSE_TAG,ENOSYS -f $$(ls ntexec/*.[ch] ntob/*.[ch] ntmm/*.[ch] \
		ntps/*.[chS] kunit/*.[ch] uapi/*.h 2>/dev/null | grep -v compat.h) \
		> $(B)/checkpatch.log || true
	@# The version shims are the one place that must test the version.
	@perl $$(scripts/helpers/kernel.sh --dir)/scripts/checkpatch.pl --no-tree --terse -q \
		--ignore SPDX_LICENSE_TAG,LINUX_VERSION_CODE,CONSTANT_COMPARISON \
		-f ntob/compat.h >> $(B)/checkpatch.log || true
	@! grep -vE '^total: 0 errors, 0 warnings' $(B)/checkpatch.log

clean:
	rm -rf $(B)
	-[ -d "$(KDIR)" ] && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
