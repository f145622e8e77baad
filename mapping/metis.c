/*
 * metis.c - the METIS partitioner (--partition metis): cores chosen to minimise the
 * traffic that crosses the mesh.
 *
 *   lower -> drc -> PARTITION (greedy tiles, then this) -> place (kept) -> route -> emit
 *
 * The greedy tiles are the vertices of the tile traffic graph (graph.c): edge weights
 * are the fan-out entries between two tiles. That graph is cut by recursive bisection (METIS_PartGraphRecursive, two parts
 * at a time) in step with the mesh: the rectangle of cores is halved along its longer
 * side, the tiles are split in proportion to the two halves' cores while cutting as few
 * entries as possible, and each half recurses until one tile is left for a rectangle;
 * it takes the rectangle's first core. A part METIS leaves larger than its half's cores
 * gives up the vertices with the fewest edges inside it. Every level minimises the
 * traffic between the halves, so heavy traffic stays within small rectangles. METIS is
 * deterministic for a fixed seed (0). Without METIS at build time, --partition metis is
 * refused with a message.
 */
#include "map.h"

#include <stdlib.h>
#include <string.h>

#ifndef GLIF_HAVE_METIS

int map_partition_metis(cc_ctx *ctx, glif_err *err) {
  (void)ctx;
  return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0,
                   "--partition metis: this glif was built without METIS - install "
                   "libmetis-dev and rebuild, or use --partition greedy");
}

#else
#include <metis.h>

/* ---- recursive bisection ---------------------------------------------------------- */

typedef struct rect {
  int64_t x, y, w, h;
} rect;

typedef struct bisect {
  const map_graph *g;
  map_tile *tiles;
  uint32_t mesh_x;
  int64_t *local;         /* [n]: index of a tile in the current subset, or -1 */
  idx_t *xadj, *adj, *wgt, *part; /* scratch of the current subgraph */
} bisect;

/* Subgraph of the tiles in v[0..k) in METIS form. */
static void subgraph(bisect *b, const int64_t *v, int64_t k) {
  idx_t e = 0;
  for (int64_t i = 0; i < k; i++) b->local[v[i]] = i;
  for (int64_t i = 0; i < k; i++) {
    b->xadj[i] = e;
    for (int64_t j = b->g->xadj[v[i]]; j < b->g->xadj[v[i] + 1]; j++)
      if (b->local[b->g->adj[j]] >= 0) {
        b->adj[e] = (idx_t)b->local[b->g->adj[j]];
        b->wgt[e++] = (idx_t)(b->g->wgt[j] < 0x7fffffff ? b->g->wgt[j] : 0x7fffffff);
      }
  }
  b->xadj[k] = e;
  for (int64_t i = 0; i < k; i++) b->local[v[i]] = -1;
}

typedef struct ranked {
  int64_t gain, v;
} ranked;

static int cmp_ranked(const void *x, const void *y) {
  const ranked *a = x, *c = y;
  if (a->gain != c->gain) return a->gain < c->gain ? -1 : 1; /* weakest tie first */
  return (a->v > c->v) - (a->v < c->v);
}

/* Moves the vertices with the fewest edges inside a part larger than its capacity. */
static int repair(bisect *b, int64_t k, int64_t cap0, int64_t cap1) {
  int64_t n0 = 0, nc = 0;
  for (int64_t i = 0; i < k; i++) n0 += b->part[i] == 0;
  const int over = n0 > cap0 ? 0 : (k - n0 > cap1 ? 1 : -1);
  if (over < 0) return 0;
  const int64_t excess = over == 0 ? n0 - cap0 : (k - n0) - cap1;
  ranked *r = glif_malloc((size_t)k * sizeof *r);
  if (!r) return GLIF_ENOMEM;
  for (int64_t i = 0; i < k; i++) {
    if (b->part[i] != over) continue;
    int64_t gain = 0;
    for (idx_t j = b->xadj[i]; j < b->xadj[i + 1]; j++)
      gain += b->part[b->adj[j]] == over ? b->wgt[j] : -b->wgt[j];
    r[nc++] = (ranked){gain, i};
  }
  qsort(r, (size_t)nc, sizeof *r, cmp_ranked);
  for (int64_t i = 0; i < excess && i < nc; i++) b->part[r[i].v] = 1 - over;
  glif_free(r);
  return 0;
}

static void split_rect(rect r, rect *a, rect *c) {
  *a = *c = r;
  if (r.w >= r.h) a->w = r.w / 2, c->x = r.x + a->w, c->w = r.w - a->w;
  else a->h = r.h / 2, c->y = r.y + a->h, c->h = r.h - a->h;
}

/* Cuts v[0..k) into the two halves of r (METIS, then capacity repair); v is reordered
 * so the first *k0 go to the first half. */
static int cut(bisect *b, int64_t *v, int64_t k, int64_t cap0, int64_t cap1, int64_t *k0) {
  idx_t n = (idx_t)k, ncon = 1, nparts = 2, objval, opt[METIS_NOPTIONS];
  real_t tp[2] = {(real_t)cap0 / (real_t)(cap0 + cap1), (real_t)cap1 / (real_t)(cap0 + cap1)};
  real_t ub = (real_t)1.001;
  subgraph(b, v, k);
  METIS_SetDefaultOptions(opt);
  opt[METIS_OPTION_SEED] = 0;
  if (b->xadj[k] == 0) { /* no edges: fill in order */
    for (int64_t i = 0; i < k; i++) b->part[i] = i >= (k * cap0 + cap0 + cap1 - 1) / (cap0 + cap1);
  } else if (METIS_PartGraphRecursive(&n, &ncon, b->xadj, b->adj, NULL, NULL, b->wgt, &nparts,
                                      tp, &ub, opt, &objval, b->part) != METIS_OK) {
    return GLIF_EINTERNAL;
  }
  int64_t *tmp = glif_malloc((size_t)k * sizeof *tmp), i0 = 0, i1 = 0;
  if (!tmp || repair(b, k, cap0, cap1)) {
    glif_free(tmp);
    return GLIF_ENOMEM;
  }
  for (int64_t i = 0; i < k; i++) i0 += b->part[i] == 0;
  *k0 = i0;
  for (int64_t i = 0; i < k; i++) tmp[b->part[i] == 0 ? i1++ : i0++] = v[i];
  memcpy(v, tmp, (size_t)k * sizeof *v);
  glif_free(tmp);
  return 0;
}

static int place_rec(bisect *b, int64_t *v, int64_t k, rect r) {
  if (k == 0) return 0;
  if (k == 1 || r.w * r.h == 1) {
    b->tiles[v[0]].core = (uint32_t)(r.y * b->mesh_x + r.x);
    return 0;
  }
  rect a, c;
  split_rect(r, &a, &c);
  int64_t k0;
  int rc = cut(b, v, k, a.w * a.h, c.w * c.h, &k0);
  if (!rc) rc = place_rec(b, v, k0, a);
  if (!rc) rc = place_rec(b, v + k0, k - k0, c);
  return rc;
}

static int bisect_init(bisect *b, const map_graph *g, cc_ctx *ctx) {
  const int64_t n = g->n, e = g->xadj[n];
  memset(b, 0, sizeof *b);
  b->g = g;
  b->tiles = ctx->map->tiles;
  b->mesh_x = ctx->arch.mesh_x;
  b->local = glif_malloc(((size_t)n + 1) * sizeof *b->local);
  b->xadj = glif_malloc(((size_t)n + 1) * sizeof *b->xadj);
  b->adj = glif_malloc(((size_t)e + 1) * sizeof *b->adj);
  b->wgt = glif_malloc(((size_t)e + 1) * sizeof *b->wgt);
  b->part = glif_malloc(((size_t)n + 1) * sizeof *b->part);
  if (!b->local || !b->xadj || !b->adj || !b->wgt || !b->part) return GLIF_ENOMEM;
  for (int64_t i = 0; i < n; i++) b->local[i] = -1;
  return 0;
}

static void bisect_free(bisect *b) {
  glif_free(b->local), glif_free(b->xadj), glif_free(b->adj);
  glif_free(b->wgt), glif_free(b->part);
}

int map_partition_metis(cc_ctx *ctx, glif_err *err) {
  map_result *m = ctx->map;
  map_graph g;
  bisect b;
  int64_t *v = glif_malloc(((size_t)m->n_tiles + 1) * sizeof *v);
  memset(&b, 0, sizeof b);
  memset(&g, 0, sizeof g);
  int rc = v ? map_tile_graph(ctx, &g, err)
             : glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  if (!rc && bisect_init(&b, &g, ctx))
    rc = glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in partition");
  if (!rc) {
    for (int64_t t = 0; t < m->n_tiles; t++) v[t] = t;
    rect mesh = {0, 0, ctx->arch.mesh_x, ctx->arch.mesh_y};
    if ((rc = place_rec(&b, v, m->n_tiles, mesh)))
      rc = glif_errf(err, rc, NULL, 0, 0, "partition: METIS could not bisect the tiles");
  }
  bisect_free(&b);
  if (!rc) {
    m->partitioner = "metis";
    m->preplaced = 1;
  }
  glif_free(v);
  map_graph_free(&g);
  return rc;
}

#endif /* GLIF_HAVE_METIS */
