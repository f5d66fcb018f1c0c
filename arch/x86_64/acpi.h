/* acpi.h - what faultline learned from the ACPI tables (acpi.c), parsed by
 * the portable acpi_parse.c. */
#pragma once
#include "arch/x86_64/acpi_tables.h"

extern struct acpi_info acpi_info;
void acpi_init(void); /* parse the RSDP from boot_info; panics if there is no MADT */
