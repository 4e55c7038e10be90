# ISA test tier: bare-metal RV64 programs built from tests/isa/*.S (see tests/isa/README.md).
# Included by the top-level Makefile. Defines ISA_ELFS and the rules to build them.
#
#   make isa-elfs                       build every test
#   make isa-check-qemu                 run them on qemu-system-riscv64 (the reference)
#   tests/isa/run.sh build/kvmu interp jit

ISA_CROSS ?= riscv64-linux-gnu-
ISA_CC := $(ISA_CROSS)gcc
ISA_SRCS := $(sort $(wildcard tests/isa/*.S))
ISA_ELFS := $(patsubst tests/isa/%.S,build/isa/%.elf,$(ISA_SRCS))
ISA_FLAGS := -nostdlib -nostartfiles -static -fno-pie -no-pie -march=rv64gc -mabi=lp64d \
	-Itests/isa -T tests/isa/link.ld -Wl,--no-relax -Wl,--build-id=none -Wa,--fatal-warnings

build/isa/%.elf: tests/isa/%.S tests/isa/common.h tests/isa/link.ld tests/isa/isa.mk
	@mkdir -p $(@D)
	$(ISA_CC) $(ISA_FLAGS) -o $@ $<

.PHONY: isa-elfs isa-check-qemu
isa-elfs: $(ISA_ELFS)

isa-check-qemu: $(ISA_ELFS)
	KVMU=qemu-system-riscv64 tests/isa/run.sh

# jit_dma's scratch disk (the test writes what it reads back; the contents do not matter).
build/isa/jit_dma.img:
	@mkdir -p $(@D)
	truncate -s 64K $@
build/isa/jit_dma.elf: build/isa/jit_dma.img
