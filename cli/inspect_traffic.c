/*
 * inspect_traffic.c - `glif inspect CHIP.img --run RUN.json`: the traffic a simulation
 * measured, drawn on the mesh next to the image's static figures. Reads the run report
 * of `glif run --report` (docs/run-report.md): per mesh position, the packets its router
 * sent over links (hops), the cycles packets waited in it (stalls) and the energy of the
 * core and router, all divided by the number of simulated samples.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../fabric/mem.h"
#include "../fabric/ofile.h"
#include "inspect.h"

static double num(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : -1.0;
}

static const char *str(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}


/* The report must describe a run of this very image. */
static int check_image(const cJSON *doc, const img_image *img, const char *path,
                       glif_err *err) {
  const cJSON *im = cJSON_GetObjectItemCaseSensitive(doc, "image");
  if (num(doc, "glif_run_report") != 1 || !cJSON_IsObject(im))
    return glif_errf(err, GLIF_ESYNTAX, path, 0, 0, "not a glif run report (version 1) - "
                     "give the file written by glif run --report");
  if (strcmp(str(im, "model"), img->model_name) || num(im, "mesh_x") != img->arch.mesh_x ||
      num(im, "mesh_y") != img->arch.mesh_y || num(im, "cores_used") != img->n_cores ||
      num(im, "ticks") != img->n_ticks)
    return glif_errf(err, GLIF_EARCH, path, 0, 0, "the run report is of another image "
                     "(model '%s', %g x %g mesh, %g cores, %g ticks; this image: '%s', "
                     "%u x %u, %u cores, %u ticks) - run this image with --report",
                     str(im, "model"), num(im, "mesh_x"), num(im, "mesh_y"),
                     num(im, "cores_used"), num(im, "ticks"), img->model_name,
                     img->arch.mesh_x, img->arch.mesh_y, img->n_cores, img->n_ticks);
  return 0;
}

static int read_cores(inspect_traffic *t, const cJSON *cores, const glif_arch *a,
                      glif_err *err) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cores) {
    const double x = num(c, "x"), y = num(c, "y");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "counts");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(c, "energy_pj");
    if (!(x >= 0 && x < a->mesh_x && y >= 0 && y < a->mesh_y) || !n || !e)
      return glif_errf(err, GLIF_ESYNTAX, t->path, 0, 0, "core entry at (%g, %g) is not "
                       "a mesh position of a %u x %u mesh", x, y, a->mesh_x, a->mesh_y);
    const uint32_t i = (uint32_t)y * a->mesh_x + (uint32_t)x;
    t->hops[i] = num(n, "hops") / (double)t->samples;
    t->stalls[i] = num(n, "router_stalls") / (double)t->samples;
    t->energy[i] = num(e, "total") / (double)t->samples;
  }
  return 0;
}

int inspect_traffic_load(const char *path, const img_image *img, inspect_traffic *t,
                         glif_err *err) {
  memset(t, 0, sizeof *t);
  t->path = path;
  char *text;
  size_t len;
  int rc = glif_read_text(path, "the run report", "give the file written by glif run "
                          "--report", (size_t)1 << 32, &text, &len, err);
  if (rc) return rc;
  t->doc = cJSON_Parse(text);
  glif_free(text);
  if (!t->doc)
    return glif_errf(err, GLIF_ESYNTAX, path, 0, 0, "not valid JSON - give the file "
                     "written by glif run --report");
  rc = check_image(t->doc, img, path, err);
  const cJSON *cores = cJSON_GetObjectItemCaseSensitive(t->doc, "cores");
  const cJSON *totals = cJSON_GetObjectItemCaseSensitive(t->doc, "totals");
  t->samples = (int64_t)num(t->doc, "samples");
  t->n_pos = img->arch.mesh_x * img->arch.mesh_y;
  if (!rc && (!cJSON_IsArray(cores) || t->samples < 1 || !cJSON_IsObject(totals)))
    rc = glif_errf(err, GLIF_ESYNTAX, path, 0, 0, "the run report has no per-core "
                   "figures ('cores', 'samples', 'totals')");
  if (!rc) {
    t->hops = glif_calloc(t->n_pos, sizeof *t->hops);
    t->stalls = glif_calloc(t->n_pos, sizeof *t->stalls);
    t->energy = glif_calloc(t->n_pos, sizeof *t->energy);
    if (!t->hops || !t->stalls || !t->energy)
      rc = glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory");
  }
  if (!rc) rc = read_cores(t, cores, &img->arch, err);
  if (!rc) {
    t->total_energy = num(cJSON_GetObjectItemCaseSensitive(totals, "energy_pj"), "total") /
                      (double)t->samples;
    t->cycles = num(totals, "cycles") / (double)t->samples;
    t->busiest = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(t->doc, "links"), "busiest");
  }
  if (rc) inspect_traffic_free(t);
  return rc;
}

void inspect_traffic_free(inspect_traffic *t) {
  glif_free(t->hops), glif_free(t->stalls), glif_free(t->energy);
  cJSON_Delete(t->doc);
  memset(t, 0, sizeof *t);
}

/* Sum of v over the block of b x b positions with corner (bx, by). */
static double block_sum(const double *v, const glif_arch *a, uint32_t bx, uint32_t by,
                        uint32_t b) {
  double s = 0;
  for (uint32_t y = by; y < by + b && y < a->mesh_y; y++)
    for (uint32_t x = bx; x < bx + b && x < a->mesh_x; x++) s += v[y * a->mesh_x + x];
  return s;
}

/* A map of v with five shades: none, then quarters of the largest block value. */
static void print_map(const char *title, const double *v, const glif_arch *a,
                      const char *const *shade, const char *unit) {
  const uint32_t b = inspect_block_of(a);
  double max = 0;
  for (uint32_t y = 0; y < a->mesh_y; y += b)
    for (uint32_t x = 0; x < a->mesh_x; x += b) {
      const double s = block_sum(v, a, x, y, b);
      if (s > max) max = s;
    }
  printf("%s\n", title);
  if (b > 1) printf("(each character is a block of %u x %u cores)\n", b, b);
  inspect_map_axis(a, b);
  for (uint32_t y = 0; y < a->mesh_y; y += b) {
    printf("  %c%3u ", a->io_y >= y && a->io_y < y + b ? '>' : ' ', y % 1000);
    for (uint32_t x = 0; x < a->mesh_x; x += b) {
      const double s = block_sum(v, a, x, y, b);
      const int level = s <= 0 ? 0 : (int)ceil(4 * s / max); /* quarters of the max */
      printf("%s", shade[level > 4 ? 4 : level]);
    }
    printf("\n");
  }
  printf("  %s > 75%%  %s > 50%%  %s > 25%%  %s > 0  %s none or not in the report"
         "   (100%% = %.4g %s)\n\n",
         shade[4], shade[3], shade[2], shade[1], shade[0], max, unit);
}

void inspect_traffic_print(const inspect_traffic *t, const img_image *img,
                           const char *const *shade) {
  const glif_arch *a = &img->arch;
  printf("measured traffic (%s: %lld samples; per inference: %.1f cycles, %.4g pJ)\n\n",
         t->path, (long long)t->samples, t->cycles, t->total_energy);
  print_map("packets each router sends over its links, per inference", t->hops, a, shade,
            "packets");
  print_map("cycles packets wait in each router (contention), per inference", t->stalls, a,
            shade, "packet-cycles");
  print_map("energy of each core and its router, per inference", t->energy, a, shade, "pJ");
  const cJSON *l;
  int k = 0;
  printf("busiest links (packets over the whole run)\n");
  cJSON_ArrayForEach(l, t->busiest) {
    if (k++ == 5) break;
    printf("  (%g, %g) %-2s %12.0f\n", num(l, "x"), num(l, "y"), str(l, "dir"), num(l, "load"));
  }
  printf("\n");
}

void inspect_traffic_json(cJSON *root, const inspect_traffic *t, const img_image *img) {
  cJSON *o = cJSON_AddObjectToObject(root, "traffic");
  if (!o) return;
  cJSON_AddStringToObject(o, "run_report", t->path);
  cJSON_AddNumberToObject(o, "samples", (double)t->samples);
  cJSON_AddNumberToObject(o, "cycles_per_inference", t->cycles);
  cJSON_AddNumberToObject(o, "energy_pj_per_inference", t->total_energy);
  cJSON *arr = cJSON_AddArrayToObject(o, "positions");
  for (uint32_t i = 0; arr && i < t->n_pos; i++) {
    cJSON *p = cJSON_CreateObject();
    if (!p) return;
    cJSON_AddNumberToObject(p, "x", i % img->arch.mesh_x);
    cJSON_AddNumberToObject(p, "y", i / img->arch.mesh_x);
    cJSON_AddNumberToObject(p, "hops", t->hops[i]);
    cJSON_AddNumberToObject(p, "router_stalls", t->stalls[i]);
    cJSON_AddNumberToObject(p, "energy_pj", t->energy[i]);
    cJSON_AddItemToArray(arr, p);
  }
}
