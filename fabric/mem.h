/*
 * mem.h - the one allocation hook and the compile-time arena.
 *
 * All heap allocation in the toolchain goes through glif_malloc/glif_calloc/
 * glif_realloc/glif_free so that a test can make the Nth allocation fail
 * (glif_mem_fail_after) and check that every caller reports GLIF_ENOMEM cleanly
 * (Lua's test allocator and SQLite's fault injection are the model).
 *
 * An arena (QBE's per-function pool, chibicc's no-free policy) holds data that lives
 * exactly as long as one compilation: allocate freely, free everything at once.
 * The simulator does not use arenas inside its tick loop: it sizes its arrays once.
 */
#ifndef GLIF_MEM_H
#define GLIF_MEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void *glif_malloc(size_t size);              /* NULL on failure (or injected failure) */
void *glif_calloc(size_t n, size_t size);    /* zeroed; NULL on overflow or failure */
void *glif_realloc(void *ptr, size_t size);  /* like realloc; ptr kept on failure */
void glif_free(void *ptr);
char *glif_strdup(const char *s);

/* Test hook: after n more successful allocations, every allocation fails until
 * glif_mem_fail_after(-1) turns injection off. Thread-safe counter. */
void glif_mem_fail_after(long n);
/* Number of allocations attempted since start (or the last reset). */
long glif_mem_count(void);
void glif_mem_reset_count(void);

typedef struct glif_arena glif_arena;

/* chunk: bytes per block (0 = 1 MiB). Returns NULL when out of memory. */
glif_arena *glif_arena_create(size_t chunk);
void glif_arena_destroy(glif_arena *a);
/* 16-byte aligned, zero-filled; NULL when out of memory. Sizes larger than the chunk
 * get a block of their own. */
void *glif_arena_alloc(glif_arena *a, size_t size);
void *glif_arena_array(glif_arena *a, size_t n, size_t size); /* overflow-checked */
char *glif_arena_strdup(glif_arena *a, const char *s);
char *glif_arena_printf(glif_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
size_t glif_arena_used(const glif_arena *a);   /* bytes handed out */
size_t glif_arena_reserved(const glif_arena *a); /* bytes held from the heap */

#ifdef __cplusplus
}
#endif
#endif /* GLIF_MEM_H */
