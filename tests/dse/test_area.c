/*
 * test_area.c - the area model: the RTL memory formula reproduces the synthesised
 * figures exactly and a default core by hand, the register count by hand, the logic
 * fit recovers what the rows determine and keeps the prior elsewhere, the area of an
 * architecture follows the documented formula term by term, and the built-in model
 * says where it comes from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "dse/dse.h"

extern const dse_area_sample dse_area_rtl_rows[]; /* embedded at build time */
extern const int dse_area_rtl_n;

static void close_to(double got, double want, double tol) {
  if (fabs(got - want) > tol * fmax(1.0, fabs(want)))
    fail_msg("got %.17g, want %.17g", got, want);
}

/* glif-256 with a table row's sizes and widths, as scripts/synth.sh synthesises them
 * (relay and wire payloads = V). */
static glif_arch row_arch(double n, double axons, double w, double v, double a) {
  glif_arch x;
  arch_default(&x);
  x.neurons = (uint32_t)n, x.axons = (uint32_t)axons, x.weight_bits = (uint32_t)w;
  x.membrane_bits = (uint32_t)v, x.acc_bits = (uint32_t)a, x.payload_sum_bits = (uint32_t)v;
  return x;
}

static const double cfg[9][5] = {{64, 64, 8, 24, 24},   {128, 128, 8, 24, 24},
                                 {256, 256, 8, 24, 24}, {256, 256, 4, 24, 24},
                                 {128, 128, 4, 24, 24}, {128, 128, 8, 16, 16},
                                 {128, 128, 8, 31, 31}, {64, 256, 8, 24, 24},
                                 {256, 64, 8, 24, 24}};

/* ---- memory and registers by hand ---------------------------------------------------- */

/* N = AXONS = 64, L = 16 (K = 4), E = 4096 (EW 12, ECW 13), MMAX 6 (MW 3), D = 4 (DW 2),
 * G = 64, TMAX = 32, F = 15, V = A = P = PW = 24, Bc = 4, XW = YW = 10:
 * crossbar 64x4x16x8 = 32768, accumulators 4x4x16x24 = 6144, state 64x25 = 1600, spike
 * queue 64x(12+13+24) = 3136, neuron table 64x25 = 1600, shifts 4x16x3 = 192, axon flags
 * 64, groups 64x(32+72+24+2+3) = 8512, gains 64x32x16 = 32768, fan-out
 * 4096x(10+10+6+2+1) = 118784, input buffer 4x(6+2+1+24) = 132: 205700 in all, the
 * synthesised figure of docs/area-model.md. */
static void test_memory_by_hand(void **state) {
  (void)state;
  glif_arch a = row_arch(64, 64, 8, 24, 24);
  close_to(dse_area_memory_bits(&a, 10, 10), 205700, 0);
  /* glif-256 on its 8 x 8 mesh (3-bit coordinates): crossbar 524288, accumulators
   * 24576, state 6400, queue 12544, neuron table 6400, shifts 768, flags 256, groups
   * 8512, gains 32768, fan-out 4096x(3+3+8+2+1) = 69632, buffer 4x(8+2+1+24) = 140 */
  arch_default(&a);
  close_to(dse_area_memory_bits(&a, 3, 3), 686284, 0);
}

static void test_memory_reproduces_table(void **state) {
  (void)state;
  for (int i = 0; i < dse_area_rtl_n; i++) {
    const dse_area_sample *r = &dse_area_rtl_rows[i];
    glif_arch a = row_arch(r->neurons, r->axons, r->weight_bits, r->v_bits, r->a_bits);
    close_to(dse_area_memory_bits(&a, 10, 10), r->memory_bits, 0);
  }
}

/* glif-256: group map and pending vector 256 x (6 + 1), first ticks 64 x 16, two
 * pipeline registers of 8 + 24 + 24 + 12 + 13 + 3 = 84 bits, six 32-bit counters. */
static void test_flipflops_by_hand(void **state) {
  (void)state;
  glif_arch a;
  arch_default(&a);
  close_to(dse_area_counted_flipflops(&a), 1792 + 1024 + 168 + 192, 0);
}

static void test_features_by_hand(void **state) {
  (void)state;
  glif_arch a;
  double f[DSE_AREA_NF];
  arch_default(&a);
  dse_area_features(&a, f);
  const double want[DSE_AREA_NF] = {1, 256, 16 * 8 * 24, 16 * 24, 48};
  for (int i = 0; i < DSE_AREA_NF; i++) close_to(f[i], want[i], 0);
  a.payload_in_bits = 30; /* the wire payload is the wider of the two */
  dse_area_features(&a, f);
  close_to(f[2], 16 * 8 * 30, 0);
}

/* ---- the fit ----------------------------------------------------------------------------- */

static void make_rows(dse_area_sample *rows, const double *cells, double ff_extra) {
  for (int i = 0; i < 9; i++) {
    glif_arch a = row_arch(cfg[i][0], cfg[i][1], cfg[i][2], cfg[i][3], cfg[i][4]);
    double f[DSE_AREA_NF], y = 0;
    dse_area_features(&a, f);
    for (int k = 0; k < DSE_AREA_NF; k++) y += cells[k] * f[k];
    rows[i] = (dse_area_sample){cfg[i][0], cfg[i][1], cfg[i][2], cfg[i][3], cfg[i][4], y,
                                dse_area_counted_flipflops(&a) + ff_extra,
                                dse_area_memory_bits(&a, 10, 10)};
  }
}

/* The rows pin the constant and the per-neuron cost; the width terms, which they vary
 * only together, keep the prior. */
static void test_fit_recovers_what_rows_determine(void **state) {
  (void)state;
  dse_area_model prior, m;
  glif_err err;
  dse_area_sample rows[9];
  dse_area_prior(&prior);
  double truth[DSE_AREA_NF];
  memcpy(truth, prior.cells, sizeof truth);
  truth[0] = 41000, truth[1] = 90;
  make_rows(rows, truth, 75);
  assert_int_equal(dse_area_fit(rows, 9, &m, &err), 0);
  assert_int_equal(m.from_rtl, 1);
  assert_int_equal(m.n_samples, 9);
  for (int k = 0; k < DSE_AREA_NF; k++) close_to(m.cells[k], truth[k], 1e-3);
  close_to(m.ff_control, 75, 1e-12);
  assert_true(m.max_rel_error < 1e-6);
}

/* Two rows that differ only in size, as the first rows of the table: the line through
 * them. */
static void test_fit_two_rows(void **state) {
  (void)state;
  dse_area_sample rows[2] = {{64, 64, 8, 24, 24, 66036, 1915, 205700},
                             {128, 128, 8, 24, 24, 72314, 2373, 320840}};
  dse_area_model m;
  glif_err err;
  assert_int_equal(dse_area_fit(rows, 2, &m, &err), 0);
  close_to(m.cells[1], (72314.0 - 66036.0) / 64, 1e-3);
  for (int i = 0; i < 2; i++) {
    glif_arch a = row_arch(rows[i].neurons, rows[i].axons, 8, 24, 24);
    double f[DSE_AREA_NF], y = 0;
    dse_area_features(&a, f);
    for (int k = 0; k < DSE_AREA_NF; k++) y += m.cells[k] * f[k];
    close_to(y, rows[i].cells, 1e-6);
  }
  assert_true(m.max_rel_error < 0.03); /* flip-flops: counted registers + fitted control */
}

static void test_fit_refusals(void **state) {
  (void)state;
  dse_area_model m;
  glif_err err;
  assert_int_equal(dse_area_fit(NULL, 0, &m, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "no rows"));
}

/* ---- areas --------------------------------------------------------------------------------- */

/* glif-256 under the prior, every term by hand. */
static void test_eval_by_hand(void **state) {
  (void)state;
  dse_area_model m;
  glif_arch a;
  dse_area r;
  dse_area_prior(&m);
  arch_default(&a);
  dse_area_eval(&m, &a, &r);
  const double cells = 30000 + 100.0 * 256 + 6.0 * 3072 + 8.0 * 384 + 117.5 * 48; /* 82744 */
  close_to(r.logic_cells, cells, 1e-12);
  close_to(r.flipflops, 3176 + 60, 1e-12);
  close_to(r.memory_bits, 686284, 0);
  close_to(r.logic_um2, cells * DSE_GATES_PER_CELL * DSE_UM2_PER_GATE, 1e-12);
  close_to(r.ff_um2, 3236 * DSE_GATES_PER_FF * DSE_UM2_PER_GATE, 1e-12);
  close_to(r.memory_um2, 686284 * DSE_UM2_PER_SRAM_BIT / DSE_SRAM_EFFICIENCY, 1e-12);
  /* router: a packet is x 3 + y 3 + axon 8 + delay 2 + payload 24 + 1 = 41 bits; five
   * 4-packet buffers of flip-flops, a 5-port switch of 4 cells per bit + 150 per port */
  const double router = 5 * 4 * 41 * DSE_GATES_PER_FF * DSE_UM2_PER_GATE +
                        (5 * 4 * 41 + 5 * 150) * DSE_GATES_PER_CELL * DSE_UM2_PER_GATE;
  close_to(r.router_um2, router, 1e-12);
  close_to(r.core_um2, r.logic_um2 + r.ff_um2 + r.memory_um2 + router, 1e-12);
  close_to(r.chip_mm2, r.core_um2 * 64 / 1e6, 1e-12);
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
  close_to(rb.logic_um2, ra.logic_um2, 0); /* the logic does not see the mesh */
  close_to(rb.memory_bits - ra.memory_bits, 4096, 0); /* one more bit per fan-out entry */
  assert_true(rb.core_um2 > ra.core_um2);
  close_to(rb.chip_mm2, rb.core_um2 * 72 / 1e6, 1e-12);
}

static void test_builtin_source(void **state) {
  (void)state;
  const dse_area_model *m = dse_area_builtin();
  assert_ptr_equal(m, dse_area_builtin());
  const char *src = dse_area_source(m);
  if (dse_area_rtl_n > 0) {
    assert_int_equal(m->from_rtl, 1);
    assert_int_equal(m->n_samples, dse_area_rtl_n);
    assert_non_null(strstr(src, "rtl/area_model.csv"));
    assert_true(m->max_rel_error < 0.25);
  } else {
    assert_int_equal(m->from_rtl, 0);
    assert_non_null(strstr(src, "prior"));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_memory_by_hand), cmocka_unit_test(test_memory_reproduces_table),
      cmocka_unit_test(test_flipflops_by_hand), cmocka_unit_test(test_features_by_hand),
      cmocka_unit_test(test_fit_recovers_what_rows_determine), cmocka_unit_test(test_fit_two_rows),
      cmocka_unit_test(test_fit_refusals), cmocka_unit_test(test_eval_by_hand),
      cmocka_unit_test(test_chip_scales_with_mesh), cmocka_unit_test(test_builtin_source),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
