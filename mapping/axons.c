/*
 * axons.c - the axons and crossbar of one tile, computed from the structured synapse
 * generators of lower.h. Shared by partition (fan-out counts), route (fan-out tables)
 * and emit (crossbars), so all three see the same axon numbering (map.h).
 *
 * Work per tile is proportional to its synapses; per conv term and channel block, the
 * tap-wise largest copy count (and, for emit, the weights transposed so the output
 * channels of a block are contiguous) is computed once and reused by every tile of
 * the block, which are consecutive in every pass.
 */
#include "map.h"

#include <string.h>

/* Per-(term, channel block) tables. */
typedef struct block_cache {
  int c0, c1;              /* target channel block */
  int with_weights;
  int64_t ci0, ci1;        /* source channels covered: [ci0, ci1) */
  uint32_t *tapmax;        /* [(ci1-ci0) * taps]: largest copies over the block */
  int32_t *wt;             /* non-depthwise: [(ci1-ci0) * taps * (c1-c0)] */
} block_cache;

/* Output positions reached from each source row (or column) of a tile's window. */
typedef struct hits {
  int s0, s1;              /* window [s0, s1) */
  int32_t *start;          /* [s1 - s0 + 1] */
  int32_t *k, *o;          /* tap and output coordinate of each hit */
  int cap_start, cap_k, cap_o;
} hits;

struct map_scratch {
  map_axon *ax;
  int64_t n_ax, cap_ax;
  hits hy, hx;
  /* every block of every layer met so far: blocks[layer][term][c0], built on first
   * use and kept, so the cost is the same whatever order the tiles come in (cores in
   * placement order interleave layers) */
  const lw_net *net;
  block_cache ****blocks;  /* [n_layers][n_terms][cb] */
  uint32_t *dmax;          /* dense: copies per source of the current tile */
  int64_t cap_dmax;
};

static void drop_layer(block_cache ***lb, const lw_layer *L) {
  for (int t = 0; lb && t < L->n_terms; t++) {
    for (int c = 0; lb[t] && c < L->cb; c++)
      if (lb[t][c]) {
        glif_free(lb[t][c]->tapmax), glif_free(lb[t][c]->wt);
        glif_free(lb[t][c]);
      }
    glif_free(lb[t]);
  }
  glif_free(lb);
}

static void drop_blocks(map_scratch *s) {
  for (int l = 0; s->blocks && l < s->net->n_layers; l++)
    drop_layer(s->blocks[l], &s->net->layers[l]);
  glif_free(s->blocks);
  s->blocks = NULL;
  s->net = NULL;
}

/* The block tables of layer li (allocated on first use). */
static block_cache ***layer_blocks(map_scratch *s, const lw_net *n, int li) {
  if (s->net != n) {
    drop_blocks(s);
    if (!(s->blocks = glif_calloc((size_t)n->n_layers + 1, sizeof *s->blocks))) return NULL;
    s->net = n;
  }
  if (!s->blocks[li])
    s->blocks[li] = glif_calloc((size_t)n->layers[li].n_terms + 1, sizeof **s->blocks);
  return s->blocks[li];
}

map_scratch *map_scratch_create(void) { return glif_calloc(1, sizeof(map_scratch)); }

void map_scratch_destroy(map_scratch *s) {
  if (!s) return;
  glif_free(s->ax);
  glif_free(s->hy.start), glif_free(s->hy.k), glif_free(s->hy.o);
  glif_free(s->hx.start), glif_free(s->hx.k), glif_free(s->hx.o);
  drop_blocks(s);
  glif_free(s->dmax);
  glif_free(s);
}

/* ---- tile geometry ---------------------------------------------------------------- */

int64_t map_tile_neurons(const map_tile *t) {
  return (int64_t)(t->c1 - t->c0) * (t->y1 - t->y0) * (t->x1 - t->x0);
}

int64_t map_tile_neuron_index(const lw_layer *L, const map_tile *t, int64_t i) {
  const int64_t th = t->y1 - t->y0, tw = t->x1 - t->x0;
  const int64_t cl = i / (th * tw), yl = (i / tw) % th, xl = i % tw;
  const int64_t c = (int64_t)t->chunk * L->cb + t->c0 + cl;
  return (c * L->h + t->y0 + yl) * L->w + t->x0 + xl;
}

/* Index of the target population's neuron a tile neuron stands for (relays: the
 * neuron whose partial sum it computes). */
static int64_t target_index(const lw_layer *L, const map_tile *t, int64_t i) {
  const int64_t th = t->y1 - t->y0, tw = t->x1 - t->x0;
  const int64_t cl = i / (th * tw), yl = (i / tw) % th, xl = i % tw;
  return ((t->c0 + cl) * L->h + t->y0 + yl) * L->w + t->x0 + xl;
}

static int grow(void **p, int64_t *cap, int64_t need, size_t size) {
  if (need <= *cap) return 0;
  int64_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *q = glif_realloc(*p, (size_t)c * size);
  if (!q) return GLIF_ENOMEM;
  *p = q;
  *cap = c;
  return 0;
}

static int grow32(void **p, int *cap, int need, size_t size) {
  int64_t c = *cap;
  int rc = grow(p, &c, need, size);
  *cap = (int)c;
  return rc;
}

/* Hits of one dimension: output o in [o0, o1), tap k, source o*stride - pad + k. */
static int build_hits(hits *h, int o0, int o1, int kn, int stride, int pad, int n_src) {
  int lo = o0 * stride - pad, hi = (o1 - 1) * stride - pad + kn;
  if (lo < 0) lo = 0;
  if (hi > n_src) hi = n_src;
  h->s0 = lo, h->s1 = hi > lo ? hi : lo;
  const int n = h->s1 - h->s0, nh = (o1 - o0) * kn;
  if (grow32((void **)&h->start, &h->cap_start, n + 1, sizeof *h->start) ||
      grow32((void **)&h->k, &h->cap_k, nh + 1, sizeof *h->k) ||
      grow32((void **)&h->o, &h->cap_o, nh + 1, sizeof *h->o))
    return GLIF_ENOMEM;
  memset(h->start, 0, (size_t)(n + 1) * sizeof *h->start);
  for (int o = o0; o < o1; o++)
    for (int k = 0; k < kn; k++) {
      const int s = o * stride - pad + k;
      if (s >= h->s0 && s < h->s1) h->start[s - h->s0 + 1]++;
    }
  for (int i = 0; i < n; i++) h->start[i + 1] += h->start[i];
  for (int s = h->s0; s < h->s1; s++) { /* hits of s in output order */
    int at = h->start[s - h->s0];
    for (int o = o0; o < o1; o++) {
      const int k = s + pad - o * stride;
      if (k >= 0 && k < kn) h->k[at] = k, h->o[at] = o, at++;
    }
  }
  return 0;
}

/* ---- per-block tables ------------------------------------------------------------ */

static int block_fill(block_cache *b, const lw_term *t, int64_t wmax) {
  const ir_proj *p = t->proj;
  const int taps = p->kh * p->kw, nc = b->c1 - b->c0;
  const int64_t nci = b->ci1 - b->ci0;
  for (int64_t i = 0; i < nci; i++) {
    const int ci = (int)(b->ci0 + i);
    for (int tap = 0; tap < taps; tap++) {
      uint32_t most = 0;
      const int co0 = p->depthwise ? ci : b->c0, co1 = p->depthwise ? ci + 1 : b->c1;
      for (int co = co0; co < co1; co++) {
        const int32_t w = lw_conv_w(p, co, ci, tap / p->kw, tap % p->kw);
        const uint32_t cp = (uint32_t)lw_copies(w, wmax);
        if (cp > most) most = cp;
        if (b->with_weights && !p->depthwise)
          b->wt[(i * taps + tap) * nc + (co - b->c0)] = w;
      }
      b->tapmax[i * taps + tap] = most;
    }
  }
  return 0;
}

/* The tables of (term, channel block), built when first asked for. */
static int block_get(map_scratch *s, const lw_net *n, const lw_term *t, const map_tile *tile,
                     int wts, block_cache **out) {
  const lw_layer *L = &n->layers[tile->layer];
  const int ti = (int)(t - L->terms);
  const int64_t wmax = n->wmax;
  block_cache ***lb = layer_blocks(s, n, tile->layer);
  if (!lb || (!lb[ti] && !(lb[ti] = glif_calloc((size_t)L->cb, sizeof **lb))))
    return GLIF_ENOMEM;
  block_cache *b = lb[ti][tile->c0];
  if (b && b->c1 == tile->c1 && b->with_weights >= wts) {
    *out = b;
    return 0;
  }
  if (!b && !(b = lb[ti][tile->c0] = glif_calloc(1, sizeof *b))) return GLIF_ENOMEM;
  const ir_proj *p = t->proj;
  const int taps = p->kh * p->kw;
  b->c0 = tile->c0, b->c1 = tile->c1, b->with_weights = wts;
  b->ci0 = p->depthwise ? (t->lo > tile->c0 ? t->lo : tile->c0) : t->lo;
  b->ci1 = p->depthwise ? (t->hi < tile->c1 ? t->hi : tile->c1) : t->hi;
  if (b->ci1 < b->ci0) b->ci1 = b->ci0;
  const int64_t nci = b->ci1 - b->ci0, nc = tile->c1 - tile->c0;
  glif_free(b->tapmax), glif_free(b->wt);
  b->wt = NULL;
  b->tapmax = glif_malloc((size_t)(nci * taps + 1) * sizeof *b->tapmax);
  if (wts && !p->depthwise) b->wt = glif_malloc((size_t)(nci * taps * nc + 1) * sizeof *b->wt);
  if (!b->tapmax || (wts && !p->depthwise && !b->wt)) {
    b->c1 = -1; /* never matches: rebuilt next time */
    return GLIF_ENOMEM;
  }
  block_fill(b, t, wmax);
  *out = b;
  return 0;
}

/* ---- enumeration ------------------------------------------------------------------ */

static int push(map_scratch *s, int32_t term, uint32_t copy, int64_t src) {
  if (s->n_ax == s->cap_ax && grow((void **)&s->ax, &s->cap_ax, s->n_ax + 1, sizeof *s->ax))
    return GLIF_ENOMEM;
  s->ax[s->n_ax++] = (map_axon){term, copy, src};
  return 0;
}

static int conv_setup(const lw_net *n, const lw_term *t, const map_tile *tile,
                      map_scratch *s, int wts, block_cache **b) {
  const ir_proj *p = t->proj;
  const lw_layer *src = lw_src(n, t);
  if (build_hits(&s->hy, tile->y0, tile->y1, p->kh, p->sh, p->ph, src->h) ||
      build_hits(&s->hx, tile->x0, tile->x1, p->kw, p->sw, p->pw, src->w))
    return GLIF_ENOMEM;
  return block_get(s, n, t, tile, wts, b);
}

/* Largest copies of source (ci, sy, sx) over the tile's taps that reach it. */
static uint32_t conv_copies(const map_scratch *s, const block_cache *b, int kw, int64_t i,
                            int sy, int sx) {
  const hits *hy = &s->hy, *hx = &s->hx;
  const uint32_t *tm = b->tapmax;
  uint32_t most = 0;
  for (int a = hy->start[sy - hy->s0]; a < hy->start[sy - hy->s0 + 1]; a++)
    for (int c = hx->start[sx - hx->s0]; c < hx->start[sx - hx->s0 + 1]; c++) {
      const uint32_t v = tm[i + hy->k[a] * kw + hx->k[c]];
      if (v > most) most = v;
    }
  return most;
}

static int conv_axons(const lw_net *n, const lw_term *t, int32_t ti, const map_tile *tile,
                      map_scratch *s, int wts) {
  block_cache *b;
  int rc = conv_setup(n, t, tile, s, wts, &b);
  if (rc) return rc;
  const ir_proj *p = t->proj;
  const lw_layer *src = lw_src(n, t);
  const int taps = p->kh * p->kw;
  for (int64_t ci = b->ci0; ci < b->ci1; ci++)
    for (int sy = s->hy.s0; sy < s->hy.s1; sy++)
      for (int sx = s->hx.s0; sx < s->hx.s1; sx++) {
        const uint32_t cp = conv_copies(s, b, p->kw, (ci - b->ci0) * taps, sy, sx);
        const int64_t si = (ci * src->h + sy) * src->w + sx;
        for (uint32_t k = 0; k < cp; k++)
          if ((rc = push(s, ti, k, si))) return rc;
      }
  return 0;
}

static int dense_axons(const lw_net *n, const lw_layer *L, const lw_term *t, int32_t ti,
                       const map_tile *tile, map_scratch *s) {
  const ir_proj *p = t->proj;
  const int64_t ns = t->hi - t->lo, nt = map_tile_neurons(tile);
  if (grow((void **)&s->dmax, &s->cap_dmax, ns + 1, sizeof *s->dmax)) return GLIF_ENOMEM;
  memset(s->dmax, 0, (size_t)ns * sizeof *s->dmax);
  for (int64_t j = 0; j < nt; j++) {
    const int32_t *row = p->wq + target_index(L, tile, j) * p->cin + t->lo;
    for (int64_t i = 0; i < ns; i++) {
      const uint32_t cp = (uint32_t)lw_copies(row[i], n->wmax);
      if (cp > s->dmax[i]) s->dmax[i] = cp;
    }
  }
  for (int64_t i = 0; i < ns; i++)
    for (uint32_t k = 0; k < s->dmax[i]; k++) {
      int rc = push(s, ti, k, t->lo + i);
      if (rc) return rc;
    }
  return 0;
}

int map_tile_axons(const lw_net *n, const map_tile *t, map_scratch *s, int with_weights,
                   const map_axon **out, int64_t *n_out, glif_err *err) {
  const lw_layer *L = &n->layers[t->layer];
  int rc = 0;
  s->n_ax = 0;
  for (int ti = L->term_start[t->chunk]; !rc && ti < L->term_start[t->chunk + 1]; ti++) {
    const lw_term *term = &L->terms[ti];
    if (term->kind == LW_CONV) rc = conv_axons(n, term, ti, t, s, with_weights);
    else if (term->kind == LW_DENSE) rc = dense_axons(n, L, term, ti, t, s);
    else
      for (int64_t j = 0; !rc && j < map_tile_neurons(t); j++) rc = push(s, ti, 0, j);
  }
  if (rc) return glif_errf(err, rc, NULL, 0, 0, "out of memory enumerating axons");
  *out = s->ax;
  *n_out = s->n_ax;
  return 0;
}

/* ---- packet sources ----------------------------------------------------------------- */

int map_tile_sources(const lw_net *n, const map_tile *t, map_scratch *s, void *user,
                     map_source_fn fn, glif_err *err) {
  const map_axon *ax;
  int64_t na;
  int rc = map_tile_axons(n, t, s, 0, &ax, &na, err);
  const lw_layer *L = &n->layers[t->layer];
  for (int64_t a = 0; !rc && a < na; a++) {
    const lw_term *term = &L->terms[ax[a].term];
    if (term->kind != LW_PSUM) {
      rc = fn(user, term->src, ax[a].src, (uint32_t)a, term);
      continue;
    }
    const lw_layer *R = &n->layers[term->src];
    const int64_t tgt = target_index(L, t, ax[a].src), plane = (int64_t)R->cb * R->h * R->w;
    for (int k = 0; !rc && k < R->n_chunks; k++)
      rc = fn(user, term->src, k * plane + tgt, (uint32_t)a, term);
  }
  return rc;
}

/* ---- crossbar ---------------------------------------------------------------------- */

/* Stores copy k's share of weights w[0..nc) at row[co * stride]. Copy 0 of weights that
 * fit (nearly all of them) is a clamp; the stores are unconditional (the crossbar was
 * zeroed) so the loop has no branch, and the caller counts non-zero cells once. */
static void put_row(const int32_t *w, int nc, uint32_t copy, int64_t wmax, int8_t *row,
                    int64_t stride) {
  if (copy == 0 && stride == 1) { /* 1x1-position tiles: contiguous, vectorisable */
    const int32_t hi = (int32_t)wmax, lo = -hi;
    for (int co = 0; co < nc; co++) row[co] = (int8_t)(w[co] > hi ? hi : w[co] < lo ? lo : w[co]);
    return;
  }
  if (copy == 0) {
    const int32_t hi = (int32_t)wmax, lo = -hi;
    for (int co = 0; co < nc; co++) {
      const int32_t v = w[co] > hi ? hi : w[co] < lo ? lo : w[co];
      row[co * stride] = (int8_t)v;
    }
    return;
  }
  for (int co = 0; co < nc; co++) row[co * stride] = (int8_t)lw_copy_part(w[co], copy, wmax);
}

static int fill_conv(const lw_net *n, const lw_term *t, const map_tile *tile,
                     map_scratch *s, const map_axon *ax, int64_t na, int64_t row0,
                     int8_t *xbar) {
  block_cache *b;
  int rc = conv_setup(n, t, tile, s, 1, &b);
  if (rc) return rc;
  const ir_proj *p = t->proj;
  const lw_layer *src = lw_src(n, t);
  const int taps = p->kh * p->kw, nc = tile->c1 - tile->c0;
  const int64_t th = tile->y1 - tile->y0, tw = tile->x1 - tile->x0, cols = nc * th * tw;
  for (int64_t a = 0; a < na; a++) {
    const int64_t si = ax[a].src, sx = si % src->w, sy = (si / src->w) % src->h;
    const int64_t ci = si / ((int64_t)src->w * src->h);
    const hits *hy = &s->hy, *hx = &s->hx;
    int8_t *row = xbar + (row0 + a) * cols;
    for (int i = hy->start[sy - hy->s0]; i < hy->start[sy - hy->s0 + 1]; i++)
      for (int j = hx->start[sx - hx->s0]; j < hx->start[sx - hx->s0 + 1]; j++) {
        const int tap = hy->k[i] * p->kw + hx->k[j];
        const int64_t pos = (hy->o[i] - tile->y0) * tw + (hx->o[j] - tile->x0);
        if (p->depthwise) {
          const int32_t v = lw_copy_part(lw_conv_w(p, (int)ci, (int)ci, hy->k[i], hx->k[j]),
                                         ax[a].copy, n->wmax);
          row[(ci - tile->c0) * th * tw + pos] = (int8_t)v;
          continue;
        }
        put_row(b->wt + ((ci - b->ci0) * taps + tap) * nc, nc, ax[a].copy, n->wmax,
                row + pos, th * tw);
      }
  }
  return 0;
}

static void fill_dense(const lw_net *n, const lw_layer *L, const lw_term *t,
                       const map_tile *tile, const map_axon *ax, int64_t na, int64_t row0,
                       int8_t *xbar) {
  const int64_t nt = map_tile_neurons(tile);
  for (int64_t j = 0; j < nt; j++) {
    const int32_t *w = t->proj->wq + target_index(L, tile, j) * t->proj->cin;
    for (int64_t a = 0; a < na; a++)
      xbar[(row0 + a) * nt + j] = (int8_t)lw_copy_part(w[ax[a].src], ax[a].copy, n->wmax);
  }
}

/* Non-zero bytes of a crossbar, counted once after the fill, 8 at a time: the high bit
 * of each byte of t is set exactly when that byte of v is zero. */
static uint64_t count_nonzero(const int8_t *x, int64_t n) {
  const uint64_t m = 0x7f7f7f7f7f7f7f7full;
  uint64_t k = 0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, x + i, 8);
    const uint64_t t = ~(((v & m) + m) | v | m);
    k += 8 - (((t >> 7) * 0x0101010101010101ull) >> 56); /* sums the 8 flags */
  }
  for (; i < n; i++) k += x[i] != 0;
  return k;
}

int map_fill_crossbar(const lw_net *n, const map_tile *t, map_scratch *s, int8_t *xbar,
                      uint64_t *nnz, glif_err *err) {
  const lw_layer *L = &n->layers[t->layer];
  const int64_t cols = map_tile_neurons(t);
  *nnz = 0;
  for (int64_t a = 0; a < s->n_ax;) { /* one run of axons per term */
    int64_t b = a;
    while (b < s->n_ax && s->ax[b].term == s->ax[a].term) b++;
    const lw_term *term = &L->terms[s->ax[a].term];
    if (term->kind == LW_CONV) {
      if (fill_conv(n, term, t, s, s->ax + a, b - a, a, xbar))
        return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory filling a crossbar");
    } else if (term->kind == LW_DENSE) {
      fill_dense(n, L, term, t, s->ax + a, b - a, a, xbar);
    } else {
      for (int64_t i = a; i < b; i++) xbar[i * cols + s->ax[i].src] = 1;
    }
    a = b;
  }
  *nnz = count_nonzero(xbar, s->n_ax * cols);
  return 0;
}
