/*
 * map.h - mapping: partition onto cores, placement on the mesh, routing (fan-out
 * tables), emission of the chip image and of compile.json.
 *
 *   lower -> drc -> PARTITION -> PLACE -> ROUTE -> EMIT
 *
 * A core holds one TILE: a box of one layer's neurons, (channels of one chunk) x rows
 * x columns. Every layer is cut into equal tiles (the last ones along each dimension
 * may be smaller); the partitioner chooses each layer's tile shape (map_plan) so that a
 * tile's neurons, parameter groups, axons (the union of its neurons' receptive fields,
 * times parallel copies) and fan-out entries fit a core. Layers are planned from the
 * last to the first, so the fan-out of a layer is known exactly (its consumers are
 * already tiled) when its own tiles are chosen.
 *
 * Axons of a core, in order: term by term (lower.h), then by source neuron index, then
 * by parallel copy; a source neuron gets one axon per copy its largest weight into the
 * core needs, and none when all its weights into the core are zero. A partial-sum
 * term gives axon i to the core's neuron i. Crossbar cell (a, j) is the share of the
 * weight of axon a's source on neuron j carried by that copy (lower.h: lw_copy_part).
 *
 * Fan-out entries of a source neuron are ordered by destination core index, then axon.
 */
#ifndef GLIF_MAP_H
#define GLIF_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../compiler/compile.h"
#include "../compiler/lower.h"
#include "../fabric/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The partitioner's objective: a core costs MAP_CORE_WEIGHT of its crossbar in cells,
 * so a shape with more cores wins when it saves more than that many unused cells per
 * extra core (the image, the simulator's memory and the per-packet accumulation all
 * scale with the cells). When the result does not fit the mesh, planning starts over
 * with the fewest cores first. */
#define MAP_CORE_WEIGHT 0.25

/* One layer's tiling. Tile t of the layer (0 .. n_tiles-1) is
 *   t = ((by * nbx + bx) * n_chunks + chunk) * nbc + bc
 * so tiles of one spatial block (all chunks, all channel blocks) are consecutive. */
typedef struct map_plan {
  int tc, ty, tx;          /* tile size: channels (within a chunk), rows, columns */
  int nbc, nby, nbx;       /* tiles along channels (per chunk), rows, columns */
  int64_t first_tile;      /* index of the layer's first tile in map_result.tiles */
  int64_t n_tiles;
  int64_t rows_bound;      /* largest axon bound over its tiles */
  int64_t fanout_max;      /* largest fan-out entry count over its tiles */
  int groups_max;          /* largest group count over its tiles */
  int fail;                /* MAP_FAIL_* bits: no tile shape fits */
  int64_t fanout_limited;  /* > 0: the fan-out table made tiles smaller than this many
                              neurons, the best shape for neurons, groups and axons */
} map_plan;

enum { MAP_FAIL_ROWS = 1, MAP_FAIL_FANOUT = 2 };

/* One core's neurons: layer, chunk, and a box in target coordinates. */
typedef struct map_tile {
  int32_t layer, chunk;
  int32_t c0, c1;          /* channels within the chunk, [c0, c1) */
  int32_t y0, y1, x0, x1;  /* rows and columns, [y0, y1) x [x0, x1) */
  uint32_t core;           /* core index y * mesh_x + x (place) */
  uint32_t n_axons;        /* exact axon count (route) */
  uint32_t n_groups;       /* parameter groups (partition) */
  uint32_t n_fanout;       /* fan-out entries of its neurons (route) */
  uint64_t nnz;            /* non-zero crossbar cells (emit) */
  uint32_t n_input;        /* axons fed by the host (map_tile_graph) */
} map_tile;

/* Fan-out lists of one source layer, CSR by neuron index. */
typedef struct map_fan {
  uint32_t *count;         /* [n] entries per neuron (partition) */
  int64_t *start;          /* [n + 1] (route) */
  img_fanout *e;           /* [start[n]] (route) */
} map_fan;

typedef struct map_result {
  int n_layers;
  map_plan *plan;          /* [n_layers] */
  int64_t n_tiles;
  map_tile *tiles;         /* layer by layer, each in map_plan order */
  int64_t *order;          /* [n_tiles] tile indices by increasing core index (place) */
  int64_t *core_tile;      /* [mesh cores]: tile on that core, or -1 (place) */
  map_fan input;           /* host input fan-out (INPUT section) */
  map_fan *fan;            /* [n_layers] */
  int planned, placed, routed;
  int quick;               /* planned without fan-out (map_plan_all) */
  int cores_first;         /* planned for the fewest cores (the mesh was too small) */
  int preplaced;           /* the partitioner chose the cores (metis): place keeps them */
  const char *partitioner; /* "greedy" or "metis" */
  const char *placer;      /* "rowmajor", "snake", "hilbert" */
  int64_t fanout_total;    /* entries over all cores */
  int64_t input_entries;
  int64_t axons_total;
  double est_hops;         /* sum over core fan-out entries of the XY hop count */
  uint64_t cells, nnz;     /* crossbar cells used and non-zero (emit) */
  uint64_t image_bytes;    /* emit */
} map_result;

/* ---- partition ----------------------------------------------------------------- */

/* Chooses every layer's tile shape (analytic: no crossbar is filled) and the exact
 * per-neuron fan-out counts. Run by drc (so the mesh rule knows the exact core count)
 * and by partition when drc did not. Fit failures are marked in plan[].fail, not
 * returned; the return value is 0 or GLIF_ENOMEM-style failures. quick = 1 skips the
 * fan-out counts and limits: shapes from neurons, groups and axons only, a lower bound
 * on the cores, for a network already known not to fit. */
int map_plan_all(cc_ctx *ctx, int quick, glif_err *err);

/* The tile traffic graph (graph.c): symmetric CSR over the tiles, edge weight = the
 * fan-out entries between two tiles; sets every tile's n_input (host packets). */
typedef struct map_graph {
  int64_t n;
  int64_t *xadj;  /* [n + 1] */
  int64_t *adj;   /* neighbour tiles */
  int64_t *wgt;   /* entries between the two tiles, both directions */
} map_graph;

int map_tile_graph(const cc_ctx *ctx, map_graph *g, glif_err *err);
void map_graph_free(map_graph *g);

/* The METIS partitioner (--partition metis): the greedy tiles assigned to cores by
 * recursive bisection of their traffic graph in step with the mesh (metis.c). */
int map_partition_metis(cc_ctx *ctx, glif_err *err);

/* Invariant check of ctx->map after partition, place or route (debug builds run it
 * between passes): tiles cover every layer exactly, cores are unique and on the mesh,
 * every core's axons and fan-out fit, every entry points at a used core and axon. */
int map_check(const cc_ctx *ctx, glif_err *err);

/* Geometry of tile t (0-based within layer L). */
map_tile map_tile_geom(const lw_layer *L, const map_plan *p, int64_t t);

/* Tile (global index) holding neuron `index` of layer L, and its index in that core. */
int64_t map_tile_of(const map_result *m, const lw_net *n, int L, int64_t index,
                    uint32_t *local);

/* Neurons of a tile and the layer index of its i-th neuron. */
int64_t map_tile_neurons(const map_tile *t);
int64_t map_tile_neuron_index(const lw_layer *L, const map_tile *t, int64_t i);

/* ---- axons of a tile (shared by partition, route and emit) ----------------------- */

typedef struct map_axon {
  int32_t term;            /* index into the layer's terms */
  uint32_t copy;           /* parallel copy 0.. */
  int64_t src;             /* source neuron; PSUM: the target's index in the core */
} map_axon;

typedef struct map_scratch map_scratch;

map_scratch *map_scratch_create(void);
void map_scratch_destroy(map_scratch *s);

/* Enumerates tile t's axons in axon order into *out (valid until the next call).
 * with_weights also prepares what map_fill_crossbar needs. */
int map_tile_axons(const lw_net *n, const map_tile *t, map_scratch *s, int with_weights,
                   const map_axon **out, int64_t *n_out, glif_err *err);

/* Fills the crossbar (n_axons x tile neurons, zeroed by the caller) of the tile whose
 * axons were last enumerated with with_weights = 1; *nnz = non-zero cells. */
int map_fill_crossbar(const lw_net *n, const map_tile *t, map_scratch *s, int8_t *xbar,
                      uint64_t *nnz, glif_err *err);

/* Calls fn(src_layer, src_neuron, axon, term) for every packet source of every axon
 * of tile t (a partial-sum axon has one source per chunk). */
typedef int (*map_source_fn)(void *user, int src_layer, int64_t src, uint32_t axon,
                             const lw_term *term);
int map_tile_sources(const lw_net *n, const map_tile *t, map_scratch *s, void *user,
                     map_source_fn fn, glif_err *err);

/* ---- place, route, emit, report ------------------------------------------------ */

/* Sequence of core indices a placer visits (mesh-sized, every core once). */
int map_place_sequence(const glif_arch *a, const char *placer, uint32_t *seq,
                       glif_err *err);

/* Builds core `i` (in core order) of the image: arrays allocated with glif_malloc, to be
 * released with map_core_free. Needs route. */
int map_build_core(const cc_ctx *ctx, int64_t i, map_scratch *s, img_core *core,
                   glif_err *err);
void map_core_free(img_core *core);

/* Layer table, input map and output map of the image (arrays with glif_malloc). */
int map_build_layers(const cc_ctx *ctx, img_layer **layers, glif_err *err);
int map_build_input(const cc_ctx *ctx, img_input *in, glif_err *err);
int map_build_outputs(const cc_ctx *ctx, img_output **out, uint32_t *n, glif_err *err);

/* The whole image in memory (tests and small tools); free with map_image_free. */
int map_build_image(const cc_ctx *ctx, img_image *img, glif_err *err);
void map_image_free(img_image *img);

/* compile.json (atomically) and the terminal summary. */
int map_write_report(const cc_ctx *ctx, const char *path, int with_timing,
                     glif_err *err);
void map_print_summary(const cc_ctx *ctx, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_MAP_H */
