/*
 * mem.c - allocation hook with failure injection, and the arena.
 */
#include "mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic long alloc_count;
static _Atomic long fail_at = -1; /* absolute allocation index that starts failing */

void glif_mem_fail_after(long n) { fail_at = n < 0 ? -1 : alloc_count + n; }
long glif_mem_count(void) { return alloc_count; }
void glif_mem_reset_count(void) { alloc_count = 0; fail_at = -1; }

/* Counts one allocation attempt; returns 1 when it must fail. */
static int injected_failure(void) {
  long idx = alloc_count++;
  long f = fail_at;
  return f >= 0 && idx >= f;
}

void *glif_malloc(size_t size) {
  if (injected_failure()) return NULL;
  return malloc(size ? size : 1);
}

void *glif_calloc(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  if (injected_failure()) return NULL;
  return calloc(n ? n : 1, size ? size : 1);
}

void *glif_realloc(void *ptr, size_t size) {
  if (injected_failure()) return NULL;
  return realloc(ptr, size ? size : 1);
}

void glif_free(void *ptr) { free(ptr); }

char *glif_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = glif_malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* ---- arena ---------------------------------------------------------------- */

typedef struct block {
  struct block *next;
  size_t size, used;
  _Alignas(16) unsigned char data[];
} block;

struct glif_arena {
  block *head;
  size_t chunk;
  size_t used, reserved;
};

glif_arena *glif_arena_create(size_t chunk) {
  glif_arena *a = glif_calloc(1, sizeof *a);
  if (!a) return NULL;
  a->chunk = chunk ? chunk : (size_t)1 << 20;
  return a;
}

void glif_arena_destroy(glif_arena *a) {
  if (!a) return;
  for (block *b = a->head, *n; b; b = n) {
    n = b->next;
    glif_free(b);
  }
  glif_free(a);
}

static block *new_block(glif_arena *a, size_t need) {
  size_t size = need > a->chunk ? need : a->chunk;
  if (size > SIZE_MAX - sizeof(block)) return NULL;
  block *b = glif_malloc(sizeof(block) + size);
  if (!b) return NULL;
  b->size = size;
  b->used = 0;
  a->reserved += size;
  if (need > a->chunk && a->head) { /* big block: keep the current one in front */
    b->next = a->head->next;
    a->head->next = b;
  } else {
    b->next = a->head;
    a->head = b;
  }
  return b;
}

void *glif_arena_alloc(glif_arena *a, size_t size) {
  if (size > SIZE_MAX - 15) return NULL;
  size = (size + 15) & ~(size_t)15;
  block *b = a->head;
  if (!b || b->size - b->used < size) {
    b = new_block(a, size);
    if (!b) return NULL;
  }
  void *p = b->data + b->used;
  b->used += size;
  a->used += size;
  memset(p, 0, size);
  return p;
}

void *glif_arena_array(glif_arena *a, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  return glif_arena_alloc(a, n * size);
}

char *glif_arena_strdup(glif_arena *a, const char *s) {
  size_t n = strlen(s) + 1;
  char *d = glif_arena_alloc(a, n);
  if (d) memcpy(d, s, n);
  return d;
}

char *glif_arena_printf(glif_arena *a, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *d = n < 0 ? NULL : glif_arena_alloc(a, (size_t)n + 1);
  if (d) vsnprintf(d, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return d;
}

size_t glif_arena_used(const glif_arena *a) { return a->used; }
size_t glif_arena_reserved(const glif_arena *a) { return a->reserved; }
