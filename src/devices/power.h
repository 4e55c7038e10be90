/*
 * How a power-control device (sifive-test, x86 reset/ACPI power-off) asks the machine to stop
 * or reboot, without knowing anything about the vm object or the run loop.
 */
#ifndef KVMU_DEVICES_POWER_H
#define KVMU_DEVICES_POWER_H

struct power_ops {
    /* The guest powered off; the process should exit with exit_code. Any thread. */
    void (*poweroff)(void *opaque, int exit_code);
    /* The guest asked for a reboot. Any thread. */
    void (*reset)(void *opaque);
    void *opaque;
};

#endif
