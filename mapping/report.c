/*
 * report.c - compile.json and the terminal summary of a compilation.
 *
 *   ... -> route -> emit (writes the report after the image)
 *
 * compile.json has stable field names (docs/compiler.md lists them): model, arch,
 * layers (every NET layer, relays included), cores (in core index order), totals, notes
 * (the design-rule notes) and timing (wall time, arena and peak RSS per pass). Timing
 * is the only part that changes between two identical compiles; --no-timing leaves it
 * out so the report is byte-identical too. Written to a temporary file and renamed.
 */
#include "map.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fabric/ofile.h"

static void *hook_malloc(size_t n) { return glif_malloc(n); }
static void hook_free(void *p) { glif_free(p); }

/* cJSON stores numbers as doubles: exact for every count below 2^53. */
static void num(cJSON *o, const char *k, double v) { cJSON_AddNumberToObject(o, k, v); }

static cJSON *pair(double a, double b) {
  cJSON *arr = cJSON_CreateArray();
  cJSON_AddItemToArray(arr, cJSON_CreateNumber(a));
  cJSON_AddItemToArray(arr, cJSON_CreateNumber(b));
  return arr;
}

static cJSON *triple(double a, double b, double c) {
  cJSON *arr = pair(a, b);
  cJSON_AddItemToArray(arr, cJSON_CreateNumber(c));
  return arr;
}

static cJSON *quant_json(const cc_ctx *ctx, const ir_pop *pop) {
  const ir_qstats *s = &pop->stats;
  cJSON *q = cJSON_CreateObject();
  cJSON_AddItemToObject(q, "weight_scale", pair(s->wscale_min, s->wscale_max));
  cJSON_AddItemToObject(q, "shift", pair(s->shift_min, s->shift_max));
  num(q, "acc_worst", (double)s->acc_worst);
  num(q, "acc_limit", (double)((1ll << (ctx->arch.acc_bits - 1)) - 1));
  num(q, "membrane_worst", (double)s->mem_worst);
  num(q, "membrane_limit", (double)((1ll << (ctx->arch.membrane_bits - 1)) - 1));
  cJSON_AddBoolToObject(q, "calibrated", s->calibrated != 0);
  if (s->calibrated) {
    num(q, "acc_seen", (double)s->acc_seen);
    num(q, "membrane_seen", (double)s->mem_seen);
    num(q, "spike_agreement", s->spike_agreement);
    num(q, "membrane_rmse", s->membrane_rmse);
    num(q, "saturations", (double)s->saturations);
  }
  return q;
}

static cJSON *layer_json(const cc_ctx *ctx, int li) {
  const lw_net *n = ctx->lowered;
  const lw_layer *L = &n->layers[li];
  const map_plan *p = &ctx->map->plan[li];
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", L->name);
  cJSON_AddStringToObject(o, "kind", lw_kind_name(L->kind));
  cJSON_AddItemToObject(o, "shape", triple(L->c, L->h, L->w));
  num(o, "neurons", (double)L->n);
  num(o, "first_tick", L->first_tick);
  num(o, "synapses", (double)L->synapses);
  num(o, "parallel_copies", (double)L->copies_extra);
  num(o, "fanin_axons", (double)L->fanin);
  num(o, "cores", (double)p->n_tiles);
  cJSON_AddItemToObject(o, "tile", triple(p->tc, p->ty, p->tx));
  if (L->kind == NRN_RELAY) {
    cJSON_AddStringToObject(o, "relay_for", n->layers[L->relay_for].name);
    num(o, "chunks", L->n_chunks);
    num(o, "psum_worst", (double)L->psum_worst);
    num(o, "psum_limit", (double)((1ll << (ctx->arch.payload_sum_bits - 1)) - 1));
  } else {
    if (L->relay_layer >= 0) cJSON_AddStringToObject(o, "relay", n->layers[L->relay_layer].name);
    else cJSON_AddNullToObject(o, "relay");
    cJSON_AddItemToObject(o, "quant", quant_json(ctx, &ctx->net->pops[L->pop]));
  }
  return o;
}

static cJSON *core_json(const cc_ctx *ctx, const map_tile *t) {
  cJSON *o = cJSON_CreateObject();
  const int64_t nn = map_tile_neurons(t);
  num(o, "x", t->core % ctx->arch.mesh_x);
  num(o, "y", t->core / ctx->arch.mesh_x);
  cJSON_AddStringToObject(o, "layer", ctx->lowered->layers[t->layer].name);
  num(o, "chunk", t->chunk);
  num(o, "neurons", (double)nn);
  num(o, "axons", t->n_axons);
  num(o, "crossbar_nonzero", (double)t->nnz);
  num(o, "crossbar_fill", t->n_axons ? (double)t->nnz / ((double)t->n_axons * nn) : 0.0);
  num(o, "groups", t->n_groups);
  num(o, "fanout", t->n_fanout);
  return o;
}

static cJSON *totals_json(const cc_ctx *ctx) {
  const lw_net *n = ctx->lowered;
  const map_result *m = ctx->map;
  const glif_arch *a = &ctx->arch;
  cJSON *o = cJSON_CreateObject();
  int64_t copies = 0;
  for (int i = 0; i < n->n_layers; i++) copies += n->layers[i].copies_extra;
  num(o, "cores", (double)m->n_tiles);
  num(o, "mesh_cores", (double)a->mesh_x * a->mesh_y);
  num(o, "layers", n->n_layers - n->n_relay_layers);
  num(o, "relay_layers", n->n_relay_layers);
  num(o, "neurons", (double)n->neurons);
  num(o, "relay_neurons", (double)n->relay_neurons);
  num(o, "synapses", (double)n->synapses);
  num(o, "psum_synapses", (double)n->psum_synapses);
  num(o, "parallel_copies", (double)copies);
  num(o, "axons", (double)m->axons_total);
  num(o, "fanout_entries", (double)m->fanout_total);
  num(o, "input_entries", (double)m->input_entries);
  num(o, "crossbar_cells", (double)m->cells);
  num(o, "crossbar_nonzero", (double)m->nnz);
  num(o, "crossbar_fill", m->cells ? (double)m->nnz / (double)m->cells : 0.0);
  num(o, "chip_fill",
      m->n_tiles ? (double)m->nnz / ((double)m->n_tiles * a->axons * a->neurons) : 0.0);
  num(o, "image_bytes", (double)m->image_bytes);
  num(o, "est_hops", m->est_hops);
  return o;
}

static cJSON *timing_json(const cc_ctx *ctx) {
  cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
  double total = 0;
  for (int i = 0; cc_passes[i].name && i < 16; i++) {
    if (i >= ctx->n_passes_run && strcmp(cc_passes[i].name, "emit")) continue;
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "pass", cc_passes[i].name);
    num(p, "seconds", ctx->stats[i].seconds);
    num(p, "arena_bytes", (double)ctx->stats[i].arena_bytes);
    num(p, "peak_rss_kb", (double)ctx->stats[i].peak_rss_kb);
    total += ctx->stats[i].seconds;
    cJSON_AddItemToArray(arr, p);
  }
  cJSON_AddItemToObject(o, "passes", arr);
  num(o, "seconds", total);
  return o;
}

static cJSON *head_json(const cc_ctx *ctx) {
  const glif_arch *a = &ctx->arch;
  cJSON *root = cJSON_CreateObject(), *m = cJSON_CreateObject(), *ar = cJSON_CreateObject();
  num(root, "glif_compile_report", 1);
  cJSON_AddStringToObject(m, "name", ctx->lowered->model_name);
  cJSON_AddStringToObject(m, "path", ctx->opt && ctx->opt->model_path ? ctx->opt->model_path : "");
  num(m, "T", ctx->lowered->T);
  num(m, "ticks", ctx->lowered->n_ticks);
  cJSON_AddItemToObject(root, "model", m);
  cJSON_AddStringToObject(ar, "name", a->name);
  cJSON_AddItemToObject(ar, "mesh", pair(a->mesh_x, a->mesh_y));
  num(ar, "neurons", a->neurons);
  num(ar, "axons", a->axons);
  num(ar, "fanout_entries", a->fanout_entries);
  cJSON_AddItemToObject(root, "arch", ar);
  cJSON *opt = cJSON_CreateObject();
  cJSON_AddStringToObject(opt, "partition", ctx->map->partitioner);
  cJSON_AddStringToObject(opt, "place", ctx->map->placer ? ctx->map->placer : "");
  cJSON_AddItemToObject(root, "options", opt);
  return root;
}

static cJSON *report_json(const cc_ctx *ctx, int with_timing) {
  cJSON *root = head_json(ctx), *layers = cJSON_CreateArray(), *cores = cJSON_CreateArray();
  for (int i = 0; i < ctx->lowered->n_layers; i++)
    cJSON_AddItemToArray(layers, layer_json(ctx, i));
  cJSON_AddItemToObject(root, "layers", layers);
  for (int64_t i = 0; i < ctx->map->n_tiles; i++)
    cJSON_AddItemToArray(cores, core_json(ctx, &ctx->map->tiles[ctx->map->order[i]]));
  cJSON_AddItemToObject(root, "cores", cores);
  cJSON_AddItemToObject(root, "totals", totals_json(ctx));
  cJSON *notes = cJSON_CreateArray();
  for (int i = 0; i < ctx->lowered->n_notes; i++)
    cJSON_AddItemToArray(notes, cJSON_CreateString(ctx->lowered->notes[i]));
  cJSON_AddItemToObject(root, "notes", notes);
  if (with_timing) cJSON_AddItemToObject(root, "timing", timing_json(ctx));
  return root;
}

int map_write_report(const cc_ctx *ctx, const char *path, int with_timing, glif_err *err) {
  cJSON_Hooks hooks = {hook_malloc, hook_free};
  cJSON_InitHooks(&hooks);
  cJSON *root = report_json(ctx, with_timing);
  char *text = root ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory writing the report");
  int rc = glif_ofile_write_text(path, "the report", text, err);
  glif_free(text);
  return rc;
}

/* ---- terminal summary ------------------------------------------------------------- */

static double total_seconds(const cc_ctx *ctx) {
  double s = 0;
  for (int i = 0; cc_passes[i].name && i < 16; i++) s += ctx->stats[i].seconds;
  return s;
}

static double peak_mib(const cc_ctx *ctx) {
  size_t kb = 0;
  for (int i = 0; cc_passes[i].name && i < 16; i++)
    if (ctx->stats[i].peak_rss_kb > kb) kb = ctx->stats[i].peak_rss_kb;
  return (double)kb / 1024.0;
}

static void print_counts(const cc_ctx *ctx, FILE *out) {
  const lw_net *n = ctx->lowered;
  const map_result *m = ctx->map;
  const glif_arch *a = &ctx->arch;
  char b1[32], b2[32], b3[32];
  fprintf(out, "compiled %s for %s: %s cores of %s (%u x %u mesh)\n", n->model_name,
          a->name, lw_group_digits(m->n_tiles, b1, 32),
          lw_group_digits((int64_t)a->mesh_x * a->mesh_y, b2, 32), a->mesh_x, a->mesh_y);
  fprintf(out, "  %d layers + %d relay layers, %s neurons (%s relays), %s synapses\n",
          n->n_layers - n->n_relay_layers, n->n_relay_layers,
          lw_group_digits(n->neurons, b1, 32), lw_group_digits(n->relay_neurons, b2, 32),
          lw_group_digits(n->synapses, b3, 32));
  if (m->cells)
    fprintf(out, "  crossbar fill %.1f%% of used rows x columns, %.1f%% of the cores' "
            "%u x %u\n", 100.0 * (double)m->nnz / (double)m->cells,
            100.0 * (double)m->nnz / ((double)m->n_tiles * a->axons * a->neurons),
            a->axons, a->neurons);
  fprintf(out, "  %s axons, %s fan-out entries, %s input entries",
          lw_group_digits(m->axons_total, b1, 32), lw_group_digits(m->fanout_total, b2, 32),
          lw_group_digits(m->input_entries, b3, 32));
  if (m->image_bytes)
    fprintf(out, ", image %s bytes", lw_group_digits((int64_t)m->image_bytes, b1, 32));
  if (m->fanout_total + m->input_entries)
    fprintf(out, "\n  %s placement: %.2f hops per fan-out entry", m->placer,
            m->est_hops / (double)(m->fanout_total + m->input_entries));
}

static void print_times(const cc_ctx *ctx, FILE *out) {
  int shown = 0;
  fprintf(out, "\n  %.2f s", total_seconds(ctx));
  for (int i = 0; cc_passes[i].name && i < 16; i++)
    if (ctx->stats[i].seconds >= 0.005)
      fprintf(out, "%s%s %.2f", shown++ ? ", " : " (", cc_passes[i].name,
              ctx->stats[i].seconds);
  fprintf(out, "%s, peak memory %.0f MiB\n", shown ? ")" : "", peak_mib(ctx));
}

void map_print_summary(const cc_ctx *ctx, FILE *out) {
  if (!ctx->lowered || !ctx->map || !ctx->map->placer) return;
  print_counts(ctx, out);
  print_times(ctx, out);
  for (const char *p = ctx->notes.msg; *p;) {
    const char *e = strchr(p, '\n');
    const int len = e ? (int)(e - p) : (int)strlen(p);
    fprintf(out, "  note: %.*s\n", len, p);
    p += len + (e != NULL);
  }
}
