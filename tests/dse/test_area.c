/*
 * test_area.c - the area model: the fit recovers known coefficients exactly, the area
 * of an architecture follows the documented formula (worked out by hand below), bad
 * tables are refused, and the built-in model says where it comes from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "dse/dse.h"

extern const int dse_area_rtl_n; /* rows embedded at build time (dse/embed_area.cmake) */

static void close_to(double got, double want) {
  if (fabs(got - want) > 1e-9 * fmax(1.0, fabs(want)))
    fail_msg("got %.17g, want %.17g", got, want);
}

/* glif-256 with a table row's sizes and widths, as scripts/synth.sh synthesises it. */
static glif_arch row_arch(double n, double axons, double w, double v, double a) {
  glif_arch x;
  arch_default(&x);
  x.neurons = (uint32_t)n, x.axons = (uint32_t)axons, x.weight_bits = (uint32_t)w;
  x.membrane_bits = (uint32_t)v, x.acc_bits = (uint32_t)a, x.payload_sum_bits = (uint32_t)v;
  return x;
}

static double dot4(const double *c, const double *f) {
  return c[0] * f[0] + c[1] * f[1] + c[2] * f[2] + c[3] * f[3];
}

/* The configurations of scripts/synth.sh, with figures made from known coefficients. */
static int make_rows(dse_area_sample *rows, const double *cc, const double *fc,
                     const double *mc) {
  static const double cfg[9][5] = {{64, 64, 8, 24, 24},   {128, 128, 8, 24, 24},
                                   {256, 256, 8, 24, 24}, {256, 256, 4, 24, 24},
                                   {128, 128, 4, 24, 24}, {128, 128, 8, 16, 16},
                                   {128, 128, 8, 31, 31}, {64, 256, 8, 24, 24},
                                   {256, 64, 8, 24, 24}};
  for (int i = 0; i < 9; i++) {
    glif_arch a = row_arch(cfg[i][0], cfg[i][1], cfg[i][2], cfg[i][3], cfg[i][4]);
    double f[DSE_AREA_NF];
    arch_capacity c;
    dse_area_features(&a, f);
    arch_capacity_of(&a, &c);
    rows[i] = (dse_area_sample){cfg[i][0], cfg[i][1], cfg[i][2], cfg[i][3], cfg[i][4],
                                dot4(cc, f), dot4(fc, f), mc[0] + mc[1] * (double)c.bits_core};
  }
  return 9;
}

static void test_features_by_hand(void **state) {
  (void)state;
  glif_arch a;
  double f[DSE_AREA_NF];
  arch_default(&a);
  dse_area_features(&a, f);
  close_to(f[0], 1);
  close_to(f[1], 24 + 24);        /* V + A */
  close_to(f[2], 16 * (8 + 24));  /* L x (W + A) */
  close_to(f[3], 8 + 8);          /* log2 256 + log2 256 */
  a.neurons = 100, a.axons = 1; /* 7 bits for 0..99; at least 1 bit */
  dse_area_features(&a, f);
  close_to(f[3], 7 + 1);
}

static void test_fit_recovers_coefficients(void **state) {
  (void)state;
  const double cc[4] = {5000, 30, 12, 200}, fc[4] = {800, 10, 2, 40}, mc[2] = {1000, 1.25};
  dse_area_sample rows[9];
  dse_area_model m;
  glif_err err;
  int n = make_rows(rows, cc, fc, mc);
  assert_int_equal(dse_area_fit(rows, n, &m, &err), 0);
  assert_int_equal(m.from_rtl, 1);
  assert_int_equal(m.n_samples, 9);
  for (int i = 0; i < 4; i++) {
    assert_true(fabs(m.cells[i] - cc[i]) < 1e-6 * fmax(1, fabs(cc[i])));
    assert_true(fabs(m.flipflops[i] - fc[i]) < 1e-6 * fmax(1, fabs(fc[i])));
  }
  assert_true(fabs(m.memory[0] - mc[0]) < 1e-6 * 1000 && fabs(m.memory[1] - mc[1]) < 1e-9);
  assert_true(m.max_rel_error < 1e-9);
}

static void test_fit_error_measured(void **state) {
  (void)state;
  const double cc[4] = {5000, 30, 12, 200}, fc[4] = {800, 10, 2, 40}, mc[2] = {0, 1};
  dse_area_sample rows[9];
  dse_area_model m;
  glif_err err;
  int n = make_rows(rows, cc, fc, mc);
  rows[0].cells *= 1.5; /* one synthesised figure far from the others' trend */
  assert_int_equal(dse_area_fit(rows, n, &m, &err), 0);
  assert_true(m.max_rel_error > 0.05);
}

static void test_fit_refusals(void **state) {
  (void)state;
  dse_area_sample rows[9];
  dse_area_model m;
  glif_err err;
  const double cc[4] = {1, 1, 1, 1}, mc[2] = {0, 1};
  make_rows(rows, cc, cc, mc);
  assert_int_equal(dse_area_fit(rows, 3, &m, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "has 3 rows, the fit needs at least 4"));
  for (int i = 1; i < 9; i++) rows[i] = rows[0]; /* nothing varies */
  assert_int_equal(dse_area_fit(rows, 9, &m, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "do not vary enough"));
}

/* glif-256 under a model with round coefficients, every term by hand. */
static void test_eval_by_hand(void **state) {
  (void)state;
  const dse_area_model m = {1, 9, {1000, 10, 2, 50}, {100, 1, 0, 0}, {0, 1}, 0};
  glif_arch a;
  dse_area r;
  arch_default(&a);
  dse_area_eval(&m, &a, &r);
  close_to(r.logic_cells, 1000 + 10 * 48 + 2 * 512 + 50 * 16); /* 3304 */
  close_to(r.flipflops, 100 + 48);
  close_to(r.memory_bits, 672512); /* glif arch glif-256: bits per core */
  close_to(r.logic_um2, 3304 * DSE_GATES_PER_CELL * DSE_UM2_PER_GATE);
  close_to(r.ff_um2, 148 * DSE_GATES_PER_FF * DSE_UM2_PER_GATE);
  close_to(r.memory_um2, 672512 * DSE_UM2_PER_SRAM_BIT / DSE_SRAM_EFFICIENCY);
  /* router: a packet is x 3 + y 3 + axon 8 + delay 2 + payload 24 + 1 = 41 bits; five
   * 4-packet buffers of flip-flops, a 5-port switch of 4 cells per bit + 150 per port */
  const double router = 5 * 4 * 41 * DSE_GATES_PER_FF * DSE_UM2_PER_GATE +
                        (5 * 4 * 41 + 5 * 150) * DSE_GATES_PER_CELL * DSE_UM2_PER_GATE;
  close_to(r.router_um2, router);
  close_to(r.core_um2, r.logic_um2 + r.ff_um2 + r.memory_um2 + router);
  close_to(r.chip_mm2, r.core_um2 * 64 / 1e6);
}

static void test_chip_scales_with_mesh(void **state) {
  (void)state;
  glif_arch a, b;
  dse_area ra, rb;
  arch_default(&a);
  b = a;
  b.mesh_x = 9; /* 72 cores; x takes 4 bits instead of 3 */
  dse_area_eval(dse_area_builtin(), &a, &ra);
  dse_area_eval(dse_area_builtin(), &b, &rb);
  close_to(rb.logic_um2, ra.logic_um2); /* the logic does not see the mesh */
  assert_true(rb.core_um2 > ra.core_um2); /* wider fan-out entries and packets */
  close_to(rb.chip_mm2, rb.core_um2 * 72 / 1e6);
}

static void test_builtin_source(void **state) {
  (void)state;
  const dse_area_model *m = dse_area_builtin();
  assert_ptr_equal(m, dse_area_builtin());
  const char *src = dse_area_source(m);
  if (dse_area_rtl_n >= DSE_AREA_NF && m->from_rtl) {
    assert_int_equal(m->n_samples, dse_area_rtl_n);
    assert_non_null(strstr(src, "rtl/area_model.csv"));
    assert_true(m->max_rel_error < 0.5);
  } else {
    assert_int_equal(m->from_rtl, 0);
    assert_non_null(strstr(src, "interim"));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_features_by_hand), cmocka_unit_test(test_fit_recovers_coefficients),
      cmocka_unit_test(test_fit_error_measured), cmocka_unit_test(test_fit_refusals),
      cmocka_unit_test(test_eval_by_hand), cmocka_unit_test(test_chip_scales_with_mesh),
      cmocka_unit_test(test_builtin_source),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
