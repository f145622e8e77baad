/*
 * check.c - invariants of the mapping (debug builds run map_check between passes, as
 * QBE runs ssacheck): what partition, place and route promise each other.
 *
 *   lower -> drc -> partition -> place -> route -> emit
 */
#include "map.h"

#include <stdlib.h>

static int broken(glif_err *err, const char *what, long long a, long long b) {
  return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0,
                   "mapping invariant broken: %s (%lld, %lld) - this is a bug in mapping",
                   what, a, b);
}

/* Every tile inside its layer, and the layer's tiles holding exactly its neurons. */
static int check_tiles(const cc_ctx *ctx, glif_err *err) {
  const map_result *m = ctx->map;
  const lw_net *n = ctx->lowered;
  int64_t total = 0;
  for (int li = 0; li < n->n_layers; li++) {
    const lw_layer *L = &n->layers[li];
    const map_plan *p = &m->plan[li];
    int64_t neurons = 0;
    if (p->first_tile != total) return broken(err, "tile ranges", li, p->first_tile);
    for (int64_t t = p->first_tile; t < p->first_tile + p->n_tiles; t++) {
      const map_tile *g = &m->tiles[t];
      if (g->layer != li || g->chunk < 0 || g->chunk >= L->n_chunks || g->c0 < 0 ||
          g->c1 > L->cb || g->y1 > L->h || g->x1 > L->w || map_tile_neurons(g) < 1 ||
          map_tile_neurons(g) > ctx->arch.neurons || g->n_groups > ctx->arch.groups)
        return broken(err, "tile bounds", li, t);
      neurons += map_tile_neurons(g);
    }
    if (neurons != L->n) return broken(err, "tiles cover the layer", li, neurons);
    total += p->n_tiles;
  }
  return total == m->n_tiles ? 0 : broken(err, "tile count", total, m->n_tiles);
}

static int check_cores(const cc_ctx *ctx, glif_err *err) {
  const map_result *m = ctx->map;
  const uint64_t cores = (uint64_t)ctx->arch.mesh_x * ctx->arch.mesh_y;
  for (int64_t t = 0; t < m->n_tiles; t++)
    if (m->tiles[t].core >= cores || m->core_tile[m->tiles[t].core] != t)
      return broken(err, "core of a tile", t, m->tiles[t].core);
  for (int64_t i = 1; i < m->n_tiles; i++)
    if (m->tiles[m->order[i]].core <= m->tiles[m->order[i - 1]].core)
      return broken(err, "core order", i, m->tiles[m->order[i]].core);
  return 0;
}

static int check_entries(const cc_ctx *ctx, const map_fan *f, int64_t n, glif_err *err) {
  const map_result *m = ctx->map;
  for (int64_t i = 0; i < n; i++)
    for (int64_t e = f->start[i]; e < f->start[i + 1]; e++) {
      const img_fanout *x = &f->e[e];
      const int64_t t = m->core_tile[x->y * ctx->arch.mesh_x + x->x];
      if (t < 0 || x->axon >= m->tiles[t].n_axons || x->delay > ctx->arch.delay_slots - 2)
        return broken(err, "fan-out entry", i, e);
    }
  return 0;
}

static int check_routes(const cc_ctx *ctx, glif_err *err) {
  const map_result *m = ctx->map;
  const lw_net *n = ctx->lowered;
  for (int64_t t = 0; t < m->n_tiles; t++)
    if (m->tiles[t].n_axons > ctx->arch.axons ||
        m->tiles[t].n_fanout > ctx->arch.fanout_entries)
      return broken(err, "core axons or fan-out", t, m->tiles[t].n_axons);
  int rc = check_entries(ctx, &m->input, n->input.n, err);
  for (int li = 0; !rc && li < n->n_layers; li++)
    rc = check_entries(ctx, &m->fan[li], n->layers[li].n, err);
  return rc;
}

int map_check(const cc_ctx *ctx, glif_err *err) {
  const map_result *m = ctx->map;
  if (!m || !m->tiles) return broken(err, "no partition", 0, 0);
  int rc = check_tiles(ctx, err);
  if (!rc && m->placed) rc = check_cores(ctx, err);
  if (!rc && m->routed) rc = check_routes(ctx, err);
  return rc;
}
