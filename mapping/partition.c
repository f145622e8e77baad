/*
 * partition.c - the partition pass: every layer is cut into tiles, one tile per core.
 *
 *   lower -> drc -> PARTITION -> place -> route -> emit
 *
 * Planning (map_plan_all, also run by drc for the mesh rule) goes from the last layer
 * to the first. For each layer it enumerates tile shapes (channels x rows x columns,
 * each a size that cuts its dimension into equal parts), keeps those whose neurons,
 * parameter groups and axon bound fit a core, orders them by (cores, crossbar cells)
 * and takes the first whose busiest tile also fits the fan-out table. The fan-out
 * counts are exact: every consumer of the layer is already tiled, so the axons it
 * gives each source neuron are enumerated (mapping/axons.c). Then the consumers'
 * contributions of this layer's own tiles are added to its sources' counts.
 *
 * The axon bound of a tile is its receptive-field window (per source channel) times
 * the largest copies per source channel; the exact axon count (map.h) never exceeds it.
 */
#include "map.h"

#include <stdlib.h>
#include <string.h>

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* ---- tile geometry ------------------------------------------------------------ */

map_tile map_tile_geom(const lw_layer *L, const map_plan *p, int64_t t) {
  map_tile g;
  memset(&g, 0, sizeof g);
  const int64_t bc = t % p->nbc;
  t /= p->nbc;
  g.chunk = (int32_t)(t % L->n_chunks);
  t /= L->n_chunks;
  const int64_t bx = t % p->nbx, by = t / p->nbx;
  g.c0 = (int32_t)(bc * p->tc), g.c1 = (int32_t)(g.c0 + p->tc < L->cb ? g.c0 + p->tc : L->cb);
  g.y0 = (int32_t)(by * p->ty), g.y1 = (int32_t)(g.y0 + p->ty < L->h ? g.y0 + p->ty : L->h);
  g.x0 = (int32_t)(bx * p->tx), g.x1 = (int32_t)(g.x0 + p->tx < L->w ? g.x0 + p->tx : L->w);
  return g;
}

int64_t map_tile_of(const map_result *m, const lw_net *n, int L, int64_t index,
                    uint32_t *local) {
  const lw_layer *ly = &n->layers[L];
  const map_plan *p = &m->plan[L];
  const int64_t hw = (int64_t)ly->h * ly->w;
  const int64_t c = index / hw, y = (index / ly->w) % ly->h, x = index % ly->w;
  const int64_t k = c / ly->cb, co = c % ly->cb;
  const int64_t t = (((y / p->ty) * p->nbx + x / p->tx) * ly->n_chunks + k) * p->nbc + co / p->tc;
  const map_tile *tile = &m->tiles[p->first_tile + t];
  const int64_t th = tile->y1 - tile->y0, tw = tile->x1 - tile->x0;
  *local = (uint32_t)(((co - tile->c0) * th + (y - tile->y0)) * tw + (x - tile->x0));
  return p->first_tile + t;
}

/* ---- candidate shapes ---------------------------------------------------------- */

typedef struct cand {
  int tc, ty, tx;
  int64_t cores, cells, rows;
  double cost;         /* the objective (map.h: MAP_CORE_WEIGHT) */
  int groups;
  int bound_ok;        /* rows (an upper bound) fit the axons */
} cand;

/* The distinct values of ceil(n / k), k = 1 .. n: the sizes that cut n evenly. */
static int cut_sizes(int n, int *out) {
  int m = 0;
  for (int k = 1; k <= n; k++) {
    const int v = (int)cdiv(n, k);
    if (!m || out[m - 1] != v) out[m++] = v;
  }
  return m;
}

/* Source rows (or columns) a tile of t outputs reads through a kernel of k taps. */
static int64_t window(int t, int k, int stride, int n_src) {
  const int64_t w = stride >= k ? (int64_t)t * k : (int64_t)(t - 1) * stride + k;
  return w < n_src ? w : n_src;
}

/* Sources of a dense term feeding target neurons [c0, c1) of a vector layer, with
 * their copies: the exact axon count of such a tile. */
static int64_t dense_union(const lw_net *n, const lw_term *t, int c0, int c1) {
  int64_t rows = 0;
  const ir_proj *p = t->proj;
  for (int64_t s = t->lo; s < t->hi; s++) {
    int64_t most = 0;
    for (int64_t j = c0; j < c1; j++) {
      const int64_t cp = lw_copies(p->wq[j * p->cin + s], n->wmax);
      if (cp > most) most = cp;
    }
    rows += most;
  }
  return rows;
}

/* A dense term's bound: all its sources, or each neuron's own fan-in summed; exact for
 * vector layers when those bounds are too coarse to decide. */
static int64_t dense_rows(const lw_net *n, const lw_layer *L, const lw_term *t, int c0,
                          int c1, int64_t neurons, int64_t axons) {
  int64_t b = t->rows_unit;
  if (b > neurons * t->fanin_max) b = neurons * t->fanin_max;
  if (b > axons && L->h * L->w == 1) b = dense_union(n, t, c0, c1);
  return b;
}

static int64_t term_rows(const lw_net *n, const lw_layer *L, const lw_term *t, int c0,
                         int c1, int ty, int tx, int64_t axons) {
  if (t->kind == LW_PSUM) return (int64_t)(c1 - c0) * ty * tx;
  if (t->kind == LW_DENSE)
    return dense_rows(n, L, t, c0, c1, (int64_t)(c1 - c0) * ty * tx, axons);
  const ir_proj *p = t->proj;
  const lw_layer *src = lw_src(n, t);
  const int64_t win = window(ty, p->kh, p->sh, src->h) * window(tx, p->kw, p->sw, src->w);
  return win * (p->depthwise ? t->dw_prefix[c1] - t->dw_prefix[c0] : t->rows_unit);
}

/* Largest axon bound over the tiles of a shape, and the crossbar cells it implies. */
static int64_t shape_rows(const lw_net *n, const lw_layer *L, int tc, int ty, int tx,
                          int64_t axons, int64_t *cells) {
  int64_t most = 0;
  *cells = 0;
  for (int k = 0; k < L->n_chunks; k++)
    for (int c0 = 0; c0 < L->cb; c0 += tc) {
      const int c1 = c0 + tc < L->cb ? c0 + tc : L->cb;
      int64_t rows = 0;
      for (int t = L->term_start[k]; t < L->term_start[k + 1]; t++)
        rows += term_rows(n, L, &L->terms[t], c0, c1, ty, tx, axons);
      if (rows > most) most = rows;
      *cells += rows * (c1 - c0) * ty * tx * cdiv(L->h, ty) * cdiv(L->w, tx);
    }
  return most;
}

/* Largest number of distinct parameter sets in a block of tc channels. */
static int shape_groups(const lw_layer *L, int tc, int *stamp) {
  int most = 0;
  for (int i = 0; i < L->n_psets; i++) stamp[i] = -1;
  for (int c0 = 0; c0 < L->cb; c0 += tc) {
    int g = 0;
    for (int c = c0; c < c0 + tc && c < L->cb; c++)
      if (stamp[L->pset[c]] != c0) stamp[L->pset[c]] = c0, g++;
    if (g > most) most = g;
  }
  return most;
}

static int cmp_cand(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->bound_ok != y->bound_ok) return x->bound_ok ? -1 : 1;
  if (x->cost != y->cost) return x->cost < y->cost ? -1 : 1;
  if (x->cores != y->cores) return x->cores < y->cores ? -1 : 1;
  if (x->cells != y->cells) return x->cells < y->cells ? -1 : 1;
  if (x->tc != y->tc) return x->tc > y->tc ? -1 : 1; /* whole channel blocks first */
  if (x->ty != y->ty) return x->ty < y->ty ? -1 : 1;
  return (x->tx > y->tx) - (x->tx < y->tx);
}

typedef struct cand_list {
  cand *c;
  int n;
} cand_list;

/* Evaluates shape (tc, ty, tx) with g groups and appends it to out. */
static int add_shape(const cc_ctx *ctx, const lw_layer *L, int tc, int ty, int tx, int g,
                     cand_list *out, int *cap) {
  const glif_arch *a = &ctx->arch;
  const double core_cells = MAP_CORE_WEIGHT * (double)a->axons * a->neurons;
  cand c = {.tc = tc, .ty = ty, .tx = tx, .groups = g};
  c.rows = shape_rows(ctx->lowered, L, tc, ty, tx, a->axons, &c.cells);
  c.bound_ok = c.rows <= a->axons;
  c.cores = (int64_t)L->n_chunks * cdiv(L->cb, tc) * cdiv(L->h, ty) * cdiv(L->w, tx);
  c.cost = ctx->map->cores_first ? (double)c.cores
                                 : (double)c.cores * core_cells + (double)c.cells;
  if (out->n == *cap) {
    cand *grown = glif_realloc(out->c, (size_t)(*cap * 2) * sizeof *grown);
    if (!grown) return GLIF_ENOMEM;
    out->c = grown;
    *cap *= 2;
  }
  out->c[out->n++] = c;
  return 0;
}

/* Every shape that fits neurons and groups, sorted: those whose axon bound fits
 * first, then by the objective. */
static int gen_candidates(const cc_ctx *ctx, const lw_layer *L, cand_list *out) {
  int cap = 256, rc = 0;
  int *sc = glif_malloc(((size_t)L->cb + L->h + L->w + 3) * sizeof *sc);
  int *stamp = glif_malloc(((size_t)L->n_psets + 1) * sizeof *stamp);
  out->n = 0;
  out->c = glif_malloc((size_t)cap * sizeof *out->c);
  if (!sc || !stamp || !out->c) rc = GLIF_ENOMEM;
  int *sy = sc ? sc + L->cb + 1 : NULL, *sx = sy ? sy + L->h + 1 : NULL;
  const int nc = rc ? 0 : cut_sizes(L->cb, sc), ny = rc ? 0 : cut_sizes(L->h, sy),
            nx = rc ? 0 : cut_sizes(L->w, sx);
  for (int i = 0; !rc && i < nc; i++) {
    const int g = shape_groups(L, sc[i], stamp);
    for (int j = 0; g <= (int)ctx->arch.groups && !rc && j < ny; j++)
      for (int k = 0; !rc && k < nx; k++)
        if ((int64_t)sc[i] * sy[j] * sx[k] <= ctx->arch.neurons)
          rc = add_shape(ctx, L, sc[i], sy[j], sx[k], g, out, &cap);
  }
  glif_free(sc), glif_free(stamp);
  if (rc) {
    glif_free(out->c);
    out->c = NULL;
    return rc;
  }
  qsort(out->c, (size_t)out->n, sizeof *out->c, cmp_cand);
  return 0;
}

/* ---- fan-out of a shape ------------------------------------------------------------ */

/* 3-D prefix sums of a layer's per-neuron fan-out counts, for box sums. */
typedef struct boxsum {
  int64_t *p;
  int64_t C, H, W;
} boxsum;

static int64_t at(const boxsum *b, int64_t c, int64_t y, int64_t x) {
  return b->p[(c * (b->H + 1) + y) * (b->W + 1) + x];
}

static int boxsum_init(boxsum *b, const lw_layer *L, const uint32_t *count) {
  b->C = L->c, b->H = L->h, b->W = L->w;
  b->p = glif_calloc((size_t)(b->C + 1) * (b->H + 1) * (b->W + 1), sizeof *b->p);
  if (!b->p) return GLIF_ENOMEM;
  for (int64_t c = 1; c <= b->C; c++)
    for (int64_t y = 1; y <= b->H; y++)
      for (int64_t x = 1; x <= b->W; x++)
        b->p[(c * (b->H + 1) + y) * (b->W + 1) + x] =
            count[((c - 1) * b->H + y - 1) * b->W + x - 1] + at(b, c - 1, y, x) +
            at(b, c, y - 1, x) + at(b, c, y, x - 1) - at(b, c - 1, y - 1, x) -
            at(b, c - 1, y, x - 1) - at(b, c, y - 1, x - 1) + at(b, c - 1, y - 1, x - 1);
  return 0;
}

static int64_t box(const boxsum *b, int64_t c0, int64_t c1, int64_t y0, int64_t y1,
                   int64_t x0, int64_t x1) {
  return at(b, c1, y1, x1) - at(b, c0, y1, x1) - at(b, c1, y0, x1) - at(b, c1, y1, x0) +
         at(b, c0, y0, x1) + at(b, c0, y1, x0) + at(b, c1, y0, x0) - at(b, c0, y0, x0);
}

/* Largest fan-out entry count over the tiles of plan p. */
static int64_t shape_fanout(const lw_layer *L, const map_plan *p, const boxsum *b) {
  int64_t most = 0;
  for (int64_t t = 0; t < p->n_tiles; t++) {
    const map_tile g = map_tile_geom(L, p, t);
    const int64_t c0 = (int64_t)g.chunk * L->cb;
    const int64_t f = box(b, c0 + g.c0, c0 + g.c1, g.y0, g.y1, g.x0, g.x1);
    if (f > most) most = f;
  }
  return most;
}

static void set_shape(const lw_layer *L, map_plan *p, int tc, int ty, int tx) {
  p->tc = tc, p->ty = ty, p->tx = tx;
  p->nbc = (int)cdiv(L->cb, tc), p->nby = (int)cdiv(L->h, ty), p->nbx = (int)cdiv(L->w, tx);
  p->n_tiles = (int64_t)L->n_chunks * p->nbc * p->nby * p->nbx;
}

/* Exact largest axon count over the tiles of plan p (the bound may be loose when
 * weights are zero: a relay chunk filled to the last axon, for instance). */
static int exact_rows(cc_ctx *ctx, int li, const map_plan *p, map_scratch *s,
                      int64_t *rows, glif_err *err) {
  const lw_layer *L = &ctx->lowered->layers[li];
  *rows = 0;
  for (int64_t t = 0; t < p->n_tiles; t++) {
    map_tile g = map_tile_geom(L, p, t);
    const map_axon *ax;
    int64_t na;
    g.layer = li;
    int rc = map_tile_axons(ctx->lowered, &g, s, 0, &ax, &na, err);
    if (rc) return rc;
    if (na > *rows) *rows = na;
    if (na > ctx->arch.axons) break;
  }
  return 0;
}

#define EXACT_TRIES 24

/* Tries candidate c: 1 when it fits (rows and fan-out), 0 when not. */
static int try_cand(cc_ctx *ctx, int li, const cand *c, const boxsum *b, map_scratch *s,
                    int *exact_left, int *fits, glif_err *err) {
  const lw_layer *L = &ctx->lowered->layers[li];
  map_plan *p = &ctx->map->plan[li];
  set_shape(L, p, c->tc, c->ty, c->tx);
  p->rows_bound = c->rows;
  p->groups_max = c->groups;
  *fits = 0;
  if (!c->bound_ok) {
    /* exact counts only where they can succeed: not when one neuron alone already needs
     * more axons than a core has (drc reports it; a huge weight could mean millions of
     * copies to enumerate), nor for the quick lower bound */
    if (ctx->map->quick || L->fanin > (int64_t)ctx->arch.axons) return 0;
    if (*exact_left <= 0 && (c->tc * c->ty * c->tx) != 1) return 0;
    --*exact_left;
    int rc = exact_rows(ctx, li, p, s, &p->rows_bound, err);
    if (rc || p->rows_bound > ctx->arch.axons) return rc;
  }
  p->fanout_max = ctx->map->quick ? 0 : shape_fanout(L, p, b);
  *fits = p->fanout_max <= ctx->arch.fanout_entries;
  return 0;
}

/* Chooses layer L's shape: the best candidate whose tiles fit the axons and whose
 * busiest tile fits E fan-out entries. */
static int plan_layer(cc_ctx *ctx, int li, map_scratch *s, glif_err *err) {
  const lw_layer *L = &ctx->lowered->layers[li];
  map_plan *p = &ctx->map->plan[li];
  cand_list cl;
  boxsum b = {0};
  if (gen_candidates(ctx, L, &cl) ||
      (!ctx->map->quick && boxsum_init(&b, L, ctx->map->fan[li].count))) {
    glif_free(cl.c);
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory planning '%s'", L->name);
  }
  int fits = 0, rc = 0, exact_left = EXACT_TRIES, rows_ok = 0;
  int64_t first_ok = 0; /* neurons of the best shape that fit all but the fan-out */
  for (int i = 0; !rc && !fits && i < cl.n; i++) {
    rc = try_cand(ctx, li, &cl.c[i], &b, s, &exact_left, &fits, err);
    if (p->rows_bound <= ctx->arch.axons && !rows_ok)
      first_ok = (int64_t)cl.c[i].tc * cl.c[i].ty * cl.c[i].tx;
    rows_ok |= p->rows_bound <= ctx->arch.axons;
  }
  p->fanout_limited = fits && first_ok > (int64_t)p->tc * p->ty * p->tx ? first_ok : 0;
  if (!rc && !fits) { /* nothing fits: one neuron per core, marked failed */
    p->fail = rows_ok ? MAP_FAIL_FANOUT : MAP_FAIL_ROWS;
    set_shape(L, p, 1, 1, 1);
    int64_t cells;
    p->rows_bound = shape_rows(ctx->lowered, L, 1, 1, 1, ctx->arch.axons, &cells);
    p->fanout_max = ctx->map->quick ? 0 : shape_fanout(L, p, &b);
    p->groups_max = 1;
  }
  glif_free(cl.c), glif_free(b.p);
  return rc;
}

/* ---- fan-out counting ---------------------------------------------------------------- */

static int count_source(void *user, int src_layer, int64_t src, uint32_t axon,
                        const lw_term *term) {
  map_result *m = user;
  (void)axon, (void)term;
  map_fan *f = src_layer == LW_INPUT ? &m->input : &m->fan[src_layer];
  f->count[src]++;
  return 0;
}

/* Adds the axons of layer li's tiles to its sources' per-neuron fan-out counts. */
static int count_layer(cc_ctx *ctx, int li, map_scratch *s, glif_err *err) {
  const lw_layer *L = &ctx->lowered->layers[li];
  const map_plan *p = &ctx->map->plan[li];
  for (int64_t t = 0; t < p->n_tiles; t++) {
    map_tile g = map_tile_geom(L, p, t);
    g.layer = li;
    int rc = map_tile_sources(ctx->lowered, &g, s, ctx->map, count_source, err);
    if (rc) return rc;
  }
  return 0;
}

static int alloc_map(cc_ctx *ctx, glif_err *err) {
  const lw_net *n = ctx->lowered;
  map_result *m = glif_arena_alloc(ctx->arena, sizeof *m);
  if (!m) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in partition");
  m->n_layers = n->n_layers;
  m->plan = glif_arena_array(ctx->arena, (size_t)n->n_layers + 1, sizeof *m->plan);
  m->fan = glif_arena_array(ctx->arena, (size_t)n->n_layers + 1, sizeof *m->fan);
  m->input.count = glif_arena_array(ctx->arena, (size_t)n->input.n + 1, sizeof(uint32_t));
  int ok = m->plan && m->fan && m->input.count;
  for (int i = 0; ok && i < n->n_layers; i++)
    ok = (m->fan[i].count = glif_arena_array(ctx->arena, (size_t)n->layers[i].n + 1,
                                             sizeof(uint32_t))) != NULL;
  if (!ok) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in partition");
  m->partitioner = "greedy";
  ctx->map = m;
  return 0;
}

static int plan_once(cc_ctx *ctx, int quick, int cores_first, glif_err *err) {
  int rc = alloc_map(ctx, err);
  if (!rc) ctx->map->cores_first = cores_first;
  map_scratch *s = map_scratch_create();
  if (!rc && !s) rc = glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in partition");
  if (!rc) ctx->map->quick = quick;
  for (int li = ctx->lowered->n_layers - 1; !rc && li >= 0; li--) {
    if (ctx->lowered->layers[li].n == 0) continue;
    if (!(rc = plan_layer(ctx, li, s, err)) && !quick) rc = count_layer(ctx, li, s, err);
  }
  map_scratch_destroy(s);
  if (rc) return rc;
  int64_t first = 0;
  for (int li = 0; li < ctx->lowered->n_layers; li++) {
    ctx->map->plan[li].first_tile = first;
    first += ctx->map->plan[li].n_tiles;
  }
  ctx->map->n_tiles = first;
  ctx->map->planned = !quick;
  return 0;
}

/* Balanced first; when that does not fit the mesh, the fewest cores whatever the
 * fill, so the mesh rule only fails when nothing fits. */
int map_plan_all(cc_ctx *ctx, int quick, glif_err *err) {
  int rc = plan_once(ctx, quick, 0, err);
  const uint64_t cores = (uint64_t)ctx->arch.mesh_x * ctx->arch.mesh_y;
  if (!rc && (uint64_t)ctx->map->n_tiles > cores) rc = plan_once(ctx, quick, 1, err);
  return rc;
}

/* ---- the pass ------------------------------------------------------------------------ */

static uint32_t tile_groups(const lw_layer *L, const map_tile *t, int *stamp) {
  uint32_t g = 0;
  for (int c = t->c0; c < t->c1; c++)
    if (stamp[L->pset[c]] != t->c0 + 1) stamp[L->pset[c]] = t->c0 + 1, g++;
  for (int c = t->c0; c < t->c1; c++) stamp[L->pset[c]] = 0;
  return g;
}

static int materialise(cc_ctx *ctx, glif_err *err) {
  map_result *m = ctx->map;
  const lw_net *n = ctx->lowered;
  m->tiles = glif_arena_array(ctx->arena, (size_t)m->n_tiles + 1, sizeof *m->tiles);
  if (!m->tiles) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in partition");
  for (int li = 0; li < n->n_layers; li++) {
    const lw_layer *L = &n->layers[li];
    int *stamp = glif_calloc((size_t)L->n_psets + 1, sizeof *stamp);
    if (!stamp) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in partition");
    for (int64_t t = 0; t < m->plan[li].n_tiles; t++) {
      map_tile *g = &m->tiles[m->plan[li].first_tile + t];
      *g = map_tile_geom(L, &m->plan[li], t);
      g->layer = li;
      g->n_groups = tile_groups(L, g, stamp);
    }
    glif_free(stamp);
  }
  return 0;
}

/* Plans that failed (drc reports them in detail; this is the backstop). */
static int check_plans(const cc_ctx *ctx, glif_err *err) {
  for (int li = 0; li < ctx->lowered->n_layers; li++)
    if (ctx->map->plan[li].fail)
      return glif_errf(err, GLIF_EFIT, NULL, 0, 0,
                       "partition: layer '%s' does not fit any core shape (%s) - see "
                       "the design-rule checks", ctx->lowered->layers[li].name,
                       ctx->map->plan[li].fail == MAP_FAIL_ROWS ? "axons" : "fan-out entries");
  return 0;
}

int cc_pass_partition(cc_ctx *ctx, glif_err *err) {
  const char *which = ctx->opt && ctx->opt->partition ? ctx->opt->partition : "greedy";
  if (!ctx->lowered)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "partition: run lower first");
  if (strcmp(which, "greedy") && strcmp(which, "metis"))
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0,
                     "--partition=%s is not a partitioner - use greedy or metis", which);
  int rc = 0;
  if (!ctx->map || !ctx->map->planned) rc = map_plan_all(ctx, 0, err);
  if (!rc) rc = check_plans(ctx, err);
  if (!rc) rc = materialise(ctx, err);
  if (!rc && !strcmp(which, "metis")) rc = map_partition_metis(ctx, err);
  return rc;
}

/* ---- dump ------------------------------------------------------------------------ */

void cc_dump_map(const cc_ctx *ctx, FILE *out) {
  const map_result *m = ctx->map;
  const lw_net *n = ctx->lowered;
  if (!m || !n || !m->tiles) return;
  fprintf(out, "map: %lld cores (%s partition, %s placement)\n", (long long)m->n_tiles,
          m->partitioner, m->placer ? m->placer : "none");
  for (int li = 0; li < n->n_layers; li++) {
    const map_plan *p = &m->plan[li];
    fprintf(out, "layer %d %s: tile %d ch x %d x %d, %lld tiles, rows <= %lld, groups <= "
            "%d, fan-out <= %lld\n", li, n->layers[li].name, p->tc, p->ty, p->tx,
            (long long)p->n_tiles, (long long)p->rows_bound, p->groups_max,
            (long long)p->fanout_max);
  }
  for (int64_t i = 0; i < m->n_tiles; i++) {
    const map_tile *t = m->order ? &m->tiles[m->order[i]] : &m->tiles[i];
    fprintf(out, "core %lld", (long long)i);
    if (m->placed)
      fprintf(out, " (%u, %u)", t->core % ctx->arch.mesh_x, t->core / ctx->arch.mesh_x);
    fprintf(out, ": %s chunk %d ch [%d, %d) y [%d, %d) x [%d, %d), %lld neurons, %u groups",
            n->layers[t->layer].name, t->chunk, t->c0, t->c1, t->y0, t->y1, t->x0, t->x1,
            (long long)map_tile_neurons(t), t->n_groups);
    if (m->routed) fprintf(out, ", %u axons, %u fan-out", t->n_axons, t->n_fanout);
    fputc('\n', out);
  }
}
