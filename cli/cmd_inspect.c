/*
 * cmd_inspect.c - `glif inspect`: what a chip image holds and how well it uses the
 * fabric, as a terminal summary, as JSON, and as pictures of the mesh.
 *
 * Pipeline position: reads the compiler's output through the image reader
 * (fabric/image.h), so every image it shows has passed every check the simulator
 * relies on; a damaged image gets the reader's message and exit status 1.
 *
 * What it computes (static figures: no simulation):
 *   per core   neurons / N, axons / A, non-zero weights, crossbar fill over the used
 *              rows x columns and over the whole A x N crossbar, groups / G, fan-out
 *              entries / E, packets it receives per full firing (fan-out and input
 *              entries aimed at it), mesh hops of its fan-out (XY routing: |dx| + |dy|),
 *              the layers it holds;
 *   per layer  kind, first tick, neurons, cores;
 *   totals     the same summed, utilisation over the used cores and over the chip.
 * With --run RUN.json it also draws the traffic a simulation of the image measured
 * (inspect_traffic.c). Field names of the JSON are a stable interface, documented in
 * docs/chip-image.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../fabric/image.h"
#include "../fabric/mem.h"
#include "../fabric/ofile.h"
#include "cli.h"
#include "inspect.h"

typedef struct inspect_opts {
  int json, cores, ascii;
  const char *path, *picture, *run;
} inspect_opts;

typedef struct core_stat {
  uint64_t synapses;   /* non-zero crossbar weights */
  uint64_t cells;      /* n_axons x n_neurons */
  uint64_t hops;       /* mesh links its fan-out packets cross, one firing each */
  uint64_t in_entries; /* fan-out and input entries aimed at this core */
  uint32_t top_layer;  /* layer holding most of its neurons (lowest index on a tie) */
  uint32_t n_layers;   /* distinct layers among its neurons */
} core_stat;

typedef struct stats {
  const img_image *img;
  core_stat *core;         /* [n_cores] */
  uint32_t *layer_cores;   /* [n_layers]: cores holding neurons of the layer */
  uint32_t *count;         /* [n_layers] scratch: neurons per layer on one core */
  uint64_t neurons, axons, groups, fanout, synapses, cells, hops, input_hops;
  uint32_t mixed;          /* cores holding more than one layer */
} stats;

static const char *const kind_names[] = {"spiking", "readout", "relay"};

/* Map shades from empty to full: Unicode blocks, or ASCII for other locales. */
static const char *const shade_uni[] = {"\u00b7", "\u2591", "\u2592", "\u2593", "\u2588"};
static const char *const shade_ascii[] = {".", "-", "+", "*", "#"};

static const char *kind_name(uint32_t k) { return k <= NRN_RELAY ? kind_names[k] : "?"; }

static double ratio(uint64_t a, uint64_t b) { return b ? (double)a / (double)b : 0.0; }

static uint32_t dist(uint32_t a, uint32_t b) { return a > b ? a - b : b - a; }

/* ---- arguments -------------------------------------------------------------------- */

static void usage(FILE *out) {
  fprintf(out,
          "usage: glif inspect [--json] [--cores] [--ascii] [--picture FILE.svg]\n"
          "                    [--run RUN.json] CHIP.img\n\n"
          "Shows what a chip image holds and how it uses the fabric: the model, the\n"
          "architecture, T and ticks, the layers with their first tick, neurons and\n"
          "cores, utilisation totals, and maps of the mesh (neuron utilisation per core,\n"
          "and which layer each core holds).\n\n"
          "options:\n"
          "  --json           print everything as JSON (per-core figures included;\n"
          "                   field names in docs/chip-image.md)\n"
          "  --cores          add a per-core table to the terminal summary\n"
          "  --ascii          draw the maps with ASCII characters only\n"
          "  --picture FILE   also write an SVG heat map of the mesh to FILE\n"
          "  --run RUN.json   also draw the traffic a simulation measured: the report\n"
          "                   of 'glif run CHIP.img --report RUN.json' (packets over\n"
          "                   links, contention and energy per core, busiest links)\n"
          "  -h, --help       show this help\n\n"
          "exit status: 0 valid image, 1 unreadable or invalid image, 2 bad usage\n");
}

static int bad_usage(const char *fmt, const char *arg) {
  fprintf(stderr, "glif inspect: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " - see 'glif inspect --help'\n");
  return 2;
}

/* Returns -1 to go on, or the exit status (help printed, bad usage). */
static int parse_args(int argc, char **argv, inspect_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--json")) {
      o->json = 1;
    } else if (!strcmp(a, "--cores")) {
      o->cores = 1;
    } else if (!strcmp(a, "--ascii")) {
      o->ascii = 1;
    } else if (!strcmp(a, "--picture")) {
      if (i + 1 >= argc) return bad_usage("%s needs a file name (an .svg)", a);
      o->picture = argv[++i];
    } else if (!strcmp(a, "--run")) {
      if (i + 1 >= argc) return bad_usage("%s needs a run report (glif run --report)", a);
      o->run = argv[++i];
    } else if (a[0] == '-' && a[1]) {
      return bad_usage("unknown option '%s'", a);
    } else if (o->path) {
      return bad_usage("more than one chip image given ('%s')", a);
    } else {
      o->path = a;
    }
  }
  if (!o->path) return bad_usage("%s", "no chip image given");
  return -1;
}

/* ---- statistics ------------------------------------------------------------------- */

/* Counts this core's neurons per layer in s->count (zero between calls: only the
 * entries touched are reset, so the cost is O(neurons) however many layers there are)
 * and names its top layer. */
static void core_layers(stats *s, const img_core *c, core_stat *cs) {
  cs->n_layers = 0;
  for (uint32_t j = 0; j < c->n_neurons; j++)
    if (s->count[c->symbols[j].layer]++ == 0) {
      cs->n_layers++;
      s->layer_cores[c->symbols[j].layer]++;
    }
  cs->top_layer = c->symbols[0].layer;
  for (uint32_t j = 0; j < c->n_neurons; j++) {
    uint32_t l = c->symbols[j].layer, top = cs->top_layer;
    if (s->count[l] > s->count[top] || (s->count[l] == s->count[top] && l < top))
      cs->top_layer = l;
  }
  for (uint32_t j = 0; j < c->n_neurons; j++) s->count[c->symbols[j].layer] = 0;
  if (cs->n_layers > 1) s->mixed++;
}

static void core_figures(stats *s, uint32_t i) {
  const img_image *img = s->img;
  const img_core *c = &img->cores[i];
  core_stat *cs = &s->core[i];
  cs->cells = (uint64_t)c->n_axons * c->n_neurons;
  for (uint64_t k = 0; k < cs->cells; k++) cs->synapses += c->crossbar[k] != 0;
  for (uint32_t e = 0; e < c->n_fanout; e++) {
    const img_fanout *f = &c->fanout[e];
    cs->hops += dist(f->x, c->x) + dist(f->y, c->y);
    s->core[img_core_index(img, f->x, f->y)].in_entries++;
  }
  core_layers(s, c, cs);
  s->neurons += c->n_neurons;
  s->axons += c->n_axons;
  s->groups += c->n_groups;
  s->fanout += c->n_fanout;
  s->synapses += cs->synapses;
  s->cells += cs->cells;
  s->hops += cs->hops;
}

static int stats_build(stats *s, const img_image *img) {
  memset(s, 0, sizeof *s);
  s->img = img;
  s->core = glif_calloc(img->n_cores, sizeof *s->core);
  s->layer_cores = glif_calloc(img->n_layers, sizeof *s->layer_cores);
  s->count = glif_calloc(img->n_layers, sizeof *s->count);
  if (!s->core || !s->layer_cores || !s->count) return GLIF_ENOMEM;
  for (uint32_t i = 0; i < img->n_cores; i++) core_figures(s, i);
  for (uint32_t e = 0; e < img->input.n_entries; e++) {
    const img_fanout *f = &img->input.entries[e];
    s->input_hops += dist(f->x, img->arch.io_x) + dist(f->y, img->arch.io_y);
    s->core[img_core_index(img, f->x, f->y)].in_entries++;
  }
  return 0;
}

static void stats_free(stats *s) {
  glif_free(s->core);
  glif_free(s->layer_cores);
  glif_free(s->count);
}

/* ---- the terminal summary --------------------------------------------------------- */

static void print_header(const img_image *img, const char *path) {
  const glif_arch *a = &img->arch;
  const img_input *in = &img->input;
  printf("chip image %s (format version %u)\n", path, IMG_VERSION);
  printf("  model         %s\n", img->model_name);
  printf("  architecture  %s (hash 0x%08x): %u x %u mesh, %u neurons x %u axons per "
         "core, I/O port at (%u, %u)\n", a->name, arch_hash(a), a->mesh_x, a->mesh_y,
         a->neurons, a->axons, a->io_x, a->io_y);
  printf("  time          T = %u steps, %u ticks per inference\n", img->T, img->n_ticks);
  printf("  cores used    %u of %u\n", img->n_cores, a->mesh_x * a->mesh_y);
  printf("  input         %u x %u x %u, %s encoding, %u-bit payloads, scale %g, up to "
         "%u packets per step\n", in->c, in->h, in->w,
         in->encoding == IMG_ENC_DIRECT ? "direct" : "spike", in->payload_bits,
         in->scale, in->n_entries);
  printf("  outputs       %u readout neurons\n\n", img->n_outputs);
}

static void print_layers(const stats *s) {
  const img_image *img = s->img;
  printf("layers (in topological order)\n");
  printf("  %-24s %-8s %10s %14s %8s %6s\n", "name", "kind", "first tick", "shape",
         "neurons", "cores");
  for (uint32_t l = 0; l < img->n_layers; l++) {
    const img_layer *y = &img->layers[l];
    char shape[48];
    snprintf(shape, sizeof shape, "%ux%ux%u", y->c, y->h, y->w);
    printf("  %-24s %-8s %10u %14s %8u %6u\n", y->name, kind_name(y->kind),
           y->first_tick, shape, y->n_neurons, s->layer_cores[l]);
  }
  printf("\n");
}

/* One row of the utilisation table: used, capacity of the used cores, per-core range. */
static void util_row(const char *what, uint64_t used, uint64_t per_core, uint32_t n,
                     uint32_t lo, uint32_t hi) {
  uint64_t cap = per_core * n;
  printf("  %-18s %10llu %12llu %7.1f%% %10u %8.1f %8u\n", what,
         (unsigned long long)used, (unsigned long long)cap, 100.0 * ratio(used, cap), lo,
         (double)used / n, hi);
}

/* Smallest and largest of one per-core count; `field` picks it. */
static void range_of(const img_image *img, int field, uint32_t *lo, uint32_t *hi) {
  *lo = UINT32_MAX;
  *hi = 0;
  for (uint32_t i = 0; i < img->n_cores; i++) {
    const img_core *c = &img->cores[i];
    uint32_t v = field == 0 ? c->n_neurons : field == 1 ? c->n_axons
               : field == 2 ? c->n_groups : c->n_fanout;
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
  }
}

static void print_totals(const stats *s) {
  const img_image *img = s->img;
  const glif_arch *a = &img->arch;
  const uint32_t n = img->n_cores;
  static const char *const names[] = {"neurons", "axons", "groups", "fan-out entries"};
  const uint64_t used[] = {s->neurons, s->axons, s->groups, s->fanout};
  const uint64_t per[] = {a->neurons, a->axons, a->groups, a->fanout_entries};
  printf("utilisation of the %u used cores\n", n);
  printf("  %-18s %10s %12s %8s %10s %8s %8s\n", "resource", "used", "capacity", "",
         "core min", "avg", "max");
  for (int f = 0; f < 4; f++) {
    uint32_t lo, hi;
    range_of(img, f, &lo, &hi);
    util_row(names[f], used[f], per[f], n, lo, hi);
  }
  printf("  %-18s %10llu %12llu %7.1f%%   (fill of the used rows x columns: %.1f%%)\n",
         "non-zero weights", (unsigned long long)s->synapses,
         (unsigned long long)((uint64_t)a->axons * a->neurons * n),
         100.0 * ratio(s->synapses, (uint64_t)a->axons * a->neurons * n),
         100.0 * ratio(s->synapses, s->cells));
  printf("  chip: %llu of %llu neurons (%.1f%%) on %u of %u cores\n",
         (unsigned long long)s->neurons,
         (unsigned long long)a->neurons * a->mesh_x * a->mesh_y,
         100.0 * ratio(s->neurons, (uint64_t)a->neurons * a->mesh_x * a->mesh_y), n,
         a->mesh_x * a->mesh_y);
  printf("  traffic per full firing: %llu packets, %llu mesh hops (%.2f per packet); "
         "input: %u packets, %llu hops per step\n\n", (unsigned long long)s->fanout,
         (unsigned long long)s->hops, ratio(s->hops, s->fanout), img->input.n_entries,
         (unsigned long long)s->input_hops);
}

static void print_cores(const stats *s) {
  const img_image *img = s->img;
  const glif_arch *a = &img->arch;
  printf("cores\n  %-9s %-16s %11s %11s %9s %6s %6s %7s %9s %6s %6s\n", "core", "layer",
         "neurons", "axons", "weights", "fill", "fillc", "groups", "fan-out", "in",
         "hops");
  for (uint32_t i = 0; i < img->n_cores; i++) {
    const img_core *c = &img->cores[i];
    const core_stat *cs = &s->core[i];
    char pos[24], layer[40], nn[24], na[24], fo[24];
    snprintf(pos, sizeof pos, "(%u,%u)", c->x, c->y);
    snprintf(layer, sizeof layer, "%.12s%s", img->layers[cs->top_layer].name,
             cs->n_layers > 1 ? " +" : "");
    snprintf(nn, sizeof nn, "%u/%u", c->n_neurons, a->neurons);
    snprintf(na, sizeof na, "%u/%u", c->n_axons, a->axons);
    snprintf(fo, sizeof fo, "%u/%u", c->n_fanout, a->fanout_entries);
    printf("  %-9s %-16s %11s %11s %9llu %5.1f%% %5.1f%% %3u/%-3u %9s %6llu %6llu\n", pos,
           layer, nn, na, (unsigned long long)cs->synapses,
           100.0 * ratio(cs->synapses, cs->cells),
           100.0 * ratio(cs->synapses, (uint64_t)a->axons * a->neurons), c->n_groups,
           a->groups, fo, (unsigned long long)cs->in_entries,
           (unsigned long long)cs->hops);
  }
  printf("  (fill: non-zero weights over the used axons x neurons; fillc: over the whole "
         "crossbar; in: packets received per full firing; +: more layers)\n\n");
}

/* ---- maps ------------------------------------------------------------------------------ */

/* Cores per map character along each axis: 1 up to MAP_MAX, then blocks. */
uint32_t inspect_block_of(const glif_arch *a) {
  uint32_t m = a->mesh_x > a->mesh_y ? a->mesh_x : a->mesh_y;
  return (m + MAP_MAX - 1) / MAP_MAX;
}

/* Neurons used and cores present in the block whose corner is (bx, by). */
static void block_fill(const img_image *img, uint32_t bx, uint32_t by, uint32_t b,
                       uint64_t *neurons, uint32_t *cores, uint32_t *present) {
  *neurons = 0, *cores = 0, *present = 0;
  for (uint32_t y = by; y < by + b && y < img->arch.mesh_y; y++)
    for (uint32_t x = bx; x < bx + b && x < img->arch.mesh_x; x++) {
      int32_t k = img_core_index(img, x, y);
      (*cores)++;
      if (k < 0) continue;
      (*present)++;
      *neurons += img->cores[k].n_neurons;
    }
}

/* Utilisation level 1..4 (quarters, rounded up), 0 for an unused block. */
static int level_of(uint64_t neurons, uint64_t capacity, uint32_t present) {
  if (!present) return 0;
  return (int)((4 * neurons + capacity - 1) / capacity);
}

/* Column labels: a digit per column for narrow maps, else the core x of every tenth
 * character. */
void inspect_map_axis(const glif_arch *a, uint32_t b) {
  const uint32_t cols = (a->mesh_x + b - 1) / b; /* at most MAP_MAX */
  char line[MAP_MAX + 16];
  uint32_t end = 0;
  memset(line, ' ', sizeof line);
  for (uint32_t i = 0; i < cols; i += cols <= 10 ? 1 : 10) {
    char num[12];
    int n = snprintf(num, sizeof num, "%u", cols <= 10 ? i : i * b);
    memcpy(line + i, num, (size_t)n);
    end = i + (uint32_t)n;
  }
  line[end] = '\0';
  printf("       %s\n", line);
}

static void print_util_map(const img_image *img, int ascii) {
  const char *const *ch = ascii ? shade_ascii : shade_uni;
  const glif_arch *a = &img->arch;
  const uint32_t b = inspect_block_of(a);
  printf("neuron utilisation per core (x grows east, y south; > marks the I/O port)\n");
  if (b > 1) printf("(each character is a block of %u x %u cores)\n", b, b);
  inspect_map_axis(a, b);
  for (uint32_t y = 0; y < a->mesh_y; y += b) {
    printf("  %c%3u ", a->io_y >= y && a->io_y < y + b ? '>' : ' ', y % 1000);
    for (uint32_t x = 0; x < a->mesh_x; x += b) {
      uint64_t n;
      uint32_t cores, present;
      block_fill(img, x, y, b, &n, &cores, &present);
      printf("%s", ch[level_of(n, (uint64_t)cores * a->neurons, present)]);
    }
    printf("\n");
  }
  printf("  %s 76-100%%  %s 51-75%%  %s 26-50%%  %s 1-25%%  %s unused\n\n", ch[4], ch[3],
         ch[2], ch[1], ch[0]);
}

/* A letter per layer: A-Z, a-z, 0-9, then '+'. */
static char layer_letter(uint32_t l) {
  static const char letters[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return l < sizeof letters - 1 ? letters[l] : '+';
}

static void print_layer_map(const stats *s) {
  const img_image *img = s->img;
  const glif_arch *a = &img->arch;
  if (inspect_block_of(a) > 1) return; /* one letter per core only when the mesh fits */
  printf("layer held by each core (. unused)\n");
  inspect_map_axis(a, 1);
  for (uint32_t y = 0; y < a->mesh_y; y++) {
    printf("  %c%3u ", a->io_y == y ? '>' : ' ', y % 1000);
    for (uint32_t x = 0; x < a->mesh_x; x++) {
      int32_t k = img_core_index(img, x, y);
      putchar(k < 0 ? '.' : layer_letter(s->core[k].top_layer));
    }
    printf("\n");
  }
  for (uint32_t l = 0; l < img->n_layers; l++)
    printf("%s%c %s", l % 6 ? "  " : l ? "\n  " : "  ", layer_letter(l),
           img->layers[l].name);
  printf("\n");
  if (s->mixed)
    printf("  (%u cores hold several layers: each shows the layer with most neurons)\n",
           s->mixed);
  printf("\n");
}

/* The locale's character set decides between Unicode shades and ASCII. */
static int want_ascii(void) {
  const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
  for (int i = 0; i < 3; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return !(strstr(v, "UTF-8") || strstr(v, "utf8") || strstr(v, "UTF8") ||
                          strstr(v, "utf-8"));
  }
  return 1;
}

static int print_text(const stats *s, const inspect_opts *o, const inspect_traffic *t) {
  print_header(s->img, o->path);
  print_layers(s);
  print_totals(s);
  if (o->cores) print_cores(s);
  int ascii = o->ascii || want_ascii();
  print_util_map(s->img, ascii);
  print_layer_map(s);
  if (t) inspect_traffic_print(t, s->img, ascii ? shade_ascii : shade_uni);
  return fflush(stdout) ? 1 : 0;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void json_arch(cJSON *root, const glif_arch *a) {
  char hash[16];
  cJSON *j = cJSON_AddObjectToObject(root, "arch");
  if (!j) return;
  snprintf(hash, sizeof hash, "0x%08x", arch_hash(a));
  cJSON_AddStringToObject(j, "name", a->name);
  cJSON_AddStringToObject(j, "hash", hash);
  cJSON_AddNumberToObject(j, "mesh_x", a->mesh_x);
  cJSON_AddNumberToObject(j, "mesh_y", a->mesh_y);
  cJSON_AddNumberToObject(j, "io_x", a->io_x);
  cJSON_AddNumberToObject(j, "io_y", a->io_y);
  cJSON_AddNumberToObject(j, "neurons", a->neurons);
  cJSON_AddNumberToObject(j, "axons", a->axons);
  cJSON_AddNumberToObject(j, "groups", a->groups);
  cJSON_AddNumberToObject(j, "fanout_entries", a->fanout_entries);
  cJSON_AddNumberToObject(j, "weight_bits", a->weight_bits);
}

static cJSON *json_shape(uint32_t c, uint32_t h, uint32_t w) {
  const int dims[3] = {(int)c, (int)h, (int)w};
  return cJSON_CreateIntArray(dims, 3);
}

static void json_input(cJSON *root, const stats *s) {
  const img_input *in = &s->img->input;
  cJSON *j = cJSON_AddObjectToObject(root, "input");
  if (!j) return;
  cJSON_AddItemToObject(j, "shape", json_shape(in->c, in->h, in->w));
  cJSON_AddStringToObject(j, "encoding", in->encoding == IMG_ENC_DIRECT ? "direct" : "spikes");
  cJSON_AddNumberToObject(j, "payload_bits", in->payload_bits);
  cJSON_AddNumberToObject(j, "scale", in->scale);
  cJSON_AddNumberToObject(j, "packets", in->n_entries);
  cJSON_AddNumberToObject(j, "hops", (double)s->input_hops);
}

static void json_layers(cJSON *root, const stats *s) {
  cJSON *arr = cJSON_AddArrayToObject(root, "layers");
  for (uint32_t l = 0; arr && l < s->img->n_layers; l++) {
    const img_layer *y = &s->img->layers[l];
    cJSON *j = cJSON_CreateObject();
    if (!j) return;
    cJSON_AddItemToArray(arr, j);
    cJSON_AddStringToObject(j, "name", y->name);
    cJSON_AddStringToObject(j, "kind", kind_name(y->kind));
    cJSON_AddNumberToObject(j, "first_tick", y->first_tick);
    cJSON_AddItemToObject(j, "shape", json_shape(y->c, y->h, y->w));
    cJSON_AddNumberToObject(j, "neurons", y->n_neurons);
    cJSON_AddNumberToObject(j, "cores", s->layer_cores[l]);
  }
}

static void json_totals(cJSON *root, const stats *s) {
  const glif_arch *a = &s->img->arch;
  const uint64_t n = s->img->n_cores, chip = (uint64_t)a->mesh_x * a->mesh_y;
  cJSON *t = cJSON_AddObjectToObject(root, "totals");
  cJSON *u = cJSON_AddObjectToObject(root, "utilisation");
  if (!t || !u) return;
  cJSON_AddNumberToObject(t, "neurons", (double)s->neurons);
  cJSON_AddNumberToObject(t, "axons", (double)s->axons);
  cJSON_AddNumberToObject(t, "groups", (double)s->groups);
  cJSON_AddNumberToObject(t, "fanout", (double)s->fanout);
  cJSON_AddNumberToObject(t, "synapses", (double)s->synapses);
  cJSON_AddNumberToObject(t, "cells", (double)s->cells);
  cJSON_AddNumberToObject(t, "hops", (double)s->hops);
  cJSON_AddNumberToObject(u, "neurons", ratio(s->neurons, n * a->neurons));
  cJSON_AddNumberToObject(u, "axons", ratio(s->axons, n * a->axons));
  cJSON_AddNumberToObject(u, "groups", ratio(s->groups, n * a->groups));
  cJSON_AddNumberToObject(u, "fanout", ratio(s->fanout, n * a->fanout_entries));
  cJSON_AddNumberToObject(u, "fill_used", ratio(s->synapses, s->cells));
  cJSON_AddNumberToObject(u, "fill_core",
                          ratio(s->synapses, n * a->axons * (uint64_t)a->neurons));
  cJSON_AddNumberToObject(u, "chip_neurons", ratio(s->neurons, chip * a->neurons));
  cJSON_AddNumberToObject(u, "chip_cores", ratio(n, chip));
}

/* The names of the layers a core holds, in order of first appearance. */
static cJSON *json_core_layers(const stats *s, const img_core *c) {
  cJSON *arr = cJSON_CreateArray();
  for (uint32_t j = 0; arr && j < c->n_neurons; j++) {
    uint32_t l = c->symbols[j].layer;
    if (s->count[l]++ == 0)
      cJSON_AddItemToArray(arr, cJSON_CreateString(s->img->layers[l].name));
  }
  for (uint32_t j = 0; j < c->n_neurons; j++) s->count[c->symbols[j].layer] = 0;
  return arr;
}

static void json_core(cJSON *arr, const stats *s, uint32_t i) {
  const img_core *c = &s->img->cores[i];
  const core_stat *cs = &s->core[i];
  const glif_arch *a = &s->img->arch;
  cJSON *j = cJSON_CreateObject();
  if (!j) return;
  cJSON_AddItemToArray(arr, j);
  cJSON_AddNumberToObject(j, "x", c->x);
  cJSON_AddNumberToObject(j, "y", c->y);
  cJSON_AddItemToObject(j, "layers", json_core_layers(s, c));
  cJSON_AddNumberToObject(j, "neurons", c->n_neurons);
  cJSON_AddNumberToObject(j, "axons", c->n_axons);
  cJSON_AddNumberToObject(j, "groups", c->n_groups);
  cJSON_AddNumberToObject(j, "fanout", c->n_fanout);
  cJSON_AddNumberToObject(j, "synapses", (double)cs->synapses);
  cJSON_AddNumberToObject(j, "fill_used", ratio(cs->synapses, cs->cells));
  cJSON_AddNumberToObject(j, "fill_core",
                          ratio(cs->synapses, (uint64_t)a->axons * a->neurons));
  cJSON_AddNumberToObject(j, "in_packets", (double)cs->in_entries);
  cJSON_AddNumberToObject(j, "hops", (double)cs->hops);
}

static cJSON *json_build(const stats *s, const char *path, const inspect_traffic *t) {
  const img_image *img = s->img;
  cJSON *root = cJSON_CreateObject();
  if (!root) return NULL;
  cJSON_AddNumberToObject(root, "glif_inspect", 1);
  cJSON_AddStringToObject(root, "file", path);
  cJSON_AddNumberToObject(root, "format_version", IMG_VERSION);
  cJSON_AddStringToObject(root, "model", img->model_name);
  json_arch(root, &img->arch);
  cJSON_AddNumberToObject(root, "T", img->T);
  cJSON_AddNumberToObject(root, "n_ticks", img->n_ticks);
  cJSON_AddNumberToObject(root, "cores_used", img->n_cores);
  cJSON_AddNumberToObject(root, "cores_total", img->arch.mesh_x * img->arch.mesh_y);
  cJSON_AddNumberToObject(root, "outputs", img->n_outputs);
  json_input(root, s);
  json_layers(root, s);
  json_totals(root, s);
  cJSON *arr = cJSON_AddArrayToObject(root, "cores");
  for (uint32_t i = 0; arr && i < img->n_cores; i++) json_core(arr, s, i);
  if (t) inspect_traffic_json(root, t, img);
  return root;
}

static int print_json(const stats *s, const char *path, const inspect_traffic *t) {
  cJSON *root = json_build(s, path, t);
  char *text = root ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) {
    fprintf(stderr, "glif inspect: out of memory building the JSON\n");
    return 1;
  }
  printf("%s\n", text);
  cJSON_free(text);
  return fflush(stdout) ? 1 : 0;
}

/* ---- SVG picture ------------------------------------------------------------------------- */

#define CELL 28 /* pixels per core */

/* Writes s with the five XML special characters escaped (names come from the model). */
static void xml_text(FILE *f, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&apos;", f); break;
    default: fputc(*s, f);
    }
  }
}

/* White (unused capacity) to deep blue (full), by neuron utilisation. */
static void svg_colour(char *buf, size_t cap, double u) {
  int r = (int)(235 - 205 * u), g = (int)(240 - 150 * u), b = (int)(255 - 75 * u);
  snprintf(buf, cap, "#%02x%02x%02x", r, g, b);
}

static void svg_core(FILE *f, const stats *s, uint32_t x, uint32_t y) {
  const img_image *img = s->img;
  int32_t k = img_core_index(img, x, y);
  char fill[8] = "#d0d0d0";
  unsigned px = 40 + x * CELL, py = 40 + y * CELL;
  if (k >= 0) svg_colour(fill, sizeof fill, ratio(img->cores[k].n_neurons, img->arch.neurons));
  fprintf(f, "<rect x=\"%u\" y=\"%u\" width=\"%d\" height=\"%d\" fill=\"%s\" "
          "stroke=\"#ffffff\">", px, py, CELL, CELL, fill);
  if (k < 0) {
    fprintf(f, "<title>core (%u, %u): unused</title></rect>\n", x, y);
    return;
  }
  const img_core *c = &img->cores[k];
  fprintf(f, "<title>core (%u, %u): ", x, y);
  xml_text(f, img->layers[s->core[k].top_layer].name);
  fprintf(f, "%s, %u/%u neurons, %u/%u axons, %llu weights, %u fan-out</title></rect>\n",
          s->core[k].n_layers > 1 ? " and more" : "", c->n_neurons, img->arch.neurons,
          c->n_axons, img->arch.axons, (unsigned long long)s->core[k].synapses,
          c->n_fanout);
  if (img->arch.mesh_x <= MAP_MAX)
    fprintf(f, "<text x=\"%u\" y=\"%u\" font-size=\"11\" text-anchor=\"middle\" "
            "fill=\"%s\">%c</text>\n", px + CELL / 2, py + CELL / 2 + 4,
            c->n_neurons * 2 > img->arch.neurons ? "#ffffff" : "#000000",
            layer_letter(s->core[k].top_layer));
}

static void svg_body(FILE *f, const stats *s) {
  const glif_arch *a = &s->img->arch;
  unsigned w = 80 + a->mesh_x * CELL, h = 110 + a->mesh_y * CELL;
  if (w < 400) w = 400; /* room for the title and the legend */
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
          "font-family=\"sans-serif\">\n<rect width=\"%u\" height=\"%u\" "
          "fill=\"#ffffff\"/>\n", w, h, w, h);
  fprintf(f, "<text x=\"40\" y=\"24\" font-size=\"13\">");
  xml_text(f, s->img->model_name);
  fprintf(f, " on ");
  xml_text(f, a->name);
  fprintf(f, ": neuron utilisation per core</text>\n");
  for (uint32_t y = 0; y < a->mesh_y; y++)
    for (uint32_t x = 0; x < a->mesh_x; x++) svg_core(f, s, x, y);
  fprintf(f, "<polygon points=\"%u,%u %u,%u %u,%u\" fill=\"#c03030\"><title>I/O port"
          "</title></polygon>\n", 28u, 40 + a->io_y * CELL + 8, 38u,
          40 + a->io_y * CELL + CELL / 2, 28u, 40 + a->io_y * CELL + CELL - 8);
  unsigned ly = 60 + a->mesh_y * CELL;
  for (int i = 0; i <= 4; i++) {
    char fill[8];
    svg_colour(fill, sizeof fill, i / 4.0);
    fprintf(f, "<rect x=\"%d\" y=\"%u\" width=\"24\" height=\"12\" fill=\"%s\"/>"
            "<text x=\"%d\" y=\"%u\" font-size=\"10\">%d%%</text>\n", 40 + 48 * i, ly,
            fill, 40 + 48 * i, ly + 24, 25 * i);
  }
  fprintf(f, "<rect x=\"%d\" y=\"%u\" width=\"24\" height=\"12\" fill=\"#d0d0d0\"/>"
          "<text x=\"%d\" y=\"%u\" font-size=\"10\">unused</text>\n</svg>\n", 40 + 48 * 5,
          ly, 40 + 48 * 5, ly + 24);
}

/* Written to a temporary file beside the target and renamed: no partial picture. */
static int write_picture(const stats *s, const char *path) {
  glif_ofile o;
  glif_err err;
  if (!glif_ofile_open(&o, path, "the picture", &err)) {
    svg_body(o.f, s);
    if (!glif_ofile_commit(&o, "the picture", &err)) return 0;
  }
  return cli_fail(&err);
}

/* ---- the command ------------------------------------------------------------------------- */

int cmd_inspect(int argc, char **argv) {
  inspect_opts o = {0};
  int rc = parse_args(argc, argv, &o);
  if (rc >= 0) return rc;
  img_image *img = NULL;
  glif_err err;
  glif_err_clear(&err);
  if (img_read(o.path, &img, &err)) return cli_fail(&err);
  inspect_traffic traffic, *t = NULL;
  if (o.run) {
    if (inspect_traffic_load(o.run, img, &traffic, &err)) {
      img_free(img);
      return cli_fail(&err);
    }
    t = &traffic;
  }
  stats s;
  if (stats_build(&s, img)) {
    fprintf(stderr, "glif inspect: out of memory\n");
    rc = 1;
  } else {
    rc = o.json ? print_json(&s, o.path, t) : print_text(&s, &o, t);
    if (!rc && o.picture) rc = write_picture(&s, o.picture);
  }
  stats_free(&s);
  if (t) inspect_traffic_free(t);
  img_free(img);
  return rc;
}
