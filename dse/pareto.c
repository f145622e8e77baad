/*
 * pareto.c - which designs are worth looking at: a fitting point is Pareto-optimal when
 * no other fitting point is at least as good on energy, latency and chip area (all
 * minimised) and on accuracy (maximised, when both points were scored against labels)
 * and strictly better on one of them. Accuracy matters when the sweep changes the
 * arithmetic (weight or membrane widths); otherwise every design computes the same
 * outputs and it never decides.
 *
 *   rows (sweep.c) -> PARETO -> '*' in the table, "pareto" column, highlighted in the plot
 *
 * O(n^2) over the fitting points: sweeps have thousands of points at most.
 */
#include "dse.h"

static int dominates(const dse_row *a, const dse_row *b) {
  const int scored = a->correct >= 0 && b->correct >= 0;
  const int no_worse = a->energy_pj <= b->energy_pj && a->latency_us <= b->latency_us &&
                       a->area.chip_mm2 <= b->area.chip_mm2 &&
                       (!scored || a->accuracy >= b->accuracy);
  const int better = a->energy_pj < b->energy_pj || a->latency_us < b->latency_us ||
                     a->area.chip_mm2 < b->area.chip_mm2 || (scored && a->accuracy > b->accuracy);
  return no_worse && better;
}

void dse_pareto_mark(dse_row *rows, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    rows[i].pareto = rows[i].status == DSE_FITS;
    for (int64_t j = 0; rows[i].pareto && j < n; j++)
      if (j != i && rows[j].status == DSE_FITS && dominates(&rows[j], &rows[i]))
        rows[i].pareto = 0;
  }
}
