/* INT3 (and INT imm8) executed in kernel mode reach the guest's own IDT handler with the
 * trap frame a CPU builds: RIP after the instruction, same CS, execution continues after it.
 * Linux's live code patching (text_poke_bp) relies on this. On this machine's kvm_pvm the
 * host cannot emulate INT3 at CPL0 and kvmu delivers the breakpoint itself. */
#include "intr.h"
#include "lib.h"

static volatile unsigned hits;
static volatile uint64_t seen_rip, seen_vector;

static void on_bp(struct intr_frame *f)
{
    hits++;
    seen_rip = f->rip;
    seen_vector = f->vector;
}

extern char after_int3[];

bool test_main(void *boot_params)
{
    (void)boot_params;
    intr_init();
    intr_set_handler(3, on_bp);

    __asm__ volatile("int3\n.globl after_int3\nafter_int3:" ::: "memory");
    if (hits != 1 || seen_vector != 3 || seen_rip != (uint64_t)after_int3) {
        puts_com1("int3: hits ");
        put_dec(hits);
        puts_com1(" vector ");
        put_dec(seen_vector);
        puts_com1(" rip ");
        put_hex(seen_rip);
        puts_com1(" want ");
        put_hex((uint64_t)after_int3);
        puts_com1("\n");
        fail("int3 frame");
    }
    puts_com1("int3: handler saw the next RIP\n");

    for (int i = 0; i < 1000; i++)
        __asm__ volatile("int3" ::: "memory");
    if (hits != 1001) {
        fail("int3 in a loop");
    }
    puts_com1("int3: 1000 more\n");
    return true;
}
