# x86-64 test guests: tiny long-mode programs of our own that exercise the KVM accel and the x86
# board in seconds (see tests/guest-x86/README.md). Included by the top-level Makefile.
# Defines X86_GUESTS and the rules to build them with the host gcc.
#
#   make x86-guests                     build them
#   tests/guest-x86/run.sh [build/kvmu] run them; ends with "N passed, N failed"

X86_GUEST_CC ?= gcc
X86_GUEST_RT_NAMES := lib intr acpi
# Guests named pvh_* start through a PVH note in 32-bit mode (pvh_start.S), the others in
# 64-bit mode as kvmu's direct ELF entry does (start.S).
X86_GUEST_RT := tests/guest-x86/intr.S tests/guest-x86/trampoline.S \
	$(patsubst %,tests/guest-x86/%.c,$(X86_GUEST_RT_NAMES))
X86_GUEST_STARTS := tests/guest-x86/start.S tests/guest-x86/pvh_start.S
X86_GUEST_SRCS := $(filter-out $(patsubst %,tests/guest-x86/%.c,$(X86_GUEST_RT_NAMES)), \
	$(sort $(wildcard tests/guest-x86/*.c)))
X86_GUESTS := $(patsubst tests/guest-x86/%.c,build/guest-x86/%.elf,$(X86_GUEST_SRCS))
# Freestanding, no SSE (the guest never sets up XSAVE state), no red zone (interrupts use the
# current stack), fixed addresses (guest.ld).
X86_GUEST_FLAGS := -m64 -O2 -g -ffreestanding -fno-builtin -fno-pic -fno-pie -nostdlib -static \
	-no-pie -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -Wall -Wextra -Werror -T tests/guest-x86/guest.ld \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

build/guest-x86/%.elf: tests/guest-x86/%.c $(X86_GUEST_RT) $(X86_GUEST_STARTS) \
		$(wildcard tests/guest-x86/*.h) tests/guest-x86/guest.ld tests/guest-x86/guest.mk
	@mkdir -p $(@D)
	$(X86_GUEST_CC) $(X86_GUEST_FLAGS) -o $@ \
		$(if $(filter pvh_%,$*),tests/guest-x86/pvh_start.S,tests/guest-x86/start.S) \
		$(X86_GUEST_RT) $<

.PHONY: x86-guests
x86-guests: $(X86_GUESTS)
