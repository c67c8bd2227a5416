/* enforce.c - what the enforce pass reads and writes (store.h). Being written. */
#include "config.h"
