/* keycmd.c - the key commands' changes to allocations (store.h). Being written. */
#include "config.h"
