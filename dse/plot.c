/*
 * plot.c - the sweep as a picture: an SVG with two panels, energy per inference against
 * latency and against chip area, one dot per fitting point, the Pareto-optimal points
 * in red. Written directly (no gnuplot at run time); hovering a dot shows its point
 * number and swept values. Axes switch to a log scale when the values span more than
 * a factor of 20.
 */
#include <math.h>
#include <string.h>

#include "dse_sweep.h"

#define W 480.0      /* panel width, px */
#define H 400.0      /* panel height */
#define ML 70.0      /* margins: left, right, top, bottom */
#define MR 20.0
#define MT 40.0
#define MB 50.0

typedef struct axis {
  double lo, hi;
  int log;
} axis;

typedef double (*getter)(const dse_row *);

static double g_latency(const dse_row *r) { return r->latency_us; }
static double g_area(const dse_row *r) { return r->area.chip_mm2; }
static double g_energy(const dse_row *r) { return r->energy_pj * 1e-6; }

static axis make_axis(const dse_row *rows, int64_t n, getter g) {
  axis a = {INFINITY, -INFINITY, 0};
  for (int64_t i = 0; i < n; i++)
    if (rows[i].status == DSE_FITS) a.lo = fmin(a.lo, g(&rows[i])), a.hi = fmax(a.hi, g(&rows[i]));
  a.log = a.lo > 0 && a.hi / a.lo > 20;
  if (a.log) {
    a.lo = pow(10, floor(log10(a.lo))), a.hi = pow(10, ceil(log10(a.hi)));
  } else {
    const double pad = a.hi > a.lo ? 0.08 * (a.hi - a.lo) : fmax(fabs(a.hi) * 0.1, 1e-9);
    a.lo = fmax(0, a.lo - pad), a.hi += pad;
  }
  return a;
}

/* Fraction 0..1 of v along the axis. */
static double frac(const axis *a, double v) {
  if (a->log) return (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
  return (v - a->lo) / (a->hi - a->lo);
}

/* Tick values: 1, 2, 5 x 10^k inside a log axis; multiples of a 1-2-5 step on a linear
 * one. Returns how many (at most max). */
static int ticks(const axis *a, double *v, int max) {
  int n = 0;
  if (a->log) {
    for (double d = floor(log10(a->lo)); d <= ceil(log10(a->hi)) && n < max; d++)
      for (int m = 0; m < 3 && n < max; m++) {
        const double t = (m == 0 ? 1 : m == 1 ? 2 : 5) * pow(10, d);
        if (t >= a->lo * (1 - 1e-9) && t <= a->hi * (1 + 1e-9)) v[n++] = t;
      }
    return n;
  }
  const double raw = (a->hi - a->lo) / 5, mag = pow(10, floor(log10(raw)));
  const double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
  for (double t = ceil(a->lo / step) * step; t <= a->hi * (1 + 1e-12) && n < max; t += step)
    v[n++] = fabs(t) < 1e-12 * step ? 0 : t;
  return n;
}

static void ticks_x(FILE *f, const axis *a, double x0) {
  double v[40];
  const int n = ticks(a, v, 40);
  for (int k = 0; k < n; k++) {
    const double x = x0 + ML + frac(a, v[k]) * (W - ML - MR);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>\n", x, MT, x, H - MB);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", x, H - MB + 16, v[k]);
  }
}

static void ticks_y(FILE *f, const axis *a, double x0) {
  double v[40];
  const int n = ticks(a, v, 40);
  for (int k = 0; k < n; k++) {
    const double y = H - MB - frac(a, v[k]) * (H - MT - MB);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>\n", x0 + ML, y, x0 + W - MR, y);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", x0 + ML - 6, y + 4, v[k]);
  }
}

/* Text with the XML special characters escaped. */
static void xml_text(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '<') fputs("&lt;", f);
    else if (*s == '>') fputs("&gt;", f);
    else if (*s == '&') fputs("&amp;", f);
    else if (*s == '"') fputs("&quot;", f);
    else fputc(*s, f);
  }
}

static void dot(FILE *f, const dse_sweep *sw, const dse_row *r, double x, double y) {
  char v[64];
  fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\" stroke=\"#222\"><title>point %lld",
          x, y, r->pareto ? "5" : "3.5", r->pareto ? "#d62728" : "#9ecae1", (long long)r->index);
  for (int k = 0; k < dse_space_n_cols(sw->space); k++) {
    char name[96];
    dse_space_col_name(sw->space, k, name, sizeof name);
    dse_value_text(dse_space_col(sw->space, k), r->swept[k], v, sizeof v);
    fprintf(f, ", %s=%s", name, v);
  }
  fprintf(f, ", mesh %ux%u%s</title></circle>\n", r->mesh_x, r->mesh_y, r->pareto ? ", Pareto" : "");
}

static void panel(FILE *f, const dse_sweep *sw, const dse_row *rows, int64_t n, double x0,
                  getter gx, const char *xlabel) {
  const axis ax = make_axis(rows, n, gx), ay = make_axis(rows, n, g_energy);
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n",
          x0 + ML, MT, W - ML - MR, H - MT - MB);
  ticks_x(f, &ax, x0);
  ticks_y(f, &ay, x0);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s%s</text>\n",
          x0 + ML + (W - ML - MR) / 2, H - 12, xlabel, ax.log ? " (log)" : "");
  fprintf(f, "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\">"
          "energy per inference, uJ%s</text>\n", x0 + 16, MT + (H - MT - MB) / 2, ay.log ? " (log)" : "");
  for (int pass = 0; pass < 2; pass++) /* Pareto points drawn last, on top */
    for (int64_t i = 0; i < n; i++) {
      const dse_row *r = &rows[i];
      if (r->status != DSE_FITS || r->pareto != pass) continue;
      dot(f, sw, r, x0 + ML + frac(&ax, gx(r)) * (W - ML - MR),
          H - MB - frac(&ay, g_energy(r)) * (H - MT - MB));
    }
}

int dse_plot_print(FILE *f, const dse_sweep *sw, const dse_row *rows, int64_t n) {
  int64_t fits = 0;
  for (int64_t i = 0; i < n; i++) fits += rows[i].status == DSE_FITS;
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
          2 * W, H);
  fprintf(f, "<text x=\"%.0f\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">glif dse: ", W);
  xml_text(f, sw->model_name);
  fputs(" on ", f);
  xml_text(f, sw->base.name);
  fprintf(f, ", %lld of %lld points fit; red: Pareto-optimal (energy, latency, area%s)</text>\n",
          (long long)fits, (long long)n, sw->labels ? ", accuracy" : "");
  if (fits == 0) {
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">no point fits: nothing to plot</text>\n", W, H / 2);
  } else {
    panel(f, sw, rows, n, 0, g_latency, "latency per inference, us");
    panel(f, sw, rows, n, W, g_area, "chip area, mm^2");
  }
  fprintf(f, "</svg>\n");
  return ferror(f) ? GLIF_EIO : 0;
}
