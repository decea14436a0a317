# btap build. `make` builds ./btap; `make check` installs dependencies,
# builds with sanitizers and runs every test tier; `make bench` measures.
CC      ?= cc
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wno-format-truncation
ifdef CI
WARN    += -Werror
endif
DEPS_CFLAGS := $(shell pkg-config --cflags libbpf libelf libdw libkmod zlib 2>/dev/null)
# libkmod's header only: the kmod runtime opens the library when it loads a
# module (kmod-backend/kmod_lib.h), so that no other run pays for it
DEPS_LIBS   := $(shell pkg-config --libs libbpf libelf libdw zlib 2>/dev/null || echo -lbpf -lelf -ldw -lz)
# libtcc compiles the runner half in process (bpf-backend/tcc_build.c); its
# headers and libtcc1.a come from the tcc package, in this directory.
DEPS_LIBS   += -ltcc -ldl
MULTIARCH   := $(shell $(CC) -print-multiarch 2>/dev/null)
TCC_DIR     ?= /usr/lib/$(if $(MULTIARCH),$(MULTIARCH)/)tcc
LIBTCC_ID   := $(shell dpkg-query -W -f='$${Version}' libtcc-dev 2>/dev/null || echo unknown)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1)
# The tree a btap built here falls back to for its tapset and runtime
# headers (translator/paths.h); an installed btap finds its own copies.
BTAP_SOURCE_DIR ?= $(CURDIR)
GITREV  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

CFLAGS_COMMON = $(CSTD) $(WARN) $(DEPS_CFLAGS) -I. \
	-DBTAP_VERSION='"$(VERSION)"' -DBTAP_GITREV='"$(GITREV)"' \
	-DBTAP_SOURCE_DIR='"$(BTAP_SOURCE_DIR)"' \
	-DBTAP_TAPSET_DIR='"$(abspath tapset)"' -MMD -MP
OPT_CFLAGS  = -O2 -g
SAN_CFLAGS  = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRC_DIRS := translator emit runner bpf-backend kmod-backend runtime
LIB_SRCS := $(wildcard $(addsuffix /*.c,$(SRC_DIRS)))
LIB_SRCS := $(filter-out translator/main.c,$(LIB_SRCS))
MAIN_SRC := translator/main.c
UNIT_SRCS := $(wildcard tests/unit/test_*.c)

OBJ_OPT  := $(patsubst %.c,build/opt/%.o,$(LIB_SRCS))
OBJ_SAN  := $(patsubst %.c,build/san/%.o,$(LIB_SRCS))
UNIT_BINS := $(patsubst tests/unit/%.c,build/san/unit/%,$(UNIT_SRCS))

.PHONY: all deps check test unit golden fuzz bench clean san docs man install uninstall uprobe-fixtures
all: btap

btap: $(OBJ_OPT) build/opt/$(MAIN_SRC:.c=.o)
	$(CC) $(OPT_CFLAGS) -o $@ $^ $(DEPS_LIBS)

build/opt/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(OPT_CFLAGS) -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SAN_CFLAGS) -c -o $@ $<

# The objects that embed the git revision (btap -V, cache keys) are rebuilt
# when it changes: build/gitrev holds the last one built with.
GITREV_USERS := bpf-backend/compile translator/script_cache translator/options
$(foreach u,$(GITREV_USERS),build/opt/$(u).o build/san/$(u).o): build/gitrev
build/gitrev: FORCE
	@mkdir -p build
	@[ "$$(cat $@ 2>/dev/null)" = "$(GITREV)" ] || echo "$(GITREV)" >$@
.PHONY: FORCE
FORCE:

build/opt/bpf-backend/tcc_build.o build/san/bpf-backend/tcc_build.o: \
	CFLAGS_COMMON += -DBTAP_TCC_DIR='"$(TCC_DIR)"' -DBTAP_LIBTCC_ID='"$(LIBTCC_ID)"'

# The programs the uprobe tests trace (tests/uprobe/): with DWARF at -O0
# and -O2, without DWARF (symbols only), with USDT marks (<sys/sdt.h>,
# at -O2 for register operands and -O0 for memory ones), and a shared
# library the program links.
UPROBE_DIR := build/uprobe
UPROBE_FIXTURES := $(addprefix $(UPROBE_DIR)/,libufix.so target target-O2 target-noopt target-nodebug usdt usdt-O0)

# The sanitizer build of the tool, used by the tests.
san: build/san/btap $(UNIT_BINS) $(UPROBE_FIXTURES)
build/san/btap: $(OBJ_SAN) build/san/$(MAIN_SRC:.c=.o)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(DEPS_LIBS)

build/san/unit/%: tests/unit/%.c $(OBJ_SAN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -Itests/unit $(SAN_CFLAGS) -o $@ $(filter %.c %.o,$^) $(DEPS_LIBS) -lm

# test_types reads the DWARF of one small program as each compiler writes
# it, in DWARF 5 and 4, with types in type units (and, for the error,
# without -g).
TYPES_FIXTURE := tests/unit/types_fixture.c tests/unit/types_fixture.h
TYPES_FIXTURES := $(addprefix build/san/unit/types-fixture-,gcc-dwarf5 gcc-dwarf4 clang-dwarf5 clang-dwarf4 \
	gcc-typeunits5 gcc-typeunits4 nodebug)
build/san/unit/test_types: $(TYPES_FIXTURES)
build/san/unit/types-fixture-gcc-dwarf%: $(TYPES_FIXTURE)
	@mkdir -p $(dir $@)
	gcc -O0 -gdwarf-$* -o $@ $<
build/san/unit/types-fixture-clang-dwarf%: $(TYPES_FIXTURE)
	@mkdir -p $(dir $@)
	clang -O0 -gdwarf-$* -o $@ $<
build/san/unit/types-fixture-gcc-typeunits%: $(TYPES_FIXTURE)
	@mkdir -p $(dir $@)
	gcc -O0 -gdwarf-$* -fdebug-types-section -o $@ $<
build/san/unit/types-fixture-nodebug: $(TYPES_FIXTURE)
	@mkdir -p $(dir $@)
	gcc -O0 -g0 -s -o $@ $<

uprobe-fixtures: $(UPROBE_FIXTURES)
$(UPROBE_DIR)/libufix.so: tests/uprobe/ufix.c tests/uprobe/ufix.h
	@mkdir -p $(dir $@)
	gcc -g -O0 -fPIC -shared -o $@ $<
$(UPROBE_DIR)/target: tests/uprobe/target.c tests/uprobe/ufix.h $(UPROBE_DIR)/libufix.so
	gcc -g -O0 -o $@ $< -L$(UPROBE_DIR) -lufix -Wl,-rpath,'$$ORIGIN'
$(UPROBE_DIR)/target-O2: tests/uprobe/target.c tests/uprobe/ufix.h $(UPROBE_DIR)/libufix.so
	gcc -g -O2 -o $@ $< -L$(UPROBE_DIR) -lufix -Wl,-rpath,'$$ORIGIN'
# no -O at all: gcc's default, unoptimized (DW_AT_producer names no -O)
$(UPROBE_DIR)/target-noopt: tests/uprobe/target.c tests/uprobe/ufix.h $(UPROBE_DIR)/libufix.so
	gcc -g -o $@ $< -L$(UPROBE_DIR) -lufix -Wl,-rpath,'$$ORIGIN'
$(UPROBE_DIR)/target-nodebug: $(UPROBE_DIR)/target
	strip --strip-debug -o $@ $<
$(UPROBE_DIR)/usdt: tests/uprobe/usdt.c
	@mkdir -p $(dir $@)
	gcc -g -O2 -o $@ $<
$(UPROBE_DIR)/usdt-O0: tests/uprobe/usdt.c
	@mkdir -p $(dir $@)
	gcc -g -O0 -o $@ $<

# libFuzzer target for passes 1-2 (clang: the fuzzer runtime is clang's).
FUZZ_CC ?= clang
build/fuzz/fuzz_frontend: tests/fuzz/fuzz_frontend.c $(LIB_SRCS) $(wildcard $(addsuffix /*.h,$(SRC_DIRS)))
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(DEPS_CFLAGS) -I. \
		-DBTAP_VERSION='"$(VERSION)"' -DBTAP_GITREV='"fuzz"' -DBTAP_SOURCE_DIR='"$(BTAP_SOURCE_DIR)"' -DBTAP_TAPSET_DIR='"$(abspath tapset)"' \
		-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ tests/fuzz/fuzz_frontend.c $(LIB_SRCS) $(DEPS_LIBS)

build/opt/bench_frontend: tests/bench/bench_frontend.c $(OBJ_OPT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(OPT_CFLAGS) -o $@ $^ $(DEPS_LIBS)

# The tapset reference: docs/tapset-reference.md (kept in the tree; `make
# check` fails when it is stale) and one man page per function and probe
# alias under build/man/man3 (built for make install).
PYTHON ?= python3
PREFIX ?= /usr/local
docs: man
	$(PYTHON) build-aux/tapset-doc.py --markdown docs/tapset-reference.md
man:
	$(PYTHON) build-aux/tapset-doc.py --man build/man/man3 --prefix $(PREFIX)

# PREFIX/bin/btap, PREFIX/share/btap/{tapset,runtime}, man pages, bash
# completion; DESTDIR stages the install elsewhere. Uninstall removes what
# the install listed in PREFIX/share/btap/installed-files.
install: all man
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" sh build-aux/install.sh install
uninstall:
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" sh build-aux/install.sh uninstall

deps:
	sh tests/install-deps.sh

check: deps
	$(MAKE) all san
	sh tests/run-tests.sh

bench: all
	sh tests/bench/run.sh

clean:
	rm -rf build btap

-include $(shell find build -name '*.d' 2>/dev/null)
