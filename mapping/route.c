/*
 * route.c - the route pass: fan-out tables.
 *
 *   lower -> drc -> partition -> place -> ROUTE -> emit
 *
 * Every axon of every core has one packet source (a partial-sum axon has one per
 * chunk): that source neuron gets a fan-out entry (destination core x, y, axon, delay,
 * graded flag). Cores are visited in increasing core index and their axons in order,
 * so each neuron's entries come out sorted by (destination core, axon) - the order
 * the image promises. Lists are stored per source layer in CSR form, sized from the
 * exact counts the partitioner computed; a mismatch is an internal error.
 * The packet delay is the term's: proj->dly into a neuron or relay layer, 0 from a
 * relay to its target. The graded flag marks payload-carrying sources (direct input,
 * relays); the same flag is set on the destination axon.
 */
#include "map.h"

#include <stdlib.h>
#include <string.h>

typedef struct route_state {
  cc_ctx *ctx;
  const map_tile *dest;
  int64_t **cursor;        /* [n_layers + 1]: next free entry per source neuron */
  uint32_t **core_of;      /* [n_layers]: core index of every neuron (for the hops) */
  uint32_t max_axon;
  double hops;
} route_state;

static int64_t *cursor_of(route_state *r, int src_layer) {
  return r->cursor[src_layer == LW_INPUT ? r->ctx->lowered->n_layers : src_layer];
}

static void core_xy(const glif_arch *a, uint32_t core, int64_t *x, int64_t *y) {
  *x = core % a->mesh_x;
  *y = core / a->mesh_x;
}

/* Hops a packet from this source travels to the destination core (XY routing). */
static int64_t hops_from(route_state *r, int src_layer, int64_t src) {
  const glif_arch *a = &r->ctx->arch;
  int64_t sx, sy, dx, dy;
  if (src_layer == LW_INPUT) sx = a->io_x, sy = a->io_y;
  else core_xy(a, r->core_of[src_layer][src], &sx, &sy);
  core_xy(a, r->dest->core, &dx, &dy);
  return llabs(sx - dx) + llabs(sy - dy);
}

static int add_entry(void *user, int src_layer, int64_t src, uint32_t axon,
                     const lw_term *term) {
  route_state *r = user;
  const map_result *m = r->ctx->map;
  const map_fan *f = src_layer == LW_INPUT ? &m->input : &m->fan[src_layer];
  int64_t *cur = cursor_of(r, src_layer);
  if (cur[src] >= f->start[src + 1]) return GLIF_EINTERNAL;
  img_fanout *e = &f->e[cur[src]++];
  e->x = (uint16_t)(r->dest->core % r->ctx->arch.mesh_x);
  e->y = (uint16_t)(r->dest->core / r->ctx->arch.mesh_x);
  e->axon = (uint16_t)axon;
  e->delay = (uint8_t)(term->kind == LW_PSUM ? 0 : term->dly);
  e->flags = term->graded ? IMG_FAN_GRADED : 0;
  if (axon + 1 > r->max_axon) r->max_axon = axon + 1;
  r->hops += (double)hops_from(r, src_layer, src);
  return 0;
}

/* CSR offsets from the counts, and a cursor copy for filling. */
static int alloc_fan(cc_ctx *ctx, map_fan *f, int64_t n, int64_t **cursor) {
  f->start = glif_arena_array(ctx->arena, (size_t)n + 1, sizeof *f->start);
  *cursor = glif_malloc(((size_t)n + 1) * sizeof **cursor);
  if (!f->start || !*cursor) return GLIF_ENOMEM;
  for (int64_t i = 0; i < n; i++) f->start[i + 1] = f->start[i] + f->count[i];
  f->e = glif_arena_array(ctx->arena, (size_t)f->start[n] + 1, sizeof *f->e);
  memcpy(*cursor, f->start, (size_t)n * sizeof **cursor);
  return f->e ? 0 : GLIF_ENOMEM;
}

/* Core of every neuron of layer li, tile by tile. */
static uint32_t *cores_of_layer(const cc_ctx *ctx, int li) {
  const lw_layer *L = &ctx->lowered->layers[li];
  const map_plan *p = &ctx->map->plan[li];
  uint32_t *c = glif_malloc(((size_t)L->n + 1) * sizeof *c);
  for (int64_t t = p->first_tile; c && t < p->first_tile + p->n_tiles; t++) {
    const map_tile *g = &ctx->map->tiles[t];
    for (int64_t j = 0; j < map_tile_neurons(g); j++)
      c[map_tile_neuron_index(L, g, j)] = g->core;
  }
  return c;
}

static int alloc_all(cc_ctx *ctx, route_state *r, glif_err *err) {
  const lw_net *n = ctx->lowered;
  map_result *m = ctx->map;
  r->cursor = glif_calloc((size_t)n->n_layers + 1, sizeof *r->cursor);
  r->core_of = glif_calloc((size_t)n->n_layers + 1, sizeof *r->core_of);
  int rc = r->cursor && r->core_of ? 0 : GLIF_ENOMEM;
  for (int li = 0; !rc && li < n->n_layers; li++)
    if (!(r->core_of[li] = cores_of_layer(ctx, li))) rc = GLIF_ENOMEM;
  for (int li = 0; !rc && li < n->n_layers; li++)
    rc = alloc_fan(ctx, &m->fan[li], n->layers[li].n, &r->cursor[li]);
  if (!rc) rc = alloc_fan(ctx, &m->input, n->input.n, &r->cursor[n->n_layers]);
  return rc ? glif_errf(err, rc, NULL, 0, 0, "out of memory in route") : 0;
}

static void free_cursors(const cc_ctx *ctx, route_state *r) {
  for (int li = 0; li <= ctx->lowered->n_layers; li++) {
    if (r->cursor) glif_free(r->cursor[li]);
    if (r->core_of) glif_free(r->core_of[li]);
  }
  glif_free(r->cursor), glif_free(r->core_of);
}

/* Every list must be exactly full: the partitioner's counts and the routes agree. */
static int check_full(const cc_ctx *ctx, const route_state *r, glif_err *err) {
  const lw_net *n = ctx->lowered;
  for (int li = 0; li <= n->n_layers; li++) {
    const map_fan *f = li < n->n_layers ? &ctx->map->fan[li] : &ctx->map->input;
    const int64_t nn = li < n->n_layers ? n->layers[li].n : n->input.n;
    for (int64_t i = 0; i < nn; i++)
      if (r->cursor[li][i] != f->start[i + 1])
        return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0,
                         "route: neuron %lld of '%s' got %lld fan-out entries, the "
                         "partitioner counted %u - this is a bug in mapping",
                         (long long)i, li < n->n_layers ? n->layers[li].name : n->input.name,
                         (long long)(r->cursor[li][i] - f->start[i]), f->count[i]);
  }
  return 0;
}

/* Per-core fan-out totals, checked against the fan-out table size. */
static int core_fanout(cc_ctx *ctx, glif_err *err) {
  map_result *m = ctx->map;
  m->fanout_total = 0;
  for (int64_t t = 0; t < m->n_tiles; t++) {
    map_tile *g = &m->tiles[t];
    const lw_layer *L = &ctx->lowered->layers[g->layer];
    uint64_t sum = 0;
    for (int64_t j = 0; j < map_tile_neurons(g); j++)
      sum += m->fan[g->layer].count[map_tile_neuron_index(L, g, j)];
    if (sum > ctx->arch.fanout_entries)
      return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0,
                       "route: a core of '%s' has %llu fan-out entries, more than %u - "
                       "this is a bug in mapping", L->name, (unsigned long long)sum,
                       ctx->arch.fanout_entries);
    g->n_fanout = (uint32_t)sum;
    m->fanout_total += (int64_t)sum;
  }
  m->input_entries = m->input.start[ctx->lowered->input.n];
  return 0;
}

int cc_pass_route(cc_ctx *ctx, glif_err *err) {
  map_result *m = ctx->map;
  if (!m || !m->placed)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "route: run place first");
  route_state r = {ctx, NULL, NULL, NULL, 0, 0.0};
  map_scratch *s = map_scratch_create();
  int rc = s ? alloc_all(ctx, &r, err)
             : glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in route");
  m->axons_total = 0;
  for (int64_t i = 0; !rc && i < m->n_tiles; i++) {
    map_tile *t = &m->tiles[m->order[i]];
    r.dest = t;
    r.max_axon = 0;
    rc = map_tile_sources(ctx->lowered, t, s, &r, add_entry, err);
    if (rc == GLIF_EINTERNAL)
      rc = glif_errf(err, rc, NULL, 0, 0, "route: more fan-out entries than counted - "
                     "this is a bug in mapping");
    t->n_axons = r.max_axon;
    m->axons_total += r.max_axon;
    if (!rc && t->n_axons > ctx->arch.axons)
      rc = glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "route: a core of '%s' has %u axons, "
                     "more than %u - this is a bug in mapping",
                     ctx->lowered->layers[t->layer].name, t->n_axons, ctx->arch.axons);
  }
  if (!rc) rc = check_full(ctx, &r, err);
  if (!rc) rc = core_fanout(ctx, err);
  m->est_hops = r.hops;
  m->routed = !rc;
  free_cursors(ctx, &r);
  map_scratch_destroy(s);
  return rc;
}
