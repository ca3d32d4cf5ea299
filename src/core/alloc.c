/*
 * Allocators for sizes the program itself chooses. Running out of memory there leaves nothing
 * sensible to do, so they report the size and abort instead of making every caller handle NULL.
 */
#include "mnp/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void oom(size_t size)
{
    fprintf(stderr, "mnp: out of memory (%zu bytes)\n", size);
    abort();
}

void *mnp_xmalloc(size_t size)
{
    /* malloc(0) may legally return NULL; ask for one byte so NULL always means failure. */
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        oom(size);
    return p;
}

void *mnp_xcalloc(size_t count, size_t size)
{
    if (count == 0 || size == 0)
        count = size = 1;
    void *p = calloc(count, size);
    if (p == NULL) {
        /* calloc also fails on count * size overflowing; report the saturated product. */
        size_t total = size != 0 && count > SIZE_MAX / size ? SIZE_MAX : count * size;
        oom(total);
    }
    return p;
}

void *mnp_xrealloc(void *ptr, size_t size)
{
    /* realloc(p, 0) is implementation-defined (and may free p); keep one byte instead. */
    void *p = realloc(ptr, size ? size : 1);
    if (p == NULL)
        oom(size);
    return p;
}

char *mnp_xstrdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = mnp_xmalloc(len);
    memcpy(p, s, len);
    return p;
}
