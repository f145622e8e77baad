/*
 * graph.c - the tile traffic graph: one vertex per tile, one edge per pair of tiles
 * that exchange packets, weighted by the fan-out entries between them (the packets one
 * full firing of the network sends). Used by the METIS partitioner and by the spatial
 * placer's refinement.
 *
 *   lower -> drc -> partition -> place -> route -> emit
 */
#include "map.h"

#include <stdlib.h>
#include <string.h>


typedef struct edge {
  int64_t a, b; /* a < b */
  int64_t w;
} edge;

typedef struct collect {
  const cc_ctx *ctx;
  int64_t dest;          /* tile whose sources are being collected */
  int64_t *seen;         /* [n_tiles]: last dest that saw this source tile */
  int64_t *slot;         /* [n_tiles]: its index in edges */
  edge *e;
  int64_t n_e, cap_e;
} collect;

static int add_source(void *user, int src_layer, int64_t src, uint32_t axon,
                      const lw_term *term) {
  collect *c = user;
  (void)axon, (void)term;
  if (src_layer == LW_INPUT) { /* the host: counted on the tile, not as an edge */
    c->ctx->map->tiles[c->dest].n_input++;
    return 0;
  }
  uint32_t local;
  const int64_t t = map_tile_of(c->ctx->map, c->ctx->lowered, src_layer, src, &local);
  if (t == c->dest) return 0;
  if (c->seen[t] == c->dest) {
    c->e[c->slot[t]].w++;
    return 0;
  }
  if (c->n_e == c->cap_e) {
    int64_t cap = c->cap_e ? 2 * c->cap_e : 1024;
    edge *g = glif_realloc(c->e, (size_t)cap * sizeof *g);
    if (!g) return GLIF_ENOMEM;
    c->e = g, c->cap_e = cap;
  }
  c->seen[t] = c->dest;
  c->slot[t] = c->n_e;
  c->e[c->n_e++] = (edge){t < c->dest ? t : c->dest, t < c->dest ? c->dest : t, 1};
  return 0;
}

static int cmp_edge(const void *x, const void *y) {
  const edge *a = x, *b = y;
  if (a->a != b->a) return a->a < b->a ? -1 : 1;
  return (a->b > b->b) - (a->b < b->b);
}

/* Merges (a, b) and (b, a) and builds the symmetric CSR. */
static int to_csr(edge *e, int64_t n_e, int64_t n, map_graph *g) {
  qsort(e, (size_t)n_e, sizeof *e, cmp_edge);
  int64_t m = 0;
  for (int64_t i = 0; i < n_e; i++) {
    if (m && e[m - 1].a == e[i].a && e[m - 1].b == e[i].b) e[m - 1].w += e[i].w;
    else e[m++] = e[i];
  }
  g->n = n;
  g->xadj = glif_calloc((size_t)n + 1, sizeof *g->xadj);
  g->adj = glif_malloc((size_t)(2 * m + 1) * sizeof *g->adj);
  g->wgt = glif_malloc((size_t)(2 * m + 1) * sizeof *g->wgt);
  int64_t *at = glif_malloc((size_t)(n + 1) * sizeof *at);
  if (!g->xadj || !g->adj || !g->wgt || !at) {
    glif_free(at);
    return GLIF_ENOMEM;
  }
  for (int64_t i = 0; i < m; i++) g->xadj[e[i].a + 1]++, g->xadj[e[i].b + 1]++;
  for (int64_t v = 0; v < n; v++) g->xadj[v + 1] += g->xadj[v];
  memcpy(at, g->xadj, (size_t)n * sizeof *at);
  for (int64_t i = 0; i < m; i++) {
    g->adj[at[e[i].a]] = e[i].b, g->wgt[at[e[i].a]++] = e[i].w;
    g->adj[at[e[i].b]] = e[i].a, g->wgt[at[e[i].b]++] = e[i].w;
  }
  glif_free(at);
  return 0;
}

int map_tile_graph(const cc_ctx *ctx, map_graph *g, glif_err *err) {
  const map_result *m = ctx->map;
  collect c = {ctx, -1, NULL, NULL, NULL, 0, 0};
  memset(g, 0, sizeof *g);
  c.seen = glif_malloc(((size_t)m->n_tiles + 1) * sizeof *c.seen);
  c.slot = glif_malloc(((size_t)m->n_tiles + 1) * sizeof *c.slot);
  map_scratch *s = map_scratch_create();
  int rc = c.seen && c.slot && s ? 0 : GLIF_ENOMEM;
  for (int64_t t = 0; !rc && t < m->n_tiles; t++) c.seen[t] = -1, m->tiles[t].n_input = 0;
  for (int64_t t = 0; !rc && t < m->n_tiles; t++) {
    c.dest = t;
    rc = map_tile_sources(ctx->lowered, &m->tiles[t], s, &c, add_source, err);
  }
  if (!rc) rc = to_csr(c.e, c.n_e, m->n_tiles, g);
  map_scratch_destroy(s);
  glif_free(c.seen), glif_free(c.slot), glif_free(c.e);
  return rc == GLIF_ENOMEM ? glif_errf(err, rc, NULL, 0, 0, "out of memory in partition") : rc;
}

void map_graph_free(map_graph *g) {
  glif_free(g->xadj), glif_free(g->adj), glif_free(g->wgt);
  memset(g, 0, sizeof *g);
}
