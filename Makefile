# kvmu build. `make` builds build/kvmu; `make test` installs what it needs, builds and runs
# every test tier; `make run` boots the default RISC-V Linux guest.
.DEFAULT_GOAL := all
CC      ?= gcc
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -g -Wall -Wextra -Werror -Wstrict-prototypes \
               -Wno-unused-parameter -fno-strict-aliasing -Isrc -MMD -MP
OPT     ?= -O2
LIBS    := -lfdt -lpthread -lm
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCS      := $(shell find src -name '*.c' | sort)
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))

# Two flavours: release (build/) and sanitized (build/asan/), sharing the rules below.
define flavour
$(1)OBJS := $$(patsubst src/%.c,$(2)/obj/%.o,$$(LIB_SRCS))
$(2)/obj/%.o: src/%.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_BASE) $(3) -c $$< -o $$@
$(2)/libkvmu.a: $$($(1)OBJS)
	@rm -f $$@
	ar rcs $$@ $$^
$(2)/kvmu: $(2)/obj/main.o $(2)/libkvmu.a
	$$(CC) $(3) $$^ $$(LIBS) -o $$@
$(2)/unit/%: tests/unit/%.c $(2)/libkvmu.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_BASE) $(3) $$< $(2)/libkvmu.a -lcmocka $$(LIBS) -o $$@
-include $$($(1)OBJS:.o=.d) $(2)/obj/main.d
endef
$(eval $(call flavour,REL,build,$(OPT)))
$(eval $(call flavour,ASAN,build/asan,-O1 $(SAN)))

UNIT_BINS      := $(patsubst tests/unit/%.c,build/unit/%,$(UNIT_SRCS))
UNIT_ASAN_BINS := $(patsubst tests/unit/%.c,build/asan/unit/%,$(UNIT_SRCS))

.PHONY: all asan unit deps images test run format check-format clean
all: build/kvmu build/qemu-system-riscv64 build/qemu-system-x86_64

# Invoked under QEMU's name, kvmu behaves as that target.
build/qemu-system-riscv64: build/kvmu
	ln -sf kvmu $@
build/qemu-system-x86_64: build/kvmu
	ln -sf kvmu $@

asan: build/asan/kvmu
unit: $(UNIT_BINS) $(UNIT_ASAN_BINS)

-include tests/isa/isa.mk
-include tests/guest-x86/guest.mk

deps:
	@scripts/deps.sh

images:
	@scripts/guest/rv64-images >/dev/null

test: deps
	@$(MAKE) --no-print-directory all asan unit $(ISA_ELFS) $(X86_GUESTS)
	@scripts/guest/rv64-images >/dev/null
	@tests/run-all.sh

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-default-guest.sh

format:
	clang-format -i $(SRCS) $(shell find src tests/unit -name '*.h' -o -name 'test_*.c')

check-format:
	@clang-format --dry-run --Werror $(SRCS) $(shell find src -name '*.h')

clean:
	rm -rf build
