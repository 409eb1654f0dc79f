# pipekit - hand-written Makefile; works without ./configure.
# Knobs: V=1 (show commands), DEVELOPER=1 (-Werror, wide warnings),
# SANITIZE=address,undefined, prefix=, DESTDIR=, mandir=.
# Local overrides go in config.mak (never committed); ./configure writes
# config.mak.autogen.

VERSION = 0.1.0

prefix ?= /usr/local
bindir ?= $(prefix)/bin
mandir ?= $(prefix)/share/man
bashcompdir ?= $(prefix)/share/bash-completion/completions
zshcompdir ?= $(prefix)/share/zsh/site-functions
fishcompdir ?= $(prefix)/share/fish/vendor_completions.d

CC ?= cc
AR ?= ar
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
CSV_LIBS ?= -lcsv

-include config.mak.autogen
-include config.mak

PKGS = jansson libzstd zlib rdkafka
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -ljansson -lzstd -lz -lrdkafka)

BASIC_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. \
	-Wall -Wextra -Wno-unused-parameter -Wvla -MMD -MP \
	-DPK_VERSION='"$(VERSION)"'
ifdef DEVELOPER
BASIC_CFLAGS += -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wcast-align -Wundef -Wno-format-nonliteral
endif
ifdef SANITIZE
BASIC_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
BASIC_LDFLAGS += -fsanitize=$(SANITIZE)
endif
ALL_CFLAGS = $(BASIC_CFLAGS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(BASIC_LDFLAGS) $(LDFLAGS)
LIBS = lib/libpipekit.a $(PKG_LIBS) $(CSV_LIBS) -lm -lpthread

ifndef V
QUIET_CC = @echo '   ' CC $@;
QUIET_LINK = @echo '   ' LINK $@;
QUIET_AR = @echo '   ' AR $@;
endif

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:.c=.o)

# A tool is cmd/<tool>.c, or cmd/<tool>/*.c for one that outgrew a file.
TOOL_FILES := $(basename $(notdir $(wildcard cmd/*.c)))
TOOL_DIRS := $(notdir $(patsubst %/,%,$(wildcard cmd/*/)))
TOOLS := $(sort $(TOOL_FILES) $(TOOL_DIRS))
TOOL_BINS := $(addprefix bin/,$(TOOLS))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRC:.c=)
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRC:.c=)
SCRIPT_SRC := $(sort $(wildcard scripts/*.c))
SCRIPT_BINS := $(SCRIPT_SRC:.c=)

ALL_OBJ := $(LIB_OBJ)

all: $(TOOL_BINS) $(UNIT_BINS) $(HELPER_BINS) $(SCRIPT_BINS)

%.o: %.c
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -c -o $@ $<

lib/libpipekit.a: $(LIB_OBJ)
	$(QUIET_AR)rm -f $@ && $(AR) rcs $@ $^

define tool_rule
$(1)_SRC := $$(wildcard cmd/$(1).c) $$(sort $$(wildcard cmd/$(1)/*.c))
$(1)_OBJ := $$($(1)_SRC:.c=.o)
ALL_OBJ += $$($(1)_OBJ)
bin/$(1): $$($(1)_OBJ) lib/libpipekit.a
	@mkdir -p bin
	$$(QUIET_LINK)$$(CC) $$(ALL_LDFLAGS) -o $$@ $$($(1)_OBJ) $$(LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

ALL_OBJ += $(UNIT_SRC:.c=.o) $(HELPER_SRC:.c=.o) $(SCRIPT_SRC:.c=.o)

$(UNIT_BINS) $(HELPER_BINS) $(SCRIPT_BINS): %: %.o lib/libpipekit.a
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBS)

-include $(ALL_OBJ:.o=.d)

# --- dependencies, tests, demo -------------------------------------------

deps:
	@scripts/install-deps --quiet-if-present

check: deps
	@$(MAKE) --no-print-directory all
	@tests/run

# One test file or unit binary: make test T=tests/logsplit.bats
test: all
	@tests/run $(T)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

bench: all
	@scripts/bench

# --- fuzzing (clang, libFuzzer) ------------------------------------------

FUZZ_CC ?= clang
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRC:.c=)
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -g -O1 \
	-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) -DPK_VERSION='"$(VERSION)"'

fuzz: $(FUZZ_BINS)

# Targets include the programs' sources too (fuzz_pyparse: cmd/dagcheck/*.c).
$(FUZZ_BINS): %: %.c $(LIB_SRC) $(wildcard lib/*.h cmd/*.c cmd/*/*.c cmd/*/*.h)
	$(QUIET_LINK)$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) $(PKG_LIBS) $(CSV_LIBS) -lm -lpthread

fuzz-run: fuzz
	@for f in $(FUZZ_BINS); do \
		c=$$f.corpus; mkdir -p $$c; \
		[ -d $$f.seeds ] && cp -n $$f.seeds/* $$c/ 2>/dev/null; \
		echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=0 $$c >$$f.log 2>&1 \
			|| { tail -40 $$f.log; exit 1; }; \
		grep -E 'Done [0-9]+ runs' $$f.log | tail -1; \
	done

# --- install ---------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man7 \
		$(DESTDIR)$(bashcompdir) $(DESTDIR)$(zshcompdir) $(DESTDIR)$(fishcompdir)
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(bindir)
	for t in $(TOOLS); do \
		[ -f man/$$t.1 ] && install -m 644 man/$$t.1 $(DESTDIR)$(mandir)/man1; \
		[ -f completions/bash/$$t ] && install -m 644 completions/bash/$$t $(DESTDIR)$(bashcompdir); \
		[ -f completions/zsh/_$$t ] && install -m 644 completions/zsh/_$$t $(DESTDIR)$(zshcompdir); \
		[ -f completions/fish/$$t.fish ] && install -m 644 completions/fish/$$t.fish $(DESTDIR)$(fishcompdir); \
	done; true
	install -m 644 man/pipekit.7 $(DESTDIR)$(mandir)/man7

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(bindir)/$$t $(DESTDIR)$(mandir)/man1/$$t.1 \
			$(DESTDIR)$(bashcompdir)/$$t $(DESTDIR)$(zshcompdir)/_$$t \
			$(DESTDIR)$(fishcompdir)/$$t.fish; \
	done
	rm -f $(DESTDIR)$(mandir)/man7/pipekit.7

completions: $(TOOL_BINS)
	@scripts/gen-completions

clean:
	rm -rf bin lib/libpipekit.a $(ALL_OBJ) $(ALL_OBJ:.o=.d) $(UNIT_BINS) $(HELPER_BINS) \
		$(SCRIPT_BINS) $(FUZZ_BINS) fuzz/*.log tests/tmp

.PHONY: all deps check test demo bench fuzz fuzz-run install uninstall completions clean
