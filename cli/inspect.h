/*
 * inspect.h - internals of `glif inspect` shared by cmd_inspect.c (the image's static
 * figures) and inspect_traffic.c (measured traffic from a `glif run --report` file).
 */
#ifndef GLIF_INSPECT_H
#define GLIF_INSPECT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "../fabric/image.h"

#define MAP_MAX 64 /* a map shows at most this many characters per row */

/* Cores per map character along each axis, so that a map is at most MAP_MAX wide. */
uint32_t inspect_block_of(const glif_arch *a);
/* Prints the column labels of a map drawn with blocks of b x b cores. */
void inspect_map_axis(const glif_arch *a, uint32_t b);

/* What one `glif run --report` file measured, per mesh position, per inference. */
typedef struct inspect_traffic {
  const char *path;
  int64_t samples;
  uint32_t n_pos;        /* mesh_x * mesh_y */
  double *hops;          /* [n_pos] packets sent over links from this router */
  double *stalls;        /* [n_pos] packet-cycles eligible packets waited in this router */
  double *energy;        /* [n_pos] pJ of the core and its router, static included */
  double total_energy;   /* pJ per inference (sum over positions, I/O port included) */
  double cycles;         /* mean latency in cycles */
  cJSON *busiest;        /* the report's busiest links (owned by doc) */
  cJSON *doc;
} inspect_traffic;

/* Loads and checks a run report against the image it must come from (same model,
 * mesh, cores and ticks). */
int inspect_traffic_load(const char *path, const img_image *img, inspect_traffic *t,
                         glif_err *err);
void inspect_traffic_free(inspect_traffic *t);
void inspect_traffic_print(const inspect_traffic *t, const img_image *img,
                           const char *const *shades);
/* Adds a "traffic" object to root. */
void inspect_traffic_json(cJSON *root, const inspect_traffic *t, const img_image *img);

#endif /* GLIF_INSPECT_H */
