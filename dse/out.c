/*
 * out.c - the sweep's results as a CSV, as JSON and as a terminal table.
 *
 *   rows (sweep.c, pareto.c) -> OUT -> results.csv, results.json, the terminal
 *
 * One column table drives the CSV and the JSON, so the two always carry the same
 * fields under the same names (docs/dse.md lists them; they are a public interface:
 * add columns at the end, never rename). Swept fields come first. A value that does not
 * apply (a point that does not fit has no latency; no labels, no accuracy) is an empty
 * CSV cell and a JSON null. Numbers are printed exactly enough to round-trip
 * (%.17g for reals), so two identical sweeps give byte-identical files.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fabric/ofile.h"
#include "dse_sweep.h"

/* When a column has a value. */
enum need { ALWAYS, VALID, MESHED, FITS, SIMULATED, LABELS, GOLDEN, TIMING };
enum type { U64, I64, U32, F64, STATUS, REASON, MESH, LINK, DIR_ };

typedef struct col {
  const char *name;
  int need, type;
  size_t off;
} col;

#define R(f) offsetof(dse_row, f)
#define E(c) (R(energy_cat) + (c) * sizeof(double))

static const col cols[] = {
    {"point", ALWAYS, I64, R(index)},
    {"status", ALWAYS, STATUS, 0},
    {"reason", ALWAYS, REASON, 0},
    {"mesh", MESHED, MESH, 0},
    {"mesh_cores", MESHED, U64, R(mesh_cores)},
    {"cores_used", FITS, U64, R(cores_used)},
    {"neurons", FITS, U64, R(neurons)},
    {"relay_neurons", FITS, U64, R(relay_neurons)},
    {"relay_layers", FITS, U64, R(relay_layers)},
    {"synapses", FITS, U64, R(synapses)},
    {"crossbar_cells", FITS, U64, R(crossbar_cells)},
    {"crossbar_nonzero", FITS, U64, R(crossbar_nonzero)},
    {"crossbar_fill", FITS, F64, R(crossbar_fill)},
    {"chip_fill", FITS, F64, R(chip_fill)},
    {"fanout_entries", FITS, U64, R(fanout_entries)},
    {"input_entries", FITS, U64, R(input_entries)},
    {"image_bytes", FITS, U64, R(image_bytes)},
    {"samples", SIMULATED, I64, R(samples)},
    {"latency_cycles", SIMULATED, F64, R(latency_cycles)},
    {"latency_us", SIMULATED, F64, R(latency_us)},
    {"energy_pj", SIMULATED, F64, R(energy_pj)},
    {"e_synop_pj", SIMULATED, F64, E(SIM_E_SYNOP)},
    {"e_mac_pj", SIMULATED, F64, E(SIM_E_MAC)},
    {"e_row_read_pj", SIMULATED, F64, E(SIM_E_ROW_READ)},
    {"e_update_pj", SIMULATED, F64, E(SIM_E_UPDATE)},
    {"e_spike_pj", SIMULATED, F64, E(SIM_E_SPIKE)},
    {"e_packet_pj", SIMULATED, F64, E(SIM_E_PACKET)},
    {"e_hop_pj", SIMULATED, F64, E(SIM_E_HOP)},
    {"e_barrier_pj", SIMULATED, F64, E(SIM_E_BARRIER)},
    {"e_static_pj", SIMULATED, F64, E(SIM_E_STATIC)},
    {"edp_uj_us", SIMULATED, F64, R(edp_uj_us)},
    {"accuracy", LABELS, F64, R(accuracy)},
    {"golden_equal", GOLDEN, I64, R(golden_equal)},
    {"spike_agreement", GOLDEN, F64, R(spike_agreement)},
    {"spikes", SIMULATED, F64, R(spikes)},
    {"packets", SIMULATED, F64, R(packets)},
    {"hops", SIMULATED, F64, R(hops)},
    {"router_stalls", SIMULATED, F64, R(router_stalls)},
    {"busiest_link", SIMULATED, F64, R(busiest_link)},
    {"busiest_link_at", SIMULATED, LINK, 0},
    {"core_logic_cells", VALID, F64, R(area.logic_cells)},
    {"core_flipflops", VALID, F64, R(area.flipflops)},
    {"core_memory_bits", VALID, F64, R(area.memory_bits)},
    {"core_area_um2", VALID, F64, R(area.core_um2)},
    {"chip_area_mm2", MESHED, F64, R(area.chip_mm2)},
    {"pareto", ALWAYS, I64, 0},
    {"compile_s", TIMING, F64, R(compile_s)},
    {"sim_s", TIMING, F64, R(sim_s)},
};
#define NCOLS (sizeof cols / sizeof cols[0])

static int applies(const col *c, const dse_row *r, const dse_out_opts *o) {
  switch (c->need) {
  case VALID: return r->status == DSE_FITS || r->status == DSE_NOFIT;
  case MESHED: return (r->status == DSE_FITS || r->status == DSE_NOFIT) && r->mesh_x > 0;
  case FITS: return r->status == DSE_FITS;
  case SIMULATED: return r->status == DSE_FITS && r->samples > 0;
  case LABELS: return r->status == DSE_FITS && r->correct >= 0;
  case GOLDEN: return r->status == DSE_FITS && r->golden_equal >= 0;
  case TIMING: return o->timing;
  default: return 1;
  }
}

static const char *const dir_names[4] = {"N", "E", "S", "W"};

/* The cell of column c for row r as text ("" when it does not apply). */
static void cell(const col *c, const dse_row *r, const dse_out_opts *o, char *buf, size_t size) {
  const char *p = (const char *)r + c->off;
  buf[0] = '\0';
  if (!applies(c, r, o)) return;
  if (!strcmp(c->name, "pareto")) snprintf(buf, size, "%d", r->pareto);
  else if (c->type == U64) snprintf(buf, size, "%llu", (unsigned long long)*(const uint64_t *)p);
  else if (c->type == I64) snprintf(buf, size, "%lld", (long long)*(const int64_t *)p);
  else if (c->type == F64) snprintf(buf, size, "%.17g", *(const double *)p);
  else if (c->type == STATUS) snprintf(buf, size, "%s", dse_status_name(r->status));
  else if (c->type == REASON) snprintf(buf, size, "%s", r->reason);
  else if (c->type == MESH) snprintf(buf, size, "%ux%u", r->mesh_x, r->mesh_y);
  else if (c->type == LINK && r->busiest_dir >= 0)
    snprintf(buf, size, "%u,%u,%s", r->busiest_x, r->busiest_y, dir_names[r->busiest_dir & 3]);
}

static int col_used(const col *c, const dse_out_opts *o) { return c->need != TIMING || o->timing; }

/* ---- CSV ---------------------------------------------------------------------------------- */

static void csv_text(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s == '\n' ? ' ' : *s, f);
  }
  fputc('"', f);
}

int dse_csv_header(FILE *f, const dse_space *s, const dse_out_opts *o) {
  char name[96];
  for (int k = 0; k < dse_space_n_cols(s); k++) {
    dse_space_col_name(s, k, name, sizeof name);
    fprintf(f, "%s,", name);
  }
  int first = 1;
  for (size_t i = 0; i < NCOLS; i++)
    if (col_used(&cols[i], o)) fprintf(f, "%s%s", first ? "" : ",", cols[i].name), first = 0;
  fputc('\n', f);
  return ferror(f) ? GLIF_EIO : 0;
}

static void csv_row(FILE *f, const dse_space *s, const dse_row *r, const dse_out_opts *o) {
  char buf[DSE_REASON_MAX + 64];
  for (int k = 0; k < dse_space_n_cols(s); k++) {
    dse_value_text(dse_space_col(s, k), r->swept[k], buf, sizeof buf);
    fprintf(f, "%s,", buf);
  }
  int first = 1;
  for (size_t i = 0; i < NCOLS; i++) {
    if (!col_used(&cols[i], o)) continue;
    if (!first) fputc(',', f);
    first = 0;
    cell(&cols[i], r, o, buf, sizeof buf);
    csv_text(f, buf);
  }
  fputc('\n', f);
}

int dse_csv_print(FILE *f, const dse_sweep *sw, const dse_row *rows, int64_t n,
                  const dse_out_opts *o) {
  dse_csv_header(f, sw->space, o);
  for (int64_t i = 0; i < n; i++) csv_row(f, sw->space, &rows[i], o);
  return ferror(f) ? GLIF_EIO : 0;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static int json_oom; /* set by the hook; JSON is built by one thread at a time */

static void *json_malloc(size_t n) {
  void *p = glif_malloc(n);
  if (!p) json_oom = 1;
  return p;
}

static void json_cell(cJSON *obj, const col *c, const dse_row *r, const dse_out_opts *o) {
  char buf[DSE_REASON_MAX + 64];
  const char *p = (const char *)r + c->off;
  if (!applies(c, r, o) || (c->type == LINK && r->busiest_dir < 0)) {
    cJSON_AddNullToObject(obj, c->name);
  } else if (!strcmp(c->name, "pareto")) {
    cJSON_AddBoolToObject(obj, c->name, r->pareto);
  } else if (c->type == U64) {
    cJSON_AddNumberToObject(obj, c->name, (double)*(const uint64_t *)p);
  } else if (c->type == I64) {
    cJSON_AddNumberToObject(obj, c->name, (double)*(const int64_t *)p);
  } else if (c->type == F64) {
    cJSON_AddNumberToObject(obj, c->name, *(const double *)p);
  } else {
    cell(c, r, o, buf, sizeof buf);
    cJSON_AddStringToObject(obj, c->name, buf);
  }
}

static cJSON *json_row(const dse_space *s, const dse_row *r, const dse_out_opts *o) {
  cJSON *obj = cJSON_CreateObject(), *sw = cJSON_CreateObject();
  char name[96];
  for (int k = 0; k < dse_space_n_cols(s); k++) {
    dse_space_col_name(s, k, name, sizeof name);
    cJSON_AddNumberToObject(sw, name, r->swept[k]);
  }
  cJSON_AddItemToObject(obj, "swept", sw);
  for (size_t i = 0; i < NCOLS; i++)
    if (col_used(&cols[i], o)) json_cell(obj, &cols[i], r, o);
  return obj;
}

static cJSON *json_head(const dse_sweep *sw) {
  cJSON *root = cJSON_CreateObject(), *names = cJSON_CreateArray();
  char name[96];
  cJSON_AddNumberToObject(root, "glif_dse_report", 1);
  cJSON_AddStringToObject(root, "model", sw->model_name);
  cJSON_AddStringToObject(root, "model_path", sw->o.model_path);
  cJSON_AddStringToObject(root, "base_arch", sw->base.name);
  cJSON_AddStringToObject(root, "input", sw->input_desc);
  cJSON_AddBoolToObject(root, "synthetic_input", sw->o.input_path == NULL);
  cJSON_AddNumberToObject(root, "samples", (double)sw->n_samples);
  cJSON_AddBoolToObject(root, "auto_mesh", dse_space_auto_mesh(sw->space));
  cJSON_AddStringToObject(root, "area_model", dse_area_source(dse_area_builtin()));
  for (int k = 0; k < dse_space_n_cols(sw->space); k++) {
    dse_space_col_name(sw->space, k, name, sizeof name);
    cJSON_AddItemToArray(names, cJSON_CreateString(name));
  }
  cJSON_AddItemToObject(root, "swept", names);
  return root;
}

int dse_json_print(FILE *f, const dse_sweep *sw, const dse_row *rows, int64_t n,
                   const dse_out_opts *o, glif_err *err) {
  cJSON_Hooks hooks = {json_malloc, glif_free};
  cJSON_InitHooks(&hooks);
  json_oom = 0;
  cJSON *root = json_head(sw), *arr = cJSON_CreateArray();
  for (int64_t i = 0; i < n; i++) cJSON_AddItemToArray(arr, json_row(sw->space, &rows[i], o));
  cJSON_AddItemToObject(root, "points", arr);
  char *text = json_oom ? NULL : cJSON_Print(root);
  cJSON_Delete(root);
  if (!text || json_oom) {
    glif_free(text);
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory building the JSON report");
  }
  fputs(text, f);
  fputc('\n', f);
  glif_free(text);
  return ferror(f) ? glif_errf(err, GLIF_EIO, NULL, 0, 0, "cannot write the JSON report") : 0;
}

/* ---- writing files atomically ------------------------------------------------------------------ */

int dse_write_atomic(const char *path, dse_writer_fn fn, void *ctx, glif_err *err) {
  glif_ofile o;
  int rc = glif_ofile_open(&o, path, "the output", err);
  if (rc) return rc;
  if ((rc = fn(o.f, ctx, err))) {
    glif_ofile_abort(&o);
    return rc;
  }
  return glif_ofile_commit(&o, "the output", err);
}
