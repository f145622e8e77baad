/*
 * test_pareto.c - Pareto marking on crafted rows: dominated points, ties, points that
 * do not fit (never Pareto, never dominating), one-dimension trade-offs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "dse/dse.h"

static dse_row row(int status, double energy, double latency, double area) {
  dse_row r;
  memset(&r, 0, sizeof r);
  r.status = status;
  r.energy_pj = energy, r.latency_us = latency, r.area.chip_mm2 = area;
  r.pareto = 7; /* overwritten */
  r.correct = -1, r.accuracy = -1; /* no labels */
  return r;
}

static void test_crafted_set(void **state) {
  (void)state;
  dse_row r[8] = {
      row(DSE_FITS, 10, 10, 10),   /* 0: dominated by 1 */
      row(DSE_FITS, 9, 10, 10),    /* 1: Pareto */
      row(DSE_FITS, 20, 1, 30),    /* 2: Pareto (fastest) */
      row(DSE_FITS, 20, 1, 31),    /* 3: dominated by 2 (larger only) */
      row(DSE_NOFIT, 1, 1, 1),     /* 4: does not fit: ignored even though best */
      row(DSE_FITS, 30, 30, 1),    /* 5: Pareto (smallest) */
      row(DSE_INVALID, 0, 0, 0),   /* 6 */
      row(DSE_FITS, 9, 10, 10),    /* 7: equal to 1: both Pareto */
  };
  dse_pareto_mark(r, 8);
  const int want[8] = {0, 1, 1, 0, 0, 1, 0, 1};
  for (int i = 0; i < 8; i++) assert_int_equal(r[i].pareto, want[i]);
}

static void test_single_and_empty(void **state) {
  (void)state;
  dse_row r[2] = {row(DSE_FITS, 5, 5, 5), row(DSE_ERROR, 1, 1, 1)};
  dse_pareto_mark(r, 2);
  assert_int_equal(r[0].pareto, 1);
  assert_int_equal(r[1].pareto, 0);
  dse_pareto_mark(r, 0); /* nothing to do, nothing touched */
  assert_int_equal(r[0].pareto, 1);
}

/* Strictly better on one axis and worse on another: neither dominates. */
static void test_trade_off(void **state) {
  (void)state;
  dse_row r[3] = {row(DSE_FITS, 1, 2, 3), row(DSE_FITS, 2, 1, 3), row(DSE_FITS, 3, 2, 1)};
  dse_pareto_mark(r, 3);
  for (int i = 0; i < 3; i++) assert_int_equal(r[i].pareto, 1);
}

/* With labels, a cheaper design that loses accuracy does not hide a more accurate one. */
static void test_accuracy_objective(void **state) {
  (void)state;
  dse_row r[4] = {row(DSE_FITS, 1, 1, 1), row(DSE_FITS, 2, 2, 2), row(DSE_FITS, 3, 3, 3),
                  row(DSE_FITS, 4, 4, 4)};
  const double acc[4] = {0.90, 0.95, 0.95, 0.99};
  for (int i = 0; i < 4; i++) r[i].correct = (int64_t)(acc[i] * 100), r[i].accuracy = acc[i];
  dse_pareto_mark(r, 4);
  const int want[4] = {1, 1, 0, 1}; /* 2 is as accurate as 1 and costs more */
  for (int i = 0; i < 4; i++) assert_int_equal(r[i].pareto, want[i]);
  r[3].correct = -1; /* a point without a score is compared on cost only */
  dse_pareto_mark(r, 4);
  assert_int_equal(r[3].pareto, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crafted_set), cmocka_unit_test(test_single_and_empty),
      cmocka_unit_test(test_trade_off), cmocka_unit_test(test_accuracy_objective),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
