/*
 * sim_cal.c - the event calendar of the event-driven engine (declared in sim_int.h).
 *
 * Wake-up times of the components (routers, input engines, output engines, the host)
 * are never more than a few hundred cycles ahead of the present (router latency, one
 * crossbar row read, one update phase), so a calendar queue - a ring of buckets, one
 * per cycle - gives O(1) schedule and pop, with a bitmap to skip empty cycles 64 at a
 * time. Each component is linked into at most one bucket (intrusive lists: no
 * allocation after init).
 */
#include <string.h>

#include "../fabric/mem.h"
#include "sim_int.h"

int sim_cal_init(sim_cal *c, uint32_t n, uint32_t horizon) {
  memset(c, 0, sizeof *c);
  c->size = 64;
  while (c->size < horizon) c->size <<= 1;
  c->mask = c->size - 1;
  c->n = n;
  c->head = glif_malloc(sizeof *c->head * c->size);
  c->bits = glif_calloc(c->size / 64, sizeof *c->bits);
  c->node = glif_malloc(sizeof *c->node * (n ? n : 1));
  if (!c->head || !c->bits || !c->node) {
    sim_cal_free(c);
    return GLIF_ENOMEM;
  }
  sim_cal_reset(c, 0);
  return 0;
}

void sim_cal_free(sim_cal *c) {
  glif_free(c->head);
  glif_free(c->bits);
  glif_free(c->node);
  memset(c, 0, sizeof *c);
}

void sim_cal_reset(sim_cal *c, uint64_t now) {
  for (uint32_t b = 0; b < c->size; b++) c->head[b] = -1;
  memset(c->bits, 0, sizeof *c->bits * (c->size / 64));
  for (uint32_t i = 0; i < c->n; i++) c->node[i].at = UINT64_MAX;
  c->now = now;
  c->pending = 0;
}

static void unlink_node(sim_cal *c, uint32_t i) {
  sim_cal_node *x = &c->node[i];
  const uint32_t b = (uint32_t)(x->at & c->mask);
  if (x->prev >= 0)
    c->node[x->prev].next = x->next;
  else
    c->head[b] = x->next;
  if (x->next >= 0) c->node[x->next].prev = x->prev;
  if (c->head[b] < 0) c->bits[b >> 6] &= ~(1ull << (b & 63));
  x->at = UINT64_MAX;
  c->pending--;
}

void sim_cal_schedule(sim_cal *c, uint32_t i, uint64_t t) {
  sim_cal_node *x = &c->node[i];
  if (x->at <= t) return; /* an earlier wake-up recomputes everything */
  if (x->at != UINT64_MAX) unlink_node(c, i);
  const uint32_t b = (uint32_t)(t & c->mask);
  x->prev = -1;
  x->next = c->head[b];
  if (c->head[b] >= 0) c->node[c->head[b]].prev = (int32_t)i;
  c->head[b] = (int32_t)i;
  c->bits[b >> 6] |= 1ull << (b & 63);
  x->at = t;
  c->pending++;
}

/* First non-empty bucket at or after `from`, circularly. Requires pending > 0. */
static uint32_t next_bucket(const sim_cal *c, uint32_t from) {
  const uint32_t words = c->size / 64;
  uint32_t w = from >> 6;
  uint64_t bits = c->bits[w] & (~0ull << (from & 63));
  while (!bits) { /* coming back to the first word finds the buckets before `from` */
    w = (w + 1) % words;
    bits = c->bits[w];
  }
  return (w << 6) | (uint32_t)__builtin_ctzll(bits);
}

int32_t sim_cal_pop(sim_cal *c) {
  if (!c->pending) return -1;
  const uint32_t b = next_bucket(c, (uint32_t)(c->now & c->mask));
  const int32_t i = c->head[b];
  c->now = c->node[i].at;
  unlink_node(c, (uint32_t)i);
  return i;
}
