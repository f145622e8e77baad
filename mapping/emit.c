/*
 * emit.c - the emit pass: the chip image (fabric/image.h) and compile.json.
 *
 *   lower -> drc -> partition -> place -> route -> EMIT
 *
 * The image is streamed through img_writer one core at a time, in increasing core
 * index: a core's groups, neurons, axon flags, crossbar, fan-out table and symbols are
 * built, written and freed before the next, so only one crossbar is ever in memory.
 * The writer works on a temporary file and renames it on close; the report is written
 * the same way after it, and any failure removes both, so a failed compile leaves no
 * output behind.
 *
 * Symbols: every core neuron maps to (NET layer index, neuron index in that layer);
 * relay neurons use their relay layer's index ((chunk*C + c)*H + y)*W + x (lower.h).
 * Output map: the readout layers in NET order, each neuron in index order; scale =
 * unit_c / T (the readout integrates over T steps; the output is the time average).
 */
#include "map.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- NET, INPUT and OUTPUT ---------------------------------------------------------- */

int map_build_layers(const cc_ctx *ctx, img_layer **layers, glif_err *err) {
  const lw_net *n = ctx->lowered;
  img_layer *l = glif_calloc((size_t)n->n_layers + 1, sizeof *l);
  if (!l) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in emit");
  for (int i = 0; i < n->n_layers; i++) {
    const lw_layer *L = &n->layers[i];
    snprintf(l[i].name, sizeof l[i].name, "%s", L->name);
    l[i].kind = (uint32_t)L->kind;
    l[i].first_tick = (uint32_t)L->first_tick;
    l[i].n_neurons = (uint32_t)L->n;
    l[i].c = (uint32_t)L->c, l[i].h = (uint32_t)L->h, l[i].w = (uint32_t)L->w;
  }
  *layers = l;
  return 0;
}

int map_build_input(const cc_ctx *ctx, img_input *in, glif_err *err) {
  const lw_net *n = ctx->lowered;
  const ir_pop *pop = &ctx->net->pops[0];
  const map_fan *f = &ctx->map->input;
  memset(in, 0, sizeof *in);
  in->c = (uint32_t)pop->c, in->h = (uint32_t)pop->h, in->w = (uint32_t)pop->w;
  in->encoding = pop->encoding == IR_ENC_SPIKES ? IMG_ENC_SPIKES : IMG_ENC_DIRECT;
  in->payload_bits = ctx->arch.payload_in_bits;
  in->scale = in->encoding == IMG_ENC_DIRECT && pop->in_scale > 0 ? pop->in_scale : 1.0;
  in->n_inputs = (uint32_t)n->input.n;
  in->n_entries = (uint32_t)f->start[n->input.n];
  in->offsets = glif_malloc(((size_t)in->n_inputs + 1) * sizeof *in->offsets);
  in->entries = glif_malloc(((size_t)in->n_entries + 1) * sizeof *in->entries);
  if (!in->offsets || !in->entries) {
    glif_free(in->offsets), glif_free(in->entries);
    in->offsets = NULL, in->entries = NULL;
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in emit");
  }
  for (uint32_t i = 0; i <= in->n_inputs; i++) in->offsets[i] = (uint32_t)f->start[i];
  memcpy(in->entries, f->e, (size_t)in->n_entries * sizeof *in->entries);
  return 0;
}

static uint32_t count_outputs(const lw_net *n) {
  uint64_t k = 0;
  for (int i = 0; i < n->n_layers; i++)
    if (n->layers[i].kind == NRN_READOUT) k += (uint64_t)n->layers[i].n;
  return (uint32_t)k;
}

int map_build_outputs(const cc_ctx *ctx, img_output **out, uint32_t *n_out,
                      glif_err *err) {
  const lw_net *n = ctx->lowered;
  const map_result *m = ctx->map;
  *n_out = count_outputs(n);
  img_output *o = glif_calloc((size_t)*n_out + 1, sizeof *o);
  if (!o) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in emit");
  uint32_t k = 0;
  for (int li = 0; li < n->n_layers; li++) {
    const lw_layer *L = &n->layers[li];
    if (L->kind != NRN_READOUT) continue;
    const ir_pop *pop = &ctx->net->pops[L->pop];
    for (int64_t j = 0; j < L->n; j++, k++) {
      uint32_t local;
      const map_tile *t = &m->tiles[map_tile_of(m, n, li, j, &local)];
      o[k].x = (uint16_t)(t->core % ctx->arch.mesh_x);
      o[k].y = (uint16_t)(t->core / ctx->arch.mesh_x);
      o[k].neuron = local;
      o[k].scale = pop->unit[j / ((int64_t)L->h * L->w)] / n->T;
    }
  }
  *out = o;
  return 0;
}

/* ---- one core --------------------------------------------------------------------- */

void map_core_free(img_core *c) {
  if (!c) return;
  glif_free(c->groups), glif_free(c->neurons), glif_free(c->axon_flags);
  glif_free(c->crossbar), glif_free(c->fanout), glif_free(c->symbols);
  memset(c, 0, sizeof *c);
}

/* Groups of the tile's parameter sets in channel order; group of each channel. */
static int build_groups(const cc_ctx *ctx, const lw_layer *L, const map_tile *t,
                        img_core *c, int *local_of) {
  c->groups = glif_calloc((size_t)t->n_groups + 1, sizeof *c->groups);
  if (!c->groups) return GLIF_ENOMEM;
  c->n_groups = 0;
  for (int ch = t->c0; ch < t->c1; ch++) {
    const int s = L->pset[ch];
    if (local_of[s] >= 0) continue;
    local_of[s] = (int)c->n_groups;
    img_group *g = &c->groups[c->n_groups++];
    g->p = L->psets[s].p;
    g->shift = L->psets[s].shift;
    g->first_tick = (uint32_t)L->first_tick;
    g->gain = (uint32_t *)L->psets[s].gain; /* borrowed: not freed with the core */
  }
  (void)ctx;
  return 0;
}

static int build_neurons(const cc_ctx *ctx, const lw_layer *L, const map_tile *t,
                         img_core *c, const int *local_of) {
  const map_fan *f = &ctx->map->fan[t->layer];
  const int64_t nn = map_tile_neurons(t), plane = (int64_t)(t->y1 - t->y0) * (t->x1 - t->x0);
  c->neurons = glif_calloc((size_t)nn, sizeof *c->neurons);
  c->symbols = glif_calloc((size_t)nn, sizeof *c->symbols);
  c->fanout = glif_calloc((size_t)t->n_fanout + 1, sizeof *c->fanout);
  if (!c->neurons || !c->symbols || !c->fanout) return GLIF_ENOMEM;
  uint32_t at = 0;
  for (int64_t j = 0; j < nn; j++) {
    const int64_t idx = map_tile_neuron_index(L, t, j);
    const uint32_t cnt = f->count[idx];
    c->neurons[j].group = (uint16_t)local_of[L->pset[t->c0 + j / plane]];
    c->neurons[j].fanout_start = at;
    c->neurons[j].fanout_count = cnt;
    memcpy(c->fanout + at, f->e + f->start[idx], (size_t)cnt * sizeof *c->fanout);
    at += cnt;
    c->symbols[j].layer = (uint32_t)t->layer;
    c->symbols[j].index = (uint32_t)idx;
  }
  c->n_fanout = at;
  return 0;
}

/* A crossbar buffer reused from core to core while streaming (NULL: allocate one). */
typedef struct xbar_buf {
  int8_t *p;
  size_t cap;
} xbar_buf;

static int8_t *crossbar_memory(xbar_buf *b, size_t cells) {
  if (!b) return glif_calloc(cells + 1, 1);
  if (cells + 1 > b->cap) {
    int8_t *p = glif_realloc(b->p, cells + 1);
    if (!p) return NULL;
    b->p = p, b->cap = cells + 1;
  }
  memset(b->p, 0, cells);
  return b->p;
}

static int build_axons(const cc_ctx *ctx, const lw_layer *L, const map_tile *t,
                       map_scratch *s, xbar_buf *xb, img_core *c, uint64_t *nnz,
                       glif_err *err) {
  const map_axon *ax;
  int64_t na;
  int rc = map_tile_axons(ctx->lowered, t, s, 1, &ax, &na, err);
  if (rc) return rc;
  const int64_t cells = na * map_tile_neurons(t);
  c->n_axons = (uint32_t)na;
  c->axon_flags = glif_calloc((size_t)na + 1, 1);
  c->crossbar = crossbar_memory(xb, (size_t)cells);
  if (!c->axon_flags || !c->crossbar)
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for a %lld-cell crossbar",
                     (long long)cells);
  for (int64_t a = 0; a < na; a++)
    c->axon_flags[a] = L->terms[ax[a].term].graded ? IMG_AXON_GRADED : 0;
  return map_fill_crossbar(ctx->lowered, t, s, c->crossbar, nnz, err);
}

static int build_core(const cc_ctx *ctx, int64_t i, map_scratch *s, xbar_buf *xb,
                      img_core *c, glif_err *err) {
  map_tile *t = &ctx->map->tiles[ctx->map->order[i]];
  const lw_layer *L = &ctx->lowered->layers[t->layer];
  memset(c, 0, sizeof *c);
  c->x = (uint16_t)(t->core % ctx->arch.mesh_x);
  c->y = (uint16_t)(t->core / ctx->arch.mesh_x);
  c->n_neurons = (uint32_t)map_tile_neurons(t);
  int *local_of = glif_malloc(((size_t)L->n_psets + 1) * sizeof *local_of);
  if (!local_of) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in emit");
  for (int k = 0; k < L->n_psets; k++) local_of[k] = -1;
  int rc = build_groups(ctx, L, t, c, local_of);
  if (!rc) rc = build_neurons(ctx, L, t, c, local_of);
  glif_free(local_of);
  if (rc) {
    map_core_free(c);
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in emit");
  }
  if ((rc = build_axons(ctx, L, t, s, xb, c, &t->nnz, err))) {
    if (xb) c->crossbar = NULL; /* the reused buffer is not the core's */
    map_core_free(c);
  }
  return rc;
}

int map_build_core(const cc_ctx *ctx, int64_t i, map_scratch *s, img_core *c,
                   glif_err *err) {
  return build_core(ctx, i, s, NULL, c, err);
}

/* ---- whole image in memory ------------------------------------------------------ */

void map_image_free(img_image *img) {
  if (!img) return;
  glif_free(img->layers);
  glif_free(img->input.offsets), glif_free(img->input.entries);
  glif_free(img->outputs);
  for (uint32_t i = 0; img->cores && i < img->n_cores; i++) map_core_free(&img->cores[i]);
  glif_free(img->cores);
  memset(img, 0, sizeof *img);
}

int map_build_image(const cc_ctx *ctx, img_image *img, glif_err *err) {
  memset(img, 0, sizeof *img);
  img->arch = ctx->arch;
  img->T = (uint32_t)ctx->lowered->T;
  img->n_ticks = (uint32_t)ctx->lowered->n_ticks;
  snprintf(img->model_name, sizeof img->model_name, "%s", ctx->lowered->model_name);
  img->n_layers = (uint32_t)ctx->lowered->n_layers;
  img->n_cores = (uint32_t)ctx->map->n_tiles;
  img->cores = glif_calloc((size_t)img->n_cores + 1, sizeof *img->cores);
  map_scratch *s = map_scratch_create();
  int rc = !img->cores || !s ? glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory")
                             : map_build_layers(ctx, &img->layers, err);
  if (!rc) rc = map_build_input(ctx, &img->input, err);
  if (!rc) rc = map_build_outputs(ctx, &img->outputs, &img->n_outputs, err);
  for (uint32_t i = 0; !rc && i < img->n_cores; i++)
    rc = map_build_core(ctx, i, s, &img->cores[i], err);
  map_scratch_destroy(s);
  if (rc) map_image_free(img);
  return rc;
}

/* ---- the pass ----------------------------------------------------------------------- */

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress(const cc_ctx *ctx, int64_t i, int64_t n) {
  if (!ctx->opt || !ctx->opt->progress || !isatty(2)) return;
  if (i == n || i % 256 == 0)
    fprintf(stderr, "\remit: core %lld of %lld", (long long)i, (long long)n);
  if (i == n) fputc('\n', stderr);
}

/* Streams the image; w == NULL only builds the cores (report without image). */
static int stream_cores(cc_ctx *ctx, img_writer *w, glif_err *err) {
  map_result *m = ctx->map;
  map_scratch *s = map_scratch_create();
  if (!s) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory in emit");
  int rc = 0;
  xbar_buf xb = {NULL, 0};
  m->cells = m->nnz = 0;
  for (int64_t i = 0; !rc && i < m->n_tiles; i++) {
    img_core c;
    if ((rc = build_core(ctx, i, s, &xb, &c, err))) break;
    m->cells += (uint64_t)c.n_axons * c.n_neurons;
    m->nnz += m->tiles[m->order[i]].nnz;
    if (w) rc = img_writer_core(w, &c, err);
    c.crossbar = NULL;
    map_core_free(&c);
    progress(ctx, i + 1, m->n_tiles);
  }
  glif_free(xb.p);
  map_scratch_destroy(s);
  return rc;
}

static int write_head(cc_ctx *ctx, img_writer *w, glif_err *err) {
  img_layer *layers = NULL;
  img_output *outs = NULL;
  img_input in;
  uint32_t n_out = 0;
  memset(&in, 0, sizeof in);
  int rc = map_build_layers(ctx, &layers, err);
  if (!rc) rc = map_build_outputs(ctx, &outs, &n_out, err);
  if (!rc) rc = map_build_input(ctx, &in, err);
  if (!rc)
    rc = img_writer_net(w, (uint32_t)ctx->lowered->T, (uint32_t)ctx->lowered->n_ticks,
                        ctx->lowered->model_name, layers, (uint32_t)ctx->lowered->n_layers,
                        n_out, err);
  if (!rc) rc = img_writer_input(w, &in, err);
  if (!rc) rc = img_writer_output(w, outs, n_out, err);
  glif_free(layers), glif_free(outs), glif_free(in.offsets), glif_free(in.entries);
  return rc;
}

static int write_image(cc_ctx *ctx, const char *path, glif_err *err) {
  img_writer *w = NULL;
  int rc = img_writer_open(&w, path, &ctx->arch, (uint32_t)ctx->map->n_tiles, err);
  if (rc) return rc;
  if ((rc = write_head(ctx, w, err)) || (rc = stream_cores(ctx, w, err))) {
    img_writer_abort(w);
    return rc;
  }
  if ((rc = img_writer_close(w, err))) return rc;
  struct stat st;
  ctx->map->image_bytes = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
  return 0;
}

/* Records emit's own time and memory, so the report carries every pass. */
static void note_emit_stats(cc_ctx *ctx, double t0) {
  for (int i = 0; cc_passes[i].name; i++)
    if (!strcmp(cc_passes[i].name, "emit")) {
      struct rusage ru;
      getrusage(RUSAGE_SELF, &ru);
      ctx->stats[i].seconds = now_seconds() - t0;
      ctx->stats[i].arena_bytes = glif_arena_used(ctx->arena);
      ctx->stats[i].peak_rss_kb = (size_t)ru.ru_maxrss;
    }
}

int cc_pass_emit(cc_ctx *ctx, glif_err *err) {
  const cc_options *o = ctx->opt;
  if (!ctx->map || !ctx->map->routed)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "emit: run route first");
  const double t0 = now_seconds();
  int rc = o && o->out_path ? write_image(ctx, o->out_path, err) : stream_cores(ctx, NULL, err);
  if (rc || !o || !o->report_path) return rc;
  note_emit_stats(ctx, t0);
  if ((rc = map_write_report(ctx, o->report_path, !o->no_timing, err)) && o->out_path)
    unlink(o->out_path); /* no image without its report */
  return rc;
}
