/*
 * lower.c - the lower pass: ir_net -> lw_net (compiler/lower.h).
 *
 *   schedule -> LOWER -> drc -> partition -> place -> route -> emit
 *
 * Builds the NET layer list (relay layers before their targets), the parameter sets of
 * every layer, and the synapse generators (terms) into every layer. A population the
 * schedule marked `relay` gets a relay layer whose chunks split its fan-in by source
 * channel ranges (and by projection), each chunk needing at most arch.axons axons per
 * neuron; the population itself keeps one partial-sum term. Also counts what the
 * design-rule checks and the report need (fan-in, synapses, parallel copies, worst
 * partial sums). Fit problems are not errors here: drc reports all of them at once.
 */
#include "lower.h"

#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>


/* ---- small utilities -------------------------------------------------------------- */

const char *lw_group_digits(int64_t v, char *buf, int len) {
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%lld", (long long)(v < 0 ? -v : v)), o = 0;
  if (v < 0 && o < len - 1) buf[o++] = '-';
  for (int i = 0; i < n && o < len - 1; i++) {
    if (i > 0 && (n - i) % 3 == 0 && o < len - 1) buf[o++] = ',';
    if (o < len - 1) buf[o++] = tmp[i];
  }
  buf[o] = '\0';
  return buf;
}

const char *lw_term_kind_name(int kind) {
  return kind == LW_CONV ? "conv" : kind == LW_DENSE ? "dense" : "psum";
}

const char *lw_kind_name(int kind) {
  switch (kind) {
  case NRN_SPIKING: return "spiking";
  case NRN_READOUT: return "readout";
  case NRN_RELAY: return "relay";
  default: return "input";
  }
}

/* Notes go to the report list (unbounded) and to ctx->notes (the terminal). */
int lw_note(cc_ctx *ctx, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  lw_net *n = ctx->lowered;
  if (n) {
    const char **grown = glif_arena_array(ctx->arena, (size_t)n->n_notes + 1, sizeof *grown);
    char *copy = glif_arena_strdup(ctx->arena, line);
    if (!grown || !copy) return GLIF_ENOMEM;
    if (n->n_notes) memcpy(grown, n->notes, (size_t)n->n_notes * sizeof *grown);
    grown[n->n_notes++] = copy;
    n->notes = grown;
  }
  size_t len = strlen(ctx->notes.msg);
  if (len + strlen(line) + 2 < sizeof ctx->notes.msg)
    snprintf(ctx->notes.msg + len, sizeof ctx->notes.msg - len, "%s%s", len ? "\n" : "",
             line);
  return 0;
}

/* ---- parameter sets --------------------------------------------------------------- */

static int same_pset(const lw_pset *a, const lw_pset *b, int T) {
  if (a->p.kind != b->p.kind || a->p.k != b->p.k || a->p.ks != b->p.ks ||
      a->p.d != b->p.d || a->p.r != b->p.r || a->p.theta != b->p.theta ||
      a->p.bias != b->p.bias || a->shift != b->shift)
    return 0;
  return !memcmp(a->gain, b->gain, (size_t)T * sizeof *a->gain);
}

static uint64_t pset_hash(const lw_pset *s, int T) {
  uint64_t h = 1469598103934665603ull;
  const int64_t f[8] = {s->p.kind, s->p.k, s->p.ks, s->p.d, s->p.r, s->p.theta,
                        s->p.bias, s->shift};
  for (int i = 0; i < 8; i++) h = (h ^ (uint64_t)f[i]) * 1099511628211ull;
  for (int t = 0; t < T; t++) h = (h ^ s->gain[t]) * 1099511628211ull;
  return h;
}

typedef struct hkey {
  uint64_t h;
  int c;
} hkey;

static int cmp_hkey(const void *a, const void *b) {
  const hkey *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  return (x->c > y->c) - (x->c < y->c);
}

/* Deduplicates cand[0..C) into layer->psets (numbered in channel order of first use)
 * and layer->pset[c]. Sorting by hash keeps this O(C log C) for wide layers. */
static int dedupe_psets(cc_ctx *ctx, lw_layer *L, const lw_pset *cand, int C) {
  const int T = ctx->net->T;
  hkey *keys = glif_malloc((size_t)C * sizeof *keys);
  int *first = glif_malloc((size_t)C * sizeof *first);
  L->pset = glif_arena_array(ctx->arena, (size_t)C, sizeof *L->pset);
  L->psets = glif_arena_array(ctx->arena, (size_t)C, sizeof *L->psets);
  if (!keys || !first || !L->pset || !L->psets) {
    glif_free(keys), glif_free(first);
    return GLIF_ENOMEM;
  }
  for (int c = 0; c < C; c++) keys[c] = (hkey){pset_hash(&cand[c], T), c};
  qsort(keys, (size_t)C, sizeof *keys, cmp_hkey);
  for (int i = 0; i < C; i++) { /* first[c] = smallest channel with the same set */
    int j = i;
    while (j > 0 && keys[j - 1].h == keys[i].h &&
           !same_pset(&cand[keys[j - 1].c], &cand[keys[i].c], T))
      j--;
    first[keys[i].c] = (j > 0 && keys[j - 1].h == keys[i].h) ? first[keys[j - 1].c]
                                                             : keys[i].c;
  }
  L->n_psets = 0;
  for (int c = 0; c < C; c++) {
    if (first[c] == c) {
      L->psets[L->n_psets] = cand[c];
      L->pset[c] = L->n_psets++;
    } else {
      L->pset[c] = L->pset[first[c]];
    }
  }
  glif_free(keys), glif_free(first);
  return 0;
}

/* Parameter sets of a population's own neurons: q[c], shift[c], its offset. */
static int pop_psets(cc_ctx *ctx, lw_layer *L, const ir_pop *pop) {
  lw_pset *cand = glif_malloc((size_t)pop->c * sizeof *cand);
  if (!cand) return GLIF_ENOMEM;
  for (int c = 0; c < pop->c; c++) {
    cand[c].p = pop->q[c].p;
    cand[c].p.kind = (uint8_t)pop->kind;
    cand[c].p.g = 0;
    cand[c].shift = (uint8_t)pop->shift[c];
    cand[c].gain = pop->q[c].g;
  }
  int rc = dedupe_psets(ctx, L, cand, pop->c);
  glif_free(cand);
  return rc;
}

/* Relay parameter sets: identical except the shift, which is the target channel's M
 * (binary spikes into a relay are scaled exactly as they would be in the target). */
static int relay_psets(cc_ctx *ctx, lw_layer *L, const ir_pop *pop) {
  const int T = ctx->net->T;
  uint32_t *one = glif_arena_array(ctx->arena, (size_t)T, sizeof *one);
  lw_pset *cand = glif_malloc((size_t)pop->c * sizeof *cand);
  if (!one || !cand) {
    glif_free(cand);
    return GLIF_ENOMEM;
  }
  for (int t = 0; t < T; t++) one[t] = 1u << ctx->arch.frac_bits;
  for (int c = 0; c < pop->c; c++) {
    memset(&cand[c], 0, sizeof cand[c]);
    cand[c].p.kind = NRN_RELAY;
    cand[c].shift = (uint8_t)pop->shift[c];
    cand[c].gain = one;
  }
  int rc = dedupe_psets(ctx, L, cand, pop->c);
  glif_free(cand);
  return rc;
}

/* ---- projection checks ------------------------------------------------------------ */

/* The ir contract, checked so that a front-end bug is a message, not a crash. */
static int check_proj(const ir_net *net, const ir_proj *p, int index, glif_err *err) {
  const ir_pop *s = &net->pops[p->src], *d = &net->pops[p->dst];
  int ok = p->src >= 0 && p->src < p->dst && p->dst < net->n_pops && p->wq;
  if (ok && p->kind == IR_PROJ_CONV) {
    ok = p->cout == d->c && p->cin == s->c && (!p->depthwise || p->cin == p->cout) &&
         p->kh > 0 && p->kw > 0 && p->sh > 0 && p->sw > 0 && p->ph >= 0 && p->pw >= 0 &&
         d->h == (s->h + 2 * p->ph - p->kh) / p->sh + 1 &&
         d->w == (s->w + 2 * p->pw - p->kw) / p->sw + 1;
  } else if (ok) {
    ok = p->kind == IR_PROJ_DENSE && p->cin == s->n && p->cout == d->n;
  }
  if (!ok)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0,
                     "lower: projection %d ('%s', %d -> %d) does not match its "
                     "populations' shapes - this is a bug in the front end",
                     index, p->name ? p->name : "?", p->src, p->dst);
  return 0;
}

/* ---- counting ----------------------------------------------------------------------- */

/* Number of output positions o in [0, n_out) whose tap k lands inside [0, n_in). */
static int64_t valid_positions(int n_out, int n_in, int stride, int pad, int k) {
  int64_t lo = pad - k <= 0 ? 0 : (pad - k + stride - 1) / stride;
  int64_t hi = (int64_t)n_in - 1 + pad - k;
  if (hi < 0) return 0;
  hi /= stride;
  if (hi > n_out - 1) hi = n_out - 1;
  return hi >= lo ? hi - lo + 1 : 0;
}

/* Synapses, parallel copies and large weights of one conv tap weight. */
static int64_t count_weight(int32_t w, int64_t pos, int32_t wmax, lw_layer *L) {
  if (!w) return 0;
  const int64_t cp = lw_copies(w, wmax);
  L->synapses += pos;
  L->copies_extra += (cp - 1) * pos;
  L->big_weights += cp > 1;
  if (llabs(w) > L->wq_max) L->wq_max = llabs(w);
  return cp;
}

/* Counts of a conv term and its partitioner row bounds (rows_unit or dw_prefix). */
static int count_conv(glif_arena *a, lw_term *t, const ir_pop *src, const ir_pop *dst,
                      int32_t wmax, lw_layer *L) {
  const ir_proj *p = t->proj;
  int64_t *vy = glif_arena_array(a, (size_t)p->kh, sizeof *vy);
  int64_t *vx = glif_arena_array(a, (size_t)p->kw, sizeof *vx);
  int64_t *dw = p->depthwise ? glif_arena_array(a, (size_t)p->cout + 1, sizeof *dw) : NULL;
  if (!vy || !vx || (p->depthwise && !dw)) return GLIF_ENOMEM;
  for (int k = 0; k < p->kh; k++) vy[k] = valid_positions(dst->h, src->h, p->sh, p->ph, k);
  for (int k = 0; k < p->kw; k++) vx[k] = valid_positions(dst->w, src->w, p->sw, p->pw, k);
  int64_t rows = 0;
  for (int ci = (int)t->lo; ci < t->hi; ci++) {
    const int co0 = p->depthwise ? ci : 0, co1 = p->depthwise ? ci + 1 : p->cout;
    int64_t most = 0;
    for (int co = co0; co < co1; co++)
      for (int ky = 0; ky < p->kh; ky++)
        for (int kx = 0; kx < p->kw; kx++) {
          const int64_t cp = count_weight(lw_conv_w(p, co, ci, ky, kx), vy[ky] * vx[kx],
                                          wmax, L);
          if (cp > most) most = cp;
        }
    if (dw) dw[ci + 1] = most;
    rows += most;
  }
  if (dw) {
    for (int c = 0; c < p->cout; c++) dw[c + 1] += dw[c];
    t->dw_prefix = dw;
  }
  t->rows_unit = rows;
  return 0;
}

static void count_dense(lw_term *t, int32_t wmax, lw_layer *L) {
  const ir_proj *p = t->proj;
  int64_t rows = 0;
  for (int64_t s = t->lo; s < t->hi; s++) {
    int64_t most = 0;
    for (int64_t j = 0; j < p->cout; j++) {
      const int64_t cp = count_weight(p->wq[j * p->cin + s], 1, wmax, L);
      if (cp > most) most = cp;
    }
    rows += most;
  }
  t->rows_unit = rows;
  t->fanin_max = 0;
  for (int64_t j = 0; j < p->cout; j++) {
    int64_t sum = 0;
    for (int64_t s = t->lo; s < t->hi; s++) sum += lw_copies(p->wq[j * p->cin + s], wmax);
    if (sum > t->fanin_max) t->fanin_max = sum;
  }
}

static int count_term(cc_ctx *ctx, lw_term *t, lw_layer *L) {
  const ir_net *net = ctx->net;
  const int32_t wmax = ctx->lowered->wmax;
  if (t->kind == LW_CONV)
    return count_conv(ctx->arena, t, &net->pops[t->proj->src], &net->pops[t->proj->dst],
                      wmax, L);
  if (t->kind == LW_DENSE) count_dense(t, wmax, L);
  return 0;
}

/* ---- fan-in and partial-sum chunks ------------------------------------------------
 * The fan-in of a target is scanned unit by unit: a source channel of a conv, a channel
 * of a depthwise conv, a source neuron of a dense projection. Each unit adds, to every
 * target row it feeds, the axons it needs there (parallel copies included) and the
 * worst-case magnitude it adds to the accumulator. Target rows are channels (a conv's
 * fan-in is the same at every position, ignoring padding) unless a dense projection
 * feeds a spatial population, in which case they are neurons. */

typedef struct chunk_plan {
  int n_chunks;
  int *term_start;     /* [n_chunks + 1] */
  lw_term *terms;      /* pieces: (projection, source range) */
  int n_terms;
  int64_t fanin_max;   /* largest per-row axon count of a chunk */
  int64_t psum_worst;  /* largest worst-case |partial sum| of a chunk */
  int unit_too_big;    /* one unit alone needs more than arch.axons */
} chunk_plan;

typedef struct chunker {
  cc_ctx *ctx;
  const ir_pop *dst;
  int first, np;        /* projections [first, first + np) */
  int64_t S, hw;        /* target rows; positions per channel */
  int per_neuron;       /* rows are neurons (else channels) */
  int64_t in_max;       /* largest input payload magnitude */
  int64_t *run, *mag;   /* [S] current chunk: axons and |sum| per row */
  int64_t *ucop, *umag; /* [S] the unit being added */
  int64_t *touched, m;  /* rows the unit feeds */
  /* per conv projection (not depthwise), [cin][cout]: axons and sum |w| of one source
   * channel into one target channel, computed once for all the greedy passes */
  int32_t **ccop;
  int64_t **cmag;
  /* recording (final pass) */
  lw_term *pieces;
  int *chunk_of;
  int n_pieces, cap;
} chunker;

static int64_t units_of(const ir_proj *p) { return p->cin; }

static void touch(chunker *k, int64_t row, int64_t cop, int64_t mag) {
  if (!cop) return;
  if (!k->ucop[row] && !k->umag[row]) k->touched[k->m++] = row;
  k->ucop[row] += cop;
  k->umag[row] += mag;
}

/* Multiplier of |w| in the accumulator: 2^M of the row's channel, or the largest
 * input payload for graded projections. */
static int64_t row_mult(const chunker *k, const ir_proj *p, int64_t row) {
  if (p->graded) return k->in_max;
  const int64_t ch = k->per_neuron ? row / k->hw : row;
  return (int64_t)1 << k->dst->shift[ch];
}

static void conv_row(chunker *k, const ir_proj *p, int co, int64_t cop, int64_t mag) {
  if (!k->per_neuron) {
    touch(k, co, cop, mag);
    return;
  }
  for (int64_t i = 0; i < k->hw; i++) touch(k, co * k->hw + i, cop, mag);
}

/* Axons and sum |w| of source channel ci into target channel co of a conv. */
static void conv_unit(const ir_proj *p, int co, int ci, int64_t wmax, int64_t *cop,
                      int64_t *mag) {
  *cop = *mag = 0;
  for (int ky = 0; ky < p->kh; ky++)
    for (int kx = 0; kx < p->kw; kx++) {
      const int32_t w = lw_conv_w(p, co, ci, ky, kx);
      *cop += lw_copies(w, wmax);
      *mag += llabs(w);
    }
}

/* The per-projection tables of ccop/cmag (conv, not depthwise, up to 2^26 entries). */
static int conv_tables(chunker *k) {
  k->ccop = glif_calloc((size_t)k->np, sizeof *k->ccop);
  k->cmag = glif_calloc((size_t)k->np, sizeof *k->cmag);
  if (!k->ccop || !k->cmag) return GLIF_ENOMEM;
  for (int i = 0; i < k->np; i++) {
    const ir_proj *p = &k->ctx->net->projs[k->first + i];
    const int64_t n = (int64_t)p->cin * p->cout;
    if (p->kind != IR_PROJ_CONV || p->depthwise || n > ((int64_t)1 << 26)) continue;
    k->ccop[i] = glif_malloc((size_t)n * sizeof **k->ccop);
    k->cmag[i] = glif_malloc((size_t)n * sizeof **k->cmag);
    if (!k->ccop[i] || !k->cmag[i]) return GLIF_ENOMEM;
    for (int ci = 0; ci < p->cin; ci++)
      for (int co = 0; co < p->cout; co++) {
        int64_t cop, mag;
        conv_unit(p, co, ci, k->ctx->lowered->wmax, &cop, &mag);
        k->ccop[i][(int64_t)ci * p->cout + co] = (int32_t)cop;
        k->cmag[i][(int64_t)ci * p->cout + co] = mag;
      }
  }
  return 0;
}

/* Fills ucop/umag/touched with unit u of projection p. */
static void unit_eval(chunker *k, const ir_proj *p, int64_t u) {
  const int64_t wmax = k->ctx->lowered->wmax;
  k->m = 0;
  if (p->kind == IR_PROJ_DENSE) {
    for (int64_t j = 0; j < p->cout; j++) {
      const int32_t w = p->wq[j * p->cin + u];
      touch(k, j, lw_copies(w, wmax), llabs(w) * row_mult(k, p, j));
    }
    return;
  }
  const int pi = (int)(p - k->ctx->net->projs) - k->first;
  const int co0 = p->depthwise ? (int)u : 0, co1 = p->depthwise ? (int)u + 1 : p->cout;
  for (int co = co0; co < co1; co++) {
    int64_t cop = 0, mag = 0;
    if (k->ccop[pi]) {
      cop = k->ccop[pi][u * p->cout + co];
      mag = k->cmag[pi][u * p->cout + co];
    } else {
      conv_unit(p, co, (int)u, wmax, &cop, &mag);
    }
    conv_row(k, p, co, cop, mag * row_mult(k, p, k->per_neuron ? (int64_t)co * k->hw : co));
  }
}

/* Largest run + unit over the touched rows. */
static int64_t unit_peak(const chunker *k, int64_t *alone) {
  int64_t peak = 0, own = 0;
  for (int64_t i = 0; i < k->m; i++) {
    const int64_t r = k->touched[i];
    if (k->run[r] + k->ucop[r] > peak) peak = k->run[r] + k->ucop[r];
    if (k->ucop[r] > own) own = k->ucop[r];
  }
  *alone = own;
  return peak;
}

static void unit_commit(chunker *k) {
  for (int64_t i = 0; i < k->m; i++) {
    const int64_t r = k->touched[i];
    k->run[r] += k->ucop[r];
    k->mag[r] += k->umag[r];
    k->ucop[r] = k->umag[r] = 0;
  }
}

/* Closes the current chunk: folds its peaks into plan, clears the run. */
static void close_chunk(chunker *k, chunk_plan *plan) {
  for (int64_t r = 0; r < k->S; r++) {
    if (k->run[r] > plan->fanin_max) plan->fanin_max = k->run[r];
    if (k->mag[r] > plan->psum_worst) plan->psum_worst = k->mag[r];
    k->run[r] = k->mag[r] = 0;
  }
}

static int add_piece(chunker *k, int pi, int64_t u, int chunk) {
  lw_term *last = k->n_pieces ? &k->pieces[k->n_pieces - 1] : NULL;
  if (last && last->proj_index == pi && k->chunk_of[k->n_pieces - 1] == chunk &&
      last->hi == u) {
    last->hi = u + 1;
    return 0;
  }
  if (k->n_pieces == k->cap) {
    int cap = k->cap ? 2 * k->cap : 16;
    lw_term *p = glif_realloc(k->pieces, (size_t)cap * sizeof *p);
    if (!p) return GLIF_ENOMEM;
    k->pieces = p;
    int *c = glif_realloc(k->chunk_of, (size_t)cap * sizeof *c);
    if (!c) return GLIF_ENOMEM;
    k->chunk_of = c;
    k->cap = cap;
  }
  const ir_proj *p = &k->ctx->net->projs[pi];
  k->pieces[k->n_pieces] = (lw_term){.kind = p->kind == IR_PROJ_CONV ? LW_CONV : LW_DENSE,
                                     .proj_index = pi, .proj = p, .lo = u, .hi = u + 1,
                                     .dly = p->dly, .graded = p->graded};
  k->chunk_of[k->n_pieces++] = chunk;
  return 0;
}

/* Greedy chunking with at most `budget` axons per row (a unit that alone exceeds it
 * gets a chunk of its own). Returns the number of chunks; records pieces when rec. */
static int64_t greedy(chunker *k, int64_t budget, int rec, chunk_plan *plan, int *rc) {
  int64_t chunks = 1, used = 0, alone;
  chunk_plan scratch = {0};
  chunk_plan *pl = plan ? plan : &scratch;
  for (int pi = k->first; pi < k->first + k->np; pi++) {
    const ir_proj *p = &k->ctx->net->projs[pi];
    for (int64_t u = 0; u < units_of(p); u++) {
      unit_eval(k, p, u);
      if (!k->m) continue;
      const int64_t peak = unit_peak(k, &alone);
      if (alone > (int64_t)k->ctx->arch.axons) pl->unit_too_big = 1;
      if (used && peak > budget) {
        close_chunk(k, pl);
        chunks++;
        used = 0;
      }
      unit_commit(k);
      used = 1;
      if (rec && (*rc = add_piece(k, pi, u, (int)chunks - 1))) return chunks;
    }
  }
  close_chunk(k, pl);
  return chunks;
}

static int chunker_init(chunker *k, cc_ctx *ctx, int first, int np) {
  memset(k, 0, sizeof *k);
  k->ctx = ctx;
  k->first = first, k->np = np;
  k->dst = &ctx->net->pops[ctx->net->projs[first].dst];
  k->hw = (int64_t)k->dst->h * k->dst->w;
  for (int i = first; i < first + np; i++)
    if (ctx->net->projs[i].kind == IR_PROJ_DENSE && k->hw > 1) k->per_neuron = 1;
  k->S = k->per_neuron ? k->dst->n : k->dst->c;
  const int pin = ctx->net->pops[0].payload_bits > 0 ? ctx->net->pops[0].payload_bits
                                                      : (int)ctx->arch.payload_in_bits;
  k->in_max = ((int64_t)1 << (pin - 1)) - 1;
  k->run = glif_calloc((size_t)k->S, sizeof *k->run);
  k->mag = glif_calloc((size_t)k->S, sizeof *k->mag);
  k->ucop = glif_calloc((size_t)k->S, sizeof *k->ucop);
  k->umag = glif_calloc((size_t)k->S, sizeof *k->umag);
  k->touched = glif_calloc((size_t)k->S, sizeof *k->touched);
  if (!k->run || !k->mag || !k->ucop || !k->umag || !k->touched) return GLIF_ENOMEM;
  return conv_tables(k);
}

static void chunker_free(chunker *k) {
  for (int i = 0; k->ccop && i < k->np; i++) glif_free(k->ccop[i]);
  for (int i = 0; k->cmag && i < k->np; i++) glif_free(k->cmag[i]);
  glif_free(k->ccop), glif_free(k->cmag);
  glif_free(k->run), glif_free(k->mag), glif_free(k->ucop), glif_free(k->umag);
  glif_free(k->touched), glif_free(k->pieces), glif_free(k->chunk_of);
}

/* Largest number of axons one neuron of the target of projections [first, +np) needs. */
static int chunk_fanin(cc_ctx *ctx, int first, int np, int64_t *fanin) {
  chunker k;
  chunk_plan plan = {0};
  *fanin = 0;
  if (np <= 0) return 0;
  int rc = chunker_init(&k, ctx, first, np);
  if (!rc) greedy(&k, INT64_MAX, 0, &plan, &rc);
  *fanin = plan.fanin_max;
  chunker_free(&k);
  return rc;
}

/* Copies the recorded pieces into the arena as chunk-ordered terms. */
static int pieces_to_plan(cc_ctx *ctx, chunker *k, int64_t chunks, chunk_plan *plan) {
  plan->n_chunks = (int)chunks;
  plan->n_terms = k->n_pieces;
  plan->terms = glif_arena_array(ctx->arena, (size_t)(k->n_pieces ? k->n_pieces : 1),
                                 sizeof *plan->terms);
  plan->term_start = glif_arena_array(ctx->arena, (size_t)chunks + 1,
                                      sizeof *plan->term_start);
  if (!plan->terms || !plan->term_start) return GLIF_ENOMEM;
  if (k->n_pieces) memcpy(plan->terms, k->pieces, (size_t)k->n_pieces * sizeof *k->pieces);
  for (int i = 0, c = 0; c <= chunks; c++) {
    while (i < k->n_pieces && k->chunk_of[i] < c) i++;
    plan->term_start[c] = i;
  }
  return 0;
}

/* Splits the fan-in of projections [first, +np) into as few chunks as the axons allow,
 * then evens them out: the smallest budget that keeps that number of chunks, so every
 * chunk's cores have axons to spare for wider tiles. */
static int chunk_split(cc_ctx *ctx, int first, int np, chunk_plan *plan) {
  chunker k;
  memset(plan, 0, sizeof *plan);
  if (np <= 0) return pieces_to_plan(ctx, &(chunker){0}, 0, plan);
  int rc = chunker_init(&k, ctx, first, np);
  int64_t total = 0, chunks = 1;
  if (!rc) {
    const int64_t axons = ctx->arch.axons;
    rc = chunk_fanin(ctx, first, np, &total);
    chunks = rc ? 1 : greedy(&k, axons, 0, NULL, &rc);
    int64_t lo = (total + chunks - 1) / chunks, hi = axons > lo ? axons : lo;
    while (!rc && lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (greedy(&k, mid, 0, NULL, &rc) <= chunks) hi = mid;
      else lo = mid + 1;
    }
    if (!rc) chunks = greedy(&k, lo, 1, plan, &rc);
  }
  if (!rc) rc = pieces_to_plan(ctx, &k, chunks, plan);
  chunker_free(&k);
  return rc;
}

/* ---- building layers ------------------------------------------------------------- */

static void init_layer(lw_layer *L, const ir_pop *pop, int pop_index) {
  memset(L, 0, sizeof *L);
  L->name = pop->name;
  L->kind = pop->kind;
  L->pop = pop_index;
  L->relay_for = L->relay_layer = -1;
  L->c = pop->c, L->h = pop->h, L->w = pop->w;
  L->n = (int64_t)pop->c * pop->h * pop->w;
  L->first_tick = pop->offset;
  L->n_chunks = 1;
  L->cb = pop->c;
}

static lw_term make_term(const cc_ctx *ctx, const int *pop2layer, int pi) {
  const ir_proj *p = &ctx->net->projs[pi];
  lw_term t = {0};
  t.kind = p->kind == IR_PROJ_CONV ? LW_CONV : LW_DENSE;
  t.src = p->src == 0 ? LW_INPUT : pop2layer[p->src];
  t.proj_index = pi;
  t.proj = p;
  t.lo = 0;
  t.hi = p->kind == IR_PROJ_CONV ? p->cin : p->cin;
  t.dly = p->dly;
  t.graded = p->graded;
  return t;
}

/* A population without partial sums: one term per incoming projection. */
static int lower_plain(cc_ctx *ctx, lw_layer *L, const int *pop2layer, int first_proj,
                       int n_proj) {
  L->term_start = glif_arena_array(ctx->arena, 2, sizeof *L->term_start);
  L->terms = glif_arena_array(ctx->arena, (size_t)(n_proj ? n_proj : 1), sizeof *L->terms);
  if (!L->term_start || !L->terms) return GLIF_ENOMEM;
  for (int i = 0; i < n_proj; i++) {
    L->terms[i] = make_term(ctx, pop2layer, first_proj + i);
    int rc = count_term(ctx, &L->terms[i], L);
    if (rc) return rc;
  }
  L->n_terms = L->term_start[1] = n_proj;
  return 0;
}

/* Relay layer R for target T: chunks from the chunker, then T's single PSUM term. */
static int lower_relay(cc_ctx *ctx, lw_layer *R, lw_layer *T, int ri,
                       const int *pop2layer, int first_proj, int n_proj) {
  const ir_pop *pop = &ctx->net->pops[T->pop];
  chunk_plan cp;
  int rc = chunk_split(ctx, first_proj, n_proj, &cp);
  if (rc) return rc;
  R->name = glif_arena_printf(ctx->arena, "%s.psum", T->name);
  R->kind = NRN_RELAY;
  R->relay_for = ri + 1;
  R->first_tick = T->first_tick - 1;
  R->n_chunks = cp.n_chunks;
  R->c = cp.n_chunks * pop->c;
  R->n = (int64_t)R->c * R->h * R->w;
  R->fanin = cp.fanin_max;
  if ((rc = chunk_fanin(ctx, first_proj, n_proj, &R->fanin_total))) return rc;
  R->psum_worst = cp.psum_worst;
  R->unit_too_big = cp.unit_too_big;
  R->term_start = cp.term_start;
  R->terms = cp.terms;
  R->n_terms = cp.n_terms;
  for (int i = 0; i < R->n_terms; i++) {
    R->terms[i].src = R->terms[i].proj->src == 0 ? LW_INPUT : pop2layer[R->terms[i].proj->src];
    if ((rc = count_term(ctx, &R->terms[i], R))) return rc;
  }
  if (!R->name || (rc = relay_psets(ctx, R, pop))) return GLIF_ENOMEM;
  T->relay_layer = ri;
  T->term_start = glif_arena_array(ctx->arena, 2, sizeof *T->term_start);
  T->terms = glif_arena_array(ctx->arena, 1, sizeof *T->terms);
  if (!T->term_start || !T->terms) return GLIF_ENOMEM;
  T->terms[0] = (lw_term){.kind = LW_PSUM, .src = ri, .proj_index = -1, .graded = 1};
  T->n_terms = T->term_start[1] = 1;
  T->fanin = 1;
  T->synapses = R->n;
  return 0;
}

/* Projections are grouped by destination: [first, first + count) of population d. */
static int proj_range(const ir_net *net, int d, int *first) {
  int n = 0;
  *first = net->n_projs;
  for (int i = 0; i < net->n_projs; i++)
    if (net->projs[i].dst == d) {
      if (!n) *first = i;
      else if (net->projs[i - 1].dst != d) return -1; /* not grouped */
      n++;
    }
  return n;
}

/* Lowers population d into layer slot(s) starting at *li. */
static int lower_pop(cc_ctx *ctx, int d, int *pop2layer, int *li, glif_err *err) {
  lw_net *n = ctx->lowered;
  const ir_pop *pop = &ctx->net->pops[d];
  int first, np = proj_range(ctx->net, d, &first), rc;
  if (np < 0)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0,
                     "lower: projections into '%s' are not grouped by destination - "
                     "this is a bug in the front end", pop->name);
  for (int i = first; i < first + np; i++)
    if ((rc = check_proj(ctx->net, &ctx->net->projs[i], i, err))) return rc;
  if (pop->relay) {
    lw_layer *R = &n->layers[*li], *T = &n->layers[*li + 1];
    init_layer(R, pop, d);
    init_layer(T, pop, d);
    pop2layer[d] = *li + 1;
    if ((rc = lower_relay(ctx, R, T, *li, pop2layer, first, np)) ||
        (rc = pop_psets(ctx, T, pop)))
      return rc == GLIF_ENOMEM ? glif_errf(err, rc, NULL, 0, 0, "out of memory in lower") : rc;
    n->relay_neurons += R->n;
    n->n_relay_layers++;
    *li += 2;
    return 0;
  }
  lw_layer *L = &n->layers[*li];
  init_layer(L, pop, d);
  pop2layer[d] = *li;
  if ((rc = lower_plain(ctx, L, pop2layer, first, np)) || (rc = pop_psets(ctx, L, pop)))
    return glif_errf(err, rc, NULL, 0, 0, "out of memory in lower");
  (*li)++;
  return 0;
}

/* Fan-in of plain layers: the chunker's count with an unlimited budget. */
static int plain_fanin(cc_ctx *ctx, lw_layer *L) {
  if (L->relay_layer >= 0 || L->kind == NRN_RELAY || !L->n_terms) return 0;
  int rc = chunk_fanin(ctx, L->terms[0].proj_index, L->n_terms, &L->fanin);
  L->fanin_total = L->fanin;
  return rc;
}

static void input_layer(lw_net *n, const ir_pop *in) {
  memset(&n->input, 0, sizeof n->input);
  n->input.name = in->name;
  n->input.kind = LW_KIND_INPUT;
  n->input.pop = 0;
  n->input.relay_for = n->input.relay_layer = -1;
  n->input.c = in->c, n->input.h = in->h, n->input.w = in->w;
  n->input.n = (int64_t)in->c * in->h * in->w;
  n->input.n_chunks = 1;
  n->input.cb = in->c;
}

static int alloc_net(cc_ctx *ctx, glif_err *err) {
  const ir_net *net = ctx->net;
  if (!net || net->n_pops < 1 || net->pops[0].kind != IR_POP_INPUT)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0,
                     "lower: no scheduled network (run the front end first)");
  lw_net *n = glif_arena_alloc(ctx->arena, sizeof *n);
  if (!n) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in lower");
  int layers = 0;
  for (int i = 1; i < net->n_pops; i++) layers += 1 + (net->pops[i].relay != 0);
  n->layers = glif_arena_array(ctx->arena, (size_t)(layers ? layers : 1), sizeof *n->layers);
  if (!n->layers) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in lower");
  n->ir = net;
  n->model_name = net->model && net->model->name ? net->model->name : "model";
  n->T = net->T;
  n->n_ticks = net->n_ticks;
  n->wmax = (int32_t)((1u << (ctx->arch.weight_bits - 1)) - 1);
  n->n_layers = layers;
  input_layer(n, &net->pops[0]);
  ctx->lowered = n;
  return 0;
}

int cc_pass_lower(cc_ctx *ctx, glif_err *err) {
  int rc = alloc_net(ctx, err), li = 0;
  if (rc) return rc;
  lw_net *n = ctx->lowered;
  int *pop2layer = glif_arena_array(ctx->arena, (size_t)ctx->net->n_pops, sizeof *pop2layer);
  if (!pop2layer) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in lower");
  for (int d = 1; d < ctx->net->n_pops; d++)
    if ((rc = lower_pop(ctx, d, pop2layer, &li, err))) return rc;
  for (int i = 0; i < n->n_layers; i++) {
    lw_layer *L = &n->layers[i];
    if ((rc = plain_fanin(ctx, L)))
      return glif_errf(err, rc, NULL, 0, 0, "out of memory in lower");
    n->neurons += L->n;
    if (L->kind == NRN_RELAY || L->relay_layer < 0) n->synapses += L->synapses;
    else n->psum_synapses += L->synapses;
  }
  return 0;
}

/* ---- invariants ------------------------------------------------------------------- */

static int bad(glif_err *err, const lw_layer *L, const char *what) {
  return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0,
                   "lower: layer '%s' breaks an invariant: %s - this is a bug in lower",
                   L->name, what);
}

static int check_term(const lw_net *n, int li, const lw_term *t, glif_err *err) {
  const lw_layer *L = &n->layers[li];
  if (t->kind == LW_PSUM)
    return t->src == L->relay_layer && t->src >= 0 ? 0 : bad(err, L, "partial-sum source");
  if ((t->kind != LW_CONV && t->kind != LW_DENSE) || !t->proj || t->src >= li ||
      t->src < LW_INPUT)
    return bad(err, L, "term kind or source");
  if (t->lo < 0 || t->hi <= t->lo || t->hi > t->proj->cin) return bad(err, L, "term range");
  return 0;
}

static int check_layer(const lw_net *n, int li, glif_err *err) {
  const lw_layer *L = &n->layers[li];
  if (L->n != (int64_t)L->c * L->h * L->w || L->n_chunks < 1 || L->cb * L->n_chunks != L->c)
    return bad(err, L, "shape or chunks");
  if (L->term_start[0] != 0 || L->term_start[L->n_chunks] != L->n_terms)
    return bad(err, L, "term ranges");
  for (int k = 0; k < L->n_chunks; k++)
    if (L->term_start[k + 1] < L->term_start[k]) return bad(err, L, "term ranges");
  for (int c = 0; c < L->cb; c++)
    if (L->pset[c] < 0 || L->pset[c] >= L->n_psets) return bad(err, L, "parameter set");
  if (L->kind == NRN_RELAY && (L->relay_for != li + 1 ||
                               n->layers[li + 1].relay_layer != li ||
                               L->first_tick != n->layers[li + 1].first_tick - 1))
    return bad(err, L, "relay link");
  for (int t = 0; t < L->n_terms; t++) {
    int rc = check_term(n, li, &L->terms[t], err);
    if (rc) return rc;
  }
  return 0;
}

int lw_check(const cc_ctx *ctx, glif_err *err) {
  const lw_net *n = ctx->lowered;
  if (!n) return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "lower: no lowered network");
  for (int li = 0; li < n->n_layers; li++) {
    int rc = check_layer(n, li, err);
    if (rc) return rc;
  }
  return 0;
}

/* ---- dump ------------------------------------------------------------------------ */

static void dump_term(const lw_net *n, const lw_term *t, FILE *out) {
  const char *src = t->src == LW_INPUT ? n->input.name : n->layers[t->src].name;
  fprintf(out, "    %s from %s", lw_term_kind_name(t->kind), src);
  if (t->kind == LW_CONV)
    fprintf(out, " (%s) ch [%lld, %lld) k %dx%d s %dx%d p %dx%d%s", t->proj->name,
            (long long)t->lo, (long long)t->hi, t->proj->kh, t->proj->kw, t->proj->sh,
            t->proj->sw, t->proj->ph, t->proj->pw, t->proj->depthwise ? " depthwise" : "");
  else if (t->kind == LW_DENSE)
    fprintf(out, " (%s) neurons [%lld, %lld)", t->proj->name, (long long)t->lo,
            (long long)t->hi);
  fprintf(out, " dly %d%s rows/pos %lld\n", t->dly, t->graded ? " graded" : "",
          (long long)t->rows_unit);
}

static void dump_layer(const lw_net *n, int i, FILE *out) {
  const lw_layer *L = &n->layers[i];
  fprintf(out, "layer %d %s: %s [%d, %d, %d] = %lld neurons, first tick %d, %d "
          "parameter sets, fan-in %lld, synapses %lld (+%lld copies)\n",
          i, L->name, lw_kind_name(L->kind), L->c, L->h, L->w, (long long)L->n,
          L->first_tick, L->n_psets, (long long)L->fanin, (long long)L->synapses,
          (long long)L->copies_extra);
  for (int k = 0; k < L->n_chunks; k++) {
    if (L->kind == NRN_RELAY)
      fprintf(out, "  chunk %d (channels %d .. %d):\n", k, k * L->cb, (k + 1) * L->cb - 1);
    for (int t = L->term_start[k]; t < L->term_start[k + 1]; t++)
      dump_term(n, &L->terms[t], out);
  }
  for (int s = 0; s < L->n_psets; s++) {
    const lw_pset *p = &L->psets[s];
    fprintf(out, "  set %d: k %u ks %u d %d r %d theta %d bias %d M %u g0 %u\n", s,
            p->p.k, p->p.ks, p->p.d, p->p.r, p->p.theta, p->p.bias, p->shift, p->gain[0]);
  }
}

void cc_dump_lowered(const cc_ctx *ctx, FILE *out) {
  const lw_net *n = ctx->lowered;
  if (!n) return;
  fprintf(out, "lowered %s: T %d, %d ticks, input %s [%d, %d, %d], %d layers (%d relay), "
          "%lld neurons (%lld relay), %lld synapses\n",
          n->model_name, n->T, n->n_ticks, n->input.name, n->input.c, n->input.h,
          n->input.w, n->n_layers, n->n_relay_layers, (long long)n->neurons,
          (long long)n->relay_neurons, (long long)n->synapses);
  for (int i = 0; i < n->n_layers; i++) dump_layer(n, i, out);
}
