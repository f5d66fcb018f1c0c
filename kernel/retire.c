/* retire.c - the retire hook (see retire.h). */
#include "kernel/retire.h"

void retire(void *obj, void (*free_fn)(void *obj)) { free_fn(obj); }
