/*
 * Allocation for sizes the program chooses itself (not an attacker): these abort with a message
 * on out-of-memory instead of returning NULL, as there is nothing sensible left to do. Sizes
 * driven by untrusted input go through an arena or buffer with a limit instead.
 */
#ifndef MNP_ALLOC_H
#define MNP_ALLOC_H

#include <stddef.h>

/* malloc/calloc/realloc/strdup that never return NULL. Caller frees with free(). */
void *mnp_xmalloc(size_t size);
void *mnp_xcalloc(size_t count, size_t size);
void *mnp_xrealloc(void *ptr, size_t size);
char *mnp_xstrdup(const char *s);

#endif
