/* crash.h - deliberate kernel faults (`crash=KIND`), so a student sees an
 * oops and the test suite checks that backtraces name the functions. */
#pragma once
void crash(const char *kind);
