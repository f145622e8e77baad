/*
 * table.c - the sweep as a table on the terminal: one line per point with what an
 * architect compares first (cores, latency, energy, area, accuracy, agreement with the
 * golden model), Pareto-optimal points marked '*', and the reason beside each point
 * that does not fit. The full figures are in the CSV and JSON (out.c).
 */
#include <string.h>

#include "dse_sweep.h"

static int col_width(const dse_space *s, int k) {
  char name[96];
  dse_space_col_name(s, k, name, sizeof name);
  const int n = (int)strlen(name);
  return n > 6 ? n : 6;
}

static void header(FILE *f, const dse_space *s) {
  char name[96];
  fprintf(f, " P  point");
  for (int k = 0; k < dse_space_n_cols(s); k++) {
    dse_space_col_name(s, k, name, sizeof name);
    fprintf(f, "  %*s", col_width(s, k), name);
  }
  fprintf(f, "  %-9s  %-12s  %6s  %10s  %10s  %9s  %10s  %8s  %7s\n", "mesh", "status",
          "cores", "latency_us", "energy_uJ", "area_mm2", "edp_uJ_us", "accuracy", "golden");
}

static void measured(FILE *f, const dse_row *r) {
  char acc[32] = "-", gold[32] = "-";
  if (r->correct >= 0) snprintf(acc, sizeof acc, "%.4f", r->accuracy);
  if (r->golden_equal >= 0)
    snprintf(gold, sizeof gold, "%lld/%lld", (long long)r->golden_equal, (long long)r->samples);
  fprintf(f, "  %6llu  %10.3f  %10.4f  %9.4f  %10.4g  %8s  %7s", (unsigned long long)r->cores_used,
          r->latency_us, r->energy_pj * 1e-6, r->area.chip_mm2, r->edp_uj_us, acc, gold);
}

static void line(FILE *f, const dse_space *s, const dse_row *r) {
  char v[64], mesh[32] = "-";
  fprintf(f, " %c  %5lld", r->pareto ? '*' : ' ', (long long)r->index);
  for (int k = 0; k < dse_space_n_cols(s); k++) {
    dse_value_text(dse_space_col(s, k), r->swept[k], v, sizeof v);
    fprintf(f, "  %*s", col_width(s, k), v);
  }
  if (r->status != DSE_INVALID && r->mesh_x) snprintf(mesh, sizeof mesh, "%ux%u", r->mesh_x, r->mesh_y);
  fprintf(f, "  %-9s  %-12s", mesh, dse_status_name(r->status));
  if (r->status == DSE_FITS) {
    measured(f, r);
  } else {
    if (r->status == DSE_NOFIT && r->mesh_x)
      fprintf(f, "  %6s  %10s  %10s  %9.4f", "-", "-", "-", r->area.chip_mm2);
    else if (r->status == DSE_NOFIT)
      fprintf(f, "  %6s  %10s  %10s  %9s", "-", "-", "-", "-");
    fprintf(f, "  %.110s", r->reason);
  }
  fputc('\n', f);
}

void dse_table_print(FILE *f, const dse_sweep *sw, const dse_row *rows, int64_t n) {
  int64_t fits = 0, pareto = 0;
  for (int64_t i = 0; i < n; i++) fits += rows[i].status == DSE_FITS, pareto += rows[i].pareto;
  fprintf(f, "glif dse: %s on %s%s, %lld points, %lld fit, %lld Pareto-optimal (*: energy, "
          "latency, area%s)\n", sw->model_name, sw->base.name,
          dse_space_auto_mesh(sw->space) ? " (auto mesh)" : "", (long long)n, (long long)fits,
          (long long)pareto, sw->labels ? ", accuracy" : "");
  fprintf(f, "input: %s%s, %lld sample%s per point; area: %s\n", sw->input_desc,
          sw->o.input_path ? "" : " (synthetic)", (long long)sw->n_samples,
          sw->n_samples == 1 ? "" : "s", dse_area_source(dse_area_builtin()));
  header(f, sw->space);
  for (int64_t i = 0; i < n; i++) line(f, sw->space, &rows[i]);
}
