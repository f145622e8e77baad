/*
 * place.c - the place pass: tiles are laid along a path over the mesh, one core each.
 *
 *   lower -> drc -> partition -> PLACE -> route -> emit
 *
 * Placers (--place):
 *   rowmajor  tiles in partition order (layer by layer) on cores 0, 1, 2, ... (x
 *             fastest): the baseline.
 *   snake     the same order, rows alternating direction, so consecutive tiles are
 *             always neighbours.
 *   hilbert   the same order along a Hilbert curve over the smallest power-of-two
 *             square holding the mesh (points outside it skipped): each layer holds a
 *             compact region.
 *   spatial   (default) the mesh as a scaled copy of the feature maps: tiles, ordered
 *             by the Hilbert index of their centre in their layer, each take the free
 *             core nearest to the corresponding mesh point, so every layer's tiles of
 *             one image region sit together and the packets of a convolution, a
 *             residual branch or a partial sum travel a few hops; then a local
 *             refinement on the tile traffic graph (ResNet-19: docs/compiler.md has the
 *             measured hops).
 * Every path starts at core (0, 0), beside the I/O port of the usual presets.
 */
#include "map.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* ---- the generalised Hilbert curve over any rectangle ------------------------------
 * Jakub Cervený's "gilbert" construction: the rectangle is split into two or three
 * sub-rectangles walked recursively so that consecutive points are always neighbours,
 * for any width and height (the classic curve needs a power-of-two square; skipping
 * points outside the mesh would break the locality at every skipped run). */

typedef struct walk {
  uint32_t *seq;
  uint64_t n, mesh_x;
} walk;

static int64_t sgn(int64_t v) { return (v > 0) - (v < 0); }
static int64_t fdiv2(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); } /* floor */

static void visit(walk *w, int64_t x, int64_t y) {
  w->seq[w->n++] = (uint32_t)(y * (int64_t)w->mesh_x + x);
}

/* Walks the rectangle at (x, y) spanned by the major axis (ax, ay) and the minor (bx, by). */
static void gilbert(walk *w, int64_t x, int64_t y, int64_t ax, int64_t ay, int64_t bx,
                    int64_t by) {
  const int64_t wd = llabs(ax + ay), ht = llabs(bx + by);
  const int64_t dax = sgn(ax), day = sgn(ay), dbx = sgn(bx), dby = sgn(by);
  if (ht == 1 || wd == 1) { /* a single row or column */
    const int64_t n = ht == 1 ? wd : ht, sx = ht == 1 ? dax : dbx, sy = ht == 1 ? day : dby;
    for (int64_t i = 0; i < n; i++, x += sx, y += sy) visit(w, x, y);
    return;
  }
  int64_t ax2 = fdiv2(ax), ay2 = fdiv2(ay), bx2 = fdiv2(bx), by2 = fdiv2(by);
  const int64_t w2 = llabs(ax2 + ay2), h2 = llabs(bx2 + by2);
  if (2 * wd > 3 * ht) { /* long: split the major axis in two */
    if ((w2 % 2) && wd > 2) ax2 += dax, ay2 += day;
    gilbert(w, x, y, ax2, ay2, bx, by);
    gilbert(w, x + ax2, y + ay2, ax - ax2, ay - ay2, bx, by);
    return;
  }
  if ((h2 % 2) && ht > 2) bx2 += dbx, by2 += dby;
  gilbert(w, x, y, bx2, by2, ax2, ay2); /* up, across, down */
  gilbert(w, x + bx2, y + by2, ax, ay, bx - bx2, by - by2);
  gilbert(w, x + (ax - dax) + (bx2 - dbx), y + (ay - day) + (by2 - dby), -bx2, -by2,
          -(ax - ax2), -(ay - ay2));
}

static void gilbert_mesh(const glif_arch *a, uint32_t *seq) {
  walk w = {seq, 0, a->mesh_x};
  const int64_t X = a->mesh_x, Y = a->mesh_y;
  if (X >= Y) gilbert(&w, 0, 0, X, 0, 0, Y);
  else gilbert(&w, 0, 0, 0, Y, X, 0);
}

/* Hilbert index of (x, y) on a side x side square (side a power of two). */
static uint64_t hilbert_d(uint64_t side, uint64_t x, uint64_t y) {
  uint64_t d = 0;
  for (uint64_t s = side / 2; s > 0; s /= 2) {
    const uint64_t rx = (x & s) > 0, ry = (y & s) > 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry == 0) {
      if (rx == 1) {
        x = side - 1 - x;
        y = side - 1 - y;
      }
      const uint64_t t = x;
      x = y;
      y = t;
    }
  }
  return d;
}

typedef struct tile_key {
  uint64_t key;
  int64_t tile;
} tile_key;

static int cmp_key(const void *a, const void *b) {
  const tile_key *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return (x->tile > y->tile) - (x->tile < y->tile);
}

/* Order of tiles for the spatial placer: the tile's centre in the layer, scaled to a
 * 2^16 grid, along the Hilbert curve; ties (the layers and channel blocks of one
 * region) in partition order. */
static int spatial_order(const cc_ctx *ctx, int64_t *perm) {
  const map_result *m = ctx->map;
  tile_key *k = glif_malloc(((size_t)m->n_tiles + 1) * sizeof *k);
  if (!k) return GLIF_ENOMEM;
  for (int64_t t = 0; t < m->n_tiles; t++) {
    const map_tile *g = &m->tiles[t];
    const lw_layer *L = &ctx->lowered->layers[g->layer];
    const uint64_t gy = ((uint64_t)(g->y0 + g->y1) << 15) / (uint64_t)L->h;
    const uint64_t gx = ((uint64_t)(g->x0 + g->x1) << 15) / (uint64_t)L->w;
    k[t].key = hilbert_d(1u << 16, gx, gy);
    k[t].tile = t;
  }
  qsort(k, (size_t)m->n_tiles, sizeof *k, cmp_key);
  for (int64_t i = 0; i < m->n_tiles; i++) perm[i] = k[i].tile;
  glif_free(k);
  return 0;
}

/* The free core nearest (Manhattan) to (x, y), scanning rings of growing radius in a
 * fixed order; the caller guarantees one is free. */
static uint32_t nearest_free(const glif_arch *a, const uint8_t *used, int64_t x, int64_t y) {
  const int64_t X = a->mesh_x, Y = a->mesh_y;
  for (int64_t r = 0;; r++)
    for (int64_t dy = -r; dy <= r; dy++) {
      const int64_t yy = y + dy, rest = r - llabs(dy);
      if (yy < 0 || yy >= Y) continue;
      for (int64_t sx = -1; sx <= 1; sx += 2) {
        const int64_t xx = x + sx * rest;
        if (xx >= 0 && xx < X && !used[yy * X + xx]) return (uint32_t)(yy * X + xx);
        if (rest == 0) break;
      }
    }
}

/* The spatial placer: the mesh as a scaled copy of the feature maps. Each tile, in
 * spatial order, takes the free core nearest to the point of the mesh that corresponds
 * to its centre in its layer, so a layer's neighbours, its residual branches and its
 * partial sums, which all cover the same image region, end up a few hops apart. */
static int place_spatial(cc_ctx *ctx, const int64_t *perm) {
  map_result *m = ctx->map;
  const glif_arch *a = &ctx->arch;
  uint8_t *used = glif_calloc((size_t)a->mesh_x * a->mesh_y, 1);
  if (!used) return GLIF_ENOMEM;
  for (int64_t i = 0; i < m->n_tiles; i++) {
    map_tile *g = &m->tiles[perm[i]];
    const lw_layer *L = &ctx->lowered->layers[g->layer];
    const int64_t y = (int64_t)(g->y0 + g->y1) * a->mesh_y / (2 * L->h);
    const int64_t x = (int64_t)(g->x0 + g->x1) * a->mesh_x / (2 * L->w);
    g->core = nearest_free(a, used, x, y);
    used[g->core] = 1;
  }
  glif_free(used);
  return 0;
}

int map_place_sequence(const glif_arch *a, const char *placer, uint32_t *seq,
                       glif_err *err) {
  const uint64_t X = a->mesh_x, Y = a->mesh_y, n = X * Y;
  if (!strcmp(placer, "rowmajor")) {
    for (uint64_t i = 0; i < n; i++) seq[i] = (uint32_t)i;
  } else if (!strcmp(placer, "snake")) {
    for (uint64_t y = 0, i = 0; y < Y; y++)
      for (uint64_t k = 0; k < X; k++, i++) seq[i] = (uint32_t)(y * X + (y % 2 ? X - 1 - k : k));
  } else if (!strcmp(placer, "hilbert")) {
    gilbert_mesh(a, seq);
  } else if (strcmp(placer, "spatial")) {
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0,
                     "--place=%s is not a placer - use spatial, hilbert, snake or "
                     "rowmajor", placer);
  }
  return 0;
}

/* ---- refinement of the spatial map -------------------------------------------------
 * Moves and swaps between nearby cores that lower the traffic-weighted hop count of the
 * tile graph (sum over edges of entries x XY distance, plus host packets x distance to
 * the I/O port). Each tile in turn takes the best improving core within REFINE_RADIUS;
 * passes repeat until none improves (at most REFINE_PASSES). Deterministic. */

#define REFINE_RADIUS 2
#define REFINE_PASSES 8

static int64_t dist(const glif_arch *a, uint32_t c, uint32_t d) {
  return llabs((int64_t)(c % a->mesh_x) - (int64_t)(d % a->mesh_x)) +
         llabs((int64_t)(c / a->mesh_x) - (int64_t)(d / a->mesh_x));
}

/* Weighted hops of tile t's traffic if t sat on core c, the others where they are. */
static int64_t cost_at(const cc_ctx *ctx, const map_graph *g, int64_t t, uint32_t c) {
  const glif_arch *a = &ctx->arch;
  const map_tile *tiles = ctx->map->tiles;
  int64_t cost = (int64_t)tiles[t].n_input * dist(a, c, a->io_y * a->mesh_x + a->io_x);
  for (int64_t j = g->xadj[t]; j < g->xadj[t + 1]; j++)
    cost += g->wgt[j] * dist(a, c, tiles[g->adj[j]].core);
  return cost;
}

static int64_t weight_between(const map_graph *g, int64_t t, int64_t u) {
  for (int64_t j = g->xadj[t]; j < g->xadj[t + 1]; j++)
    if (g->adj[j] == u) return g->wgt[j];
  return 0;
}

/* Change of the total if t moved to core c (swapping with its tile u, if any): the
 * t-u edge keeps its length, which both cost_at calls count as 0 afterwards. */
static int64_t delta_of(const cc_ctx *ctx, const map_graph *g, int64_t t, uint32_t c) {
  const uint32_t cur = ctx->map->tiles[t].core;
  const int64_t u = ctx->map->core_tile[c];
  int64_t d = cost_at(ctx, g, t, c) - cost_at(ctx, g, t, cur);
  if (u >= 0)
    d += cost_at(ctx, g, u, cur) - cost_at(ctx, g, u, c) +
         2 * weight_between(g, t, u) * dist(&ctx->arch, c, cur);
  return d;
}

static void move(map_result *m, int64_t t, uint32_t c) {
  const uint32_t cur = m->tiles[t].core;
  const int64_t u = m->core_tile[c];
  m->tiles[t].core = c, m->core_tile[c] = t;
  m->core_tile[cur] = u;
  if (u >= 0) m->tiles[u].core = cur;
}

/* One pass over the tiles; returns the number of moves made. */
static int64_t refine_pass(cc_ctx *ctx, const map_graph *g) {
  const glif_arch *a = &ctx->arch;
  map_result *m = ctx->map;
  int64_t moves = 0;
  for (int64_t t = 0; t < m->n_tiles; t++) {
    const int64_t x = m->tiles[t].core % a->mesh_x, y = m->tiles[t].core / a->mesh_x;
    int64_t best = 0, best_c = -1;
    for (int64_t dy = -REFINE_RADIUS; dy <= REFINE_RADIUS; dy++)
      for (int64_t dx = -REFINE_RADIUS; dx <= REFINE_RADIUS; dx++) {
        const int64_t xx = x + dx, yy = y + dy;
        if ((!dx && !dy) || xx < 0 || yy < 0 || xx >= a->mesh_x || yy >= a->mesh_y) continue;
        const int64_t d = delta_of(ctx, g, t, (uint32_t)(yy * a->mesh_x + xx));
        if (d < best) best = d, best_c = yy * a->mesh_x + xx;
      }
    if (best_c >= 0) move(m, t, (uint32_t)best_c), moves++;
  }
  return moves;
}

static int refine(cc_ctx *ctx, glif_err *err) {
  map_graph g;
  int rc = map_tile_graph(ctx, &g, err);
  for (int p = 0; !rc && p < REFINE_PASSES && refine_pass(ctx, &g) > 0; p++) {}
  map_graph_free(&g);
  return rc;
}

/* Cores of the tiles (path order, the spatial map, or kept from metis), then the
 * core -> tile table and the tiles in core order. */
static int assign(cc_ctx *ctx, const char *placer, const uint32_t *seq, int64_t *perm,
                  glif_err *err) {
  map_result *m = ctx->map;
  const uint64_t cores = (uint64_t)ctx->arch.mesh_x * ctx->arch.mesh_y;
  const int spatial = !strcmp(placer, "spatial"), keep = m->preplaced;
  for (int64_t t = 0; t < m->n_tiles; t++) perm[t] = t;
  if (spatial && !keep && (spatial_order(ctx, perm) || place_spatial(ctx, perm)))
    return GLIF_ENOMEM;
  for (uint64_t c = 0; c < cores; c++) m->core_tile[c] = -1;
  for (int64_t i = 0; i < m->n_tiles; i++) {
    if (!spatial && !keep) m->tiles[perm[i]].core = seq[i];
    m->core_tile[m->tiles[perm[i]].core] = perm[i];
  }
  if (spatial && !keep && refine(ctx, err)) return GLIF_ENOMEM;
  int64_t k = 0;
  for (uint64_t c = 0; c < cores; c++)
    if (m->core_tile[c] >= 0) m->order[k++] = m->core_tile[c];
  m->placer = keep ? "metis" : placer; /* metis chose the cores in partition */
  m->placed = 1;
  return 0;
}

int cc_pass_place(cc_ctx *ctx, glif_err *err) {
  map_result *m = ctx->map;
  const char *placer = ctx->opt && ctx->opt->place ? ctx->opt->place : "spatial";
  if (!m || !m->tiles)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "place: run partition first");
  const uint64_t cores = (uint64_t)ctx->arch.mesh_x * ctx->arch.mesh_y;
  if ((uint64_t)m->n_tiles > cores)
    return glif_errf(err, GLIF_EFIT, NULL, 0, 0,
                     "place: %lld cores needed, the mesh has %llu - see the design-rule "
                     "checks", (long long)m->n_tiles, (unsigned long long)cores);
  uint32_t *seq = glif_malloc((size_t)cores * sizeof *seq);
  int64_t *perm = glif_malloc(((size_t)m->n_tiles + 1) * sizeof *perm);
  m->core_tile = glif_arena_array(ctx->arena, (size_t)cores, sizeof *m->core_tile);
  m->order = glif_arena_array(ctx->arena, (size_t)m->n_tiles + 1, sizeof *m->order);
  int rc = !seq || !perm || !m->core_tile || !m->order
               ? glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in place")
               : map_place_sequence(&ctx->arch, placer, seq, err);
  if (!rc && (rc = assign(ctx, placer, seq, perm, err)) && !err->code)
    rc = glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in place");
  glif_free(seq), glif_free(perm);
  return rc;
}
