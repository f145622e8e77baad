/*
 * test_quant.c - the quantise pass (compiler/quant.c).
 *
 * Hand-checkable layers for each rule: the weight scale of a channel, rounding of w_q
 * (halves away from zero, never clipped), the shift M limited in turn by the
 * accumulator (a), the membrane bound (b) and the representability of theta (c), the
 * all-zero channel, the input scale; then the guarantee itself, randomised: the
 * fixed-point golden model never saturates an accumulator on random and extreme
 * inputs, and never sees more than the worst case the quantiser computed; finally the
 * calibration report on a model whose errors are known in closed form.
 */
#include "test_front_util.h"

#include "compiler/reference.h"

#define GLIF_P(vth) "alpha: 1.0, beta: 0.0, gamma: 1.0, tau: 1.0, leak: 0.0, reVth: 0.0, " \
                    "Vth: " vth ", conduct: 1.0"

static void quantise_text(cc_ctx *ctx, cc_options *opt, const char *file, const char *text,
                          const glif_arch *arch) {
  glif_err err;
  int rc = run_front_opts(ctx, opt, write_text(file, text), arch, "quantise", &err);
  if (rc) fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
}

static int pop_index(const ir_net *n, const char *name) {
  for (int i = 0; i < n->n_pops; i++)
    if (!strcmp(n->pops[i].name, name)) return i;
  fail_msg("no population %s", name);
  return -1;
}

/* "[v, v, ..., v]" nested to [1][cin][3][3] (a conv of one output channel). */
static void ones_conv(mb *b, int cin, double v) {
  put(b, "[[");
  for (int c = 0; c < cin; c++)
    put(b, "%s[[%g, %g, %g], [%g, %g, %g], [%g, %g, %g]]", c ? ", " : "", v, v, v, v, v, v,
        v, v, v);
  put(b, "]]");
}

/* A 123-channel spiking layer into a 3x3 conv of all-ones weights: 1107 taps, each
 * w_q = 127, so the accumulator's worst case is 1107*127 * 2^M = 140589 * 2^M.
 * A = 24: 2^23-1 = 8388607 allows M = 5 (4498848) but not 6 (8997696).
 * A = 22: 2^21-1 = 2097151 allows M = 3 (1124712) but not 4 (2249424). */
static void test_shift_limited_by_accumulator(void **state) {
  (void)state;
  mb b = {0};
  put(&b, "glif_model: 1\ntimesteps: 1\nlayers:\n"
          "  - {name: x, type: input, shape: [123, 3, 3], range: 1.0}\n"
          "  - {name: bx, type: batchnorm, input: x, weight: 1.0, bias: 0.0, "
          "running_mean: 0.0, running_var: 1.0, eps: 0.0001}\n"
          "  - {name: l0, type: glif, input: bx, " GLIF_P("0.5") "}\n"
          "  - {name: c, type: conv2d, input: l0, padding: 1, weight: ");
  ones_conv(&b, 123, 1.0);
  put(&b, "}\n  - {name: l1, type: glif, input: c, " GLIF_P("0.5") "}\n"
          "  - {name: f, type: flatten, input: l1}\n"
          "  - {name: fc, type: linear, input: f, weight: [[1, 1, 1, 1, 1, 1, 1, 1, 1]]}\n"
          "  - {name: out, type: readout, input: fc}\n");
  const int bits[2] = {24, 22}, want_m[2] = {5, 3};
  for (int k = 0; k < 2; k++) {
    glif_arch a;
    arch_default(&a);
    a.acc_bits = (uint32_t)bits[k];
    cc_ctx ctx;
    cc_options opt;
    quantise_text(&ctx, &opt, "acc.yaml", b.s, &a);
    const ir_pop *p = &ctx.net->pops[pop_index(ctx.net, "l1")];
    assert_true(p->wscale[0] == 1.0 / 127);
    assert_int_equal(p->shift[0], want_m[k]);
    assert_int_equal(p->stats.acc_worst, 140589LL << want_m[k]);
    assert_true(p->unit[0] == p->wscale[0] / (1 << want_m[k]));
    assert_int_equal(p->q[0].p.theta, (int32_t)round(0.5 / p->unit[0]));
    cc_destroy(&ctx);
  }
  free(b.s);
}

/* A readout of 200 inputs of weight 1 over T = 8 steps (k = 1, g = 1): the membrane
 * reaches about 8 * 200*127 * 2^M. M = 6 keeps the accumulator (1625600) inside 24
 * bits but not the membrane (8 * 1625600 > 8388607): the bound (b) picks M = 5. */
static void test_shift_limited_by_membrane(void **state) {
  (void)state;
  mb b = {0};
  put(&b, "glif_model: 1\ntimesteps: 8\nlayers:\n"
          "  - {name: x, type: input, shape: [200], range: 1.0}\n"
          "  - {name: bx, type: batchnorm, input: x, weight: 1.0, bias: 0.0, "
          "running_mean: 0.0, running_var: 1.0, eps: 0.0001}\n"
          "  - {name: l0, type: glif, input: bx, " GLIF_P("0.5") "}\n"
          "  - {name: fc, type: linear, input: l0, weight: [[");
  for (int i = 0; i < 200; i++) put(&b, "%s1.0", i ? ", " : "");
  put(&b, "]]}\n  - {name: out, type: readout, input: fc}\n");
  cc_ctx ctx;
  cc_options opt;
  quantise_text(&ctx, &opt, "mem.yaml", b.s, NULL);
  const ir_pop *p = &ctx.net->pops[pop_index(ctx.net, "out")];
  assert_int_equal(p->shift[0], 5);
  assert_int_equal(p->stats.acc_worst, 200 * 127 * 32);
  /* bound: u_t = u_{t-1} + 1 + 812800 + 1 for 8 steps */
  assert_int_equal(p->stats.mem_worst, 8 * 812802);
  assert_int_equal(p->q[0].p.kind, NRN_READOUT);
  assert_int_equal(p->q[0].p.k, 32768);
  cc_destroy(&ctx);
  free(b.s);
}

/* A tiny weight (1e-4) with threshold 0.5: at M = 6 theta would be
 * 0.5 / (1e-4/127/64) = 40.6 million units, beyond 24 bits; (c) picks the largest M
 * with theta <= 8388607: 0.5*127/1e-4 * 2^M = 635000 * 2^M, so M = 3 (5080000). */
static void test_shift_limited_by_threshold(void **state) {
  (void)state;
  const char *text = "glif_model: 1\ntimesteps: 1\nlayers:\n"
      "  - {name: x, type: input, shape: [1], range: 1.0}\n"
      "  - {name: f0, type: linear, input: x, weight: [[1.0]]}\n"
      "  - {name: l0, type: glif, input: f0, " GLIF_P("0.5") "}\n"
      "  - {name: f1, type: linear, input: l0, weight: [[0.0001]]}\n"
      "  - {name: l1, type: glif, input: f1, " GLIF_P("0.5") "}\n"
      "  - {name: f2, type: linear, input: l1, weight: [[1.0]]}\n"
      "  - {name: out, type: readout, input: f2}\n";
  cc_ctx ctx;
  cc_options opt;
  quantise_text(&ctx, &opt, "theta.yaml", text, NULL);
  const ir_pop *p = &ctx.net->pops[pop_index(ctx.net, "l1")];
  assert_int_equal(p->shift[0], 3);
  assert_int_equal(p->q[0].p.theta, 5080000);
  cc_destroy(&ctx);
}

/* Scale from the dense weights only; w_q rounded half away from zero and never
 * clipped: a BN shortcut 5x the conv's largest weight becomes w_q = 635. An all-zero
 * channel takes its scale from theta. The input scale is range / 127. */
static void test_scales_and_rounding(void **state) {
  (void)state;
  const char *text = "glif_model: 1\ntimesteps: 1\nlayers:\n"
      "  - {name: x, type: input, shape: [2, 1, 1], range: 2.54}\n"
      "  - {name: c0, type: conv2d, input: x, weight: [[[[1.0]], [[0.0]]], [[[0.0]], [[1.0]]]]}\n"
      "  - {name: l0, type: glif, input: c0, " GLIF_P("0.5") "}\n"
      "  - {name: c1, type: conv2d, input: l0, weight: "
      "[[[[127.0]], [[63.5]]], [[[0.0]], [[0.0]]]]}\n"
      "  - {name: sc, type: batchnorm, input: l0, weight: 635.0, bias: 0.0, running_mean: 0.0, "
      "running_var: 0.0, eps: 1.0}\n"
      "  - {name: s, type: add, inputs: [c1, sc]}\n"
      "  - {name: l1, type: glif, input: s, alpha: 1.0, beta: 0.0, gamma: 1.0, tau: 1.0, "
      "leak: 0.0, reVth: 0.0, Vth: [0.5, 254.0], conduct: 1.0}\n"
      "  - {name: f, type: flatten, input: l1}\n"
      "  - {name: fc, type: linear, input: f, weight: [[1.0, 1.0]]}\n"
      "  - {name: out, type: readout, input: fc}\n";
  cc_ctx ctx;
  cc_options opt;
  quantise_text(&ctx, &opt, "scales.yaml", text, NULL);
  const ir_net *n = ctx.net;
  assert_true(n->pops[0].in_scale == 2.54 / 127);
  assert_int_equal(n->pops[0].payload_bits, 8);
  const ir_pop *p = &n->pops[pop_index(n, "l1")];
  /* channel 0's scale is set by c1 alone (127/127 = 1), not by the shortcut */
  assert_true(p->wscale[0] == 1.0);
  const ir_proj *conv = NULL, *dw = NULL;
  for (int i = 0; i < n->n_projs; i++)
    if (n->projs[i].dst == pop_index(n, "l1")) {
      if (n->projs[i].depthwise) dw = &n->projs[i];
      else conv = &n->projs[i];
    }
  assert_non_null(conv);
  assert_non_null(dw);
  assert_int_equal(conv->wq[0], 127);
  assert_int_equal(conv->wq[1], 64);  /* 63.5 -> 64 */
  assert_int_equal(dw->wq[0], 635);   /* 5x the largest conv weight: not clipped */
  /* channel 1's conv weights are all zero: its scale comes from the shortcut, 635/127 */
  assert_true(p->wscale[1] == 5.0);
  assert_int_equal(dw->wq[1], 127);
  /* rounding of negative halves: c2 alone */
  const char *neg = "glif_model: 1\ntimesteps: 1\nlayers:\n"
      "  - {name: x, type: input, shape: [1], range: 1.0}\n"
      "  - {name: f0, type: linear, input: x, weight: [[1.0], [1.0], [1.0]]}\n"
      "  - {name: l0, type: glif, input: f0, " GLIF_P("0.5") "}\n"
      "  - {name: f1, type: linear, input: l0, weight: [[127.0, -63.5, -2.5], [0.0, 0.0, 0.0]]}\n"
      "  - {name: l1, type: glif, input: f1, " GLIF_P("[0.5, 2.54]") "}\n"
      "  - {name: f2, type: linear, input: l1, weight: [[1.0, 1.0]]}\n"
      "  - {name: out, type: readout, input: f2}\n";
  cc_ctx c2;
  quantise_text(&c2, &opt, "neg.yaml", neg, NULL);
  const ir_proj *f1 = &c2.net->projs[1];
  assert_int_equal(f1->wq[0], 127);
  assert_int_equal(f1->wq[1], -64);
  assert_int_equal(f1->wq[2], -3);
  const ir_pop *l1 = &c2.net->pops[2];
  assert_true(l1->wscale[1] == 2.54 / 127); /* all-zero row: theta / 127 */
  assert_int_equal(l1->shift[1], 6);
  assert_int_equal(l1->q[1].p.theta, 127 * 64);
  cc_destroy(&c2);
  cc_destroy(&ctx);
}

/* ---- the guarantee, randomised -------------------------------------------------------- */

static void glif_rand(mb *b, const char *name, const char *in, int c) {
  put(b, "  - {name: %s, type: glif, input: %s, alpha: %.3f, beta: %.3f, gamma: %.3f, "
      "tau: %.3f, leak: %.3f, reVth: %.3f, Vth: [", name, in, uni(0, 1), uni(0, 1),
      uni(0, 1), uni(0, 1), uni(0, 0.1), uni(0.2, 0.8));
  for (int i = 0; i < c; i++) put(b, "%s%.4f", i ? ", " : "", uni(0.05, 0.8));
  put(b, "], conduct: %.3f}\n", uni(0, 1));
}

static void weights(mb *b, int n, double scale) {
  for (int i = 0; i < n; i++) put(b, "%s%.5f", i ? ", " : "", uni(-scale, scale));
}

/* input [3,6,6] -> conv 3x3 (8 ch) -> glif -> conv 3x3 stride 2 + BN shortcut via
 * avgpool... kept simple: conv, a BN-only shortcut several times larger, a dense head. */
static void random_model(mb *b, int T, int spikes) {
  put(b, "glif_model: 1\ntimesteps: %d\nlayers:\n", T);
  put(b, "  - {name: x, type: input, shape: [3, 6, 6], encoding: %s, range: 1.0}\n",
      spikes ? "spikes" : "direct");
  put(b, "  - {name: c1, type: conv2d, input: x, padding: 1, weight: [");
  for (int o = 0; o < 4; o++) {
    put(b, "%s[", o ? ", " : "");
    for (int c = 0; c < 3; c++) {
      put(b, "%s[", c ? ", " : "");
      for (int y = 0; y < 3; y++) {
        put(b, "%s[", y ? ", " : "");
        weights(b, 3, 1.0);
        put(b, "]");
      }
      put(b, "]");
    }
    put(b, "]");
  }
  put(b, "]}\n");
  glif_rand(b, "l1", "c1", 4);
  put(b, "  - {name: c2, type: conv2d, input: l1, padding: 1, weight: [");
  for (int o = 0; o < 4; o++) {
    put(b, "%s[", o ? ", " : "");
    for (int c = 0; c < 4; c++) {
      put(b, "%s[", c ? ", " : "");
      for (int y = 0; y < 3; y++) {
        put(b, "%s[", y ? ", " : "");
        weights(b, 3, 0.5);
        put(b, "]");
      }
      put(b, "]");
    }
    put(b, "]");
  }
  put(b, "], bias: [%.3f, %.3f, %.3f, %.3f]}\n", uni(-1, 1), uni(-1, 1), uni(-1, 1), uni(-1, 1));
  put(b, "  - {name: sc, type: batchnorm, input: l1, weight: [%.3f, %.3f, %.3f, %.3f], "
      "bias: 0.1, running_mean: 0.0, running_var: 1.0}\n", uni(1, 4), uni(-4, -1), uni(1, 4), uni(1, 4));
  put(b, "  - {name: s, type: add, inputs: [c2, sc]}\n");
  glif_rand(b, "l2", "s", 4);
  put(b, "  - {name: fl, type: flatten, input: l2}\n");
  put(b, "  - {name: fc, type: linear, input: fl, weight: [");
  for (int o = 0; o < 3; o++) {
    put(b, "%s[", o ? ", " : "");
    weights(b, 144, 1.0);
    put(b, "]");
  }
  put(b, "]}\n  - {name: out, type: readout, input: fc}\n");
}

/* Random and extreme inputs never saturate an accumulator, and the largest one seen
 * stays within the quantiser's worst case (checked by counting in the golden model). */
static void test_guarantee_randomised(void **state) {
  (void)state;
  uint64_t steps = 0, spikes = 0;
  int min_shift = 99;
  for (int seed = 1; seed <= 8; seed++) {
    rng_state = (uint64_t)seed * 104729;
    mb b = {0};
    const int spike_in = seed % 2, T = 3;
    random_model(&b, T, spike_in);
    glif_arch a;
    arch_default(&a);
    a.acc_bits = 20 + (uint32_t)seed % 4; /* narrow accumulators: M must adapt */
    a.membrane_bits = 24;
    cc_ctx ctx;
    cc_options opt;
    quantise_text(&ctx, &opt, "guar.yaml", b.s, &a);
    ref_model *rm;
    glif_err err;
    assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, REF_FIXED, &err), 0);
    const int64_t n = ref_sample_size(ctx.net);
    double *x = malloc((size_t)n * sizeof *x);
    for (int trial = 0; trial < 12; trial++) {
      for (int64_t j = 0; j < n; j++) {
        const double v = trial == 0 ? 1 : trial == 1 ? -1 : uni(-1.2, 1.2);
        x[j] = spike_in ? (trial == 0 || (trial > 1 && v > 0)) : v;
      }
      assert_int_equal(ref_run(rm, x, &err), 0);
      steps += (uint64_t)T;
      for (int p = 1; p < ctx.net->n_pops; p++) spikes += ref_spike_count(rm, p);
    }
    for (int p = 1; p < ctx.net->n_pops; p++) {
      const ref_stats *st = ref_pop_stats(rm, p);
      assert_int_equal(st->acc_sat, 0);
      assert_true(st->acc_max <= ctx.net->pops[p].stats.acc_worst);
      assert_true(st->mem_max <= ctx.net->pops[p].stats.mem_worst);
      if (ctx.net->pops[p].stats.shift_min < min_shift) min_shift = ctx.net->pops[p].stats.shift_min;
    }
    free(x);
    ref_destroy(rm);
    cc_destroy(&ctx);
    free(b.s);
  }
  assert_int_equal(steps, 8 * 12 * 3);
  assert_true(spikes > 1000);  /* the networks were active */
  assert_true(min_shift < 6);  /* and the narrow accumulators did limit M */
}

/* The counter itself works: with the guarantee broken by hand (weights raised after
 * quantisation), every step of the readout counts a saturated accumulator. */
static void test_saturation_is_counted(void **state) {
  (void)state;
  const char *text = "glif_model: 1\ntimesteps: 3\nlayers:\n"
      "  - {name: x, type: input, shape: [2], range: 1.0}\n"
      "  - {name: f, type: linear, input: x, weight: [[1.0, 1.0]]}\n"
      "  - {name: out, type: readout, input: f}\n";
  cc_ctx ctx;
  cc_options opt;
  quantise_text(&ctx, &opt, "sat.yaml", text, NULL);
  ir_proj *j = &ctx.net->projs[0];
  ref_model *rm;
  glif_err err;
  const double x[2] = {1.0, 1.0};
  /* 0: as quantised; 1: 2 * 2^22 * 127 >> 2^23 (still an int32 sum); 2: 2 * 2^28 * 127
   * needs the golden model's 64-bit accumulator to count exactly */
  const int shifts[3] = {0, 22, 28};
  for (int broken = 0; broken < 3; broken++) {
    if (broken) j->wq[0] = j->wq[1] = 1 << shifts[broken];
    assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, REF_FIXED, &err), 0);
    assert_int_equal(ref_run(rm, x, &err), 0);
    assert_int_equal(ref_pop_stats(rm, 1)->acc_sat, broken ? 3 : 0);
    assert_int_equal(ref_pop_stats(rm, 1)->acc_max,
                     broken ? 2LL * (1 << shifts[broken]) * 127 : 2 * 127 * 127);
    /* the saturated sum (2^23 - 1 per step) drives the membrane onto its rail */
    assert_int_equal(ref_u_fixed(rm, 1)[0], broken ? 8388607 : 3 * 2 * 127 * 127);
    assert_int_equal(ref_pop_stats(rm, 1)->mem_sat, broken ? 3 : 0); /* on the rail: 3 steps */
    ref_destroy(rm);
  }
  cc_destroy(&ctx);
}

/* ---- the calibration report ------------------------------------------------------------ */

/* The tiny chain of examples/tiny/chain with one calibration sample x = 0.5. lif1's
 * fixed membrane is 8128 then 12192 units of 1/16129 (payload 64, w_q 127), the float
 * one 0.5 then 0.75; the spikes agree everywhere. */
static void test_calibration_report(void **state) {
  (void)state;
  char model[600];
  snprintf(model, sizeof model, "%s/examples/tiny/chain/model.yaml", GLIF_SOURCE_DIR);
  const double half = 0.5;
  const int64_t shape[1] = {1};
  glif_err err;
  const char *cal = scratch_path("chain_cal.npy");
  assert_int_equal(npy_write(cal, NPY_F64, 1, shape, &half, &err), 0);
  cc_ctx ctx;
  cc_options opt;
  memset(&opt, 0, sizeof opt);
  opt.model_path = model, opt.calibrate_path = cal, opt.stop_after = "quantise";
  assert_int_equal(cc_init(&ctx, &opt, &err), 0);
  assert_int_equal(cc_run(&ctx, &err), 0);
  const ir_pop *l1 = &ctx.net->pops[1];
  assert_true(l1->stats.calibrated);
  assert_true(l1->stats.spike_agreement == 1.0);
  const double e1 = 8128.0 / 16129 - 0.5, e2 = 12192.0 / 16129 - 0.75;
  assert_true(fabs(l1->stats.membrane_rmse - sqrt((e1 * e1 + e2 * e2) / 2)) < 1e-12);
  assert_int_equal(l1->stats.acc_seen, 8128);
  assert_int_equal(l1->stats.mem_seen, 12192);
  assert_int_equal(l1->stats.saturations, 0);
  const ir_pop *out = &ctx.net->pops[3];
  assert_true(out->stats.spike_agreement == 1.0);
  assert_true(out->stats.membrane_rmse < 1e-12); /* 12192 * 2/8128 == 3.0 exactly */
  cc_destroy(&ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shift_limited_by_accumulator),
      cmocka_unit_test(test_shift_limited_by_membrane),
      cmocka_unit_test(test_shift_limited_by_threshold),
      cmocka_unit_test(test_scales_and_rounding),
      cmocka_unit_test(test_guarantee_randomised),
      cmocka_unit_test(test_saturation_is_counted),
      cmocka_unit_test(test_calibration_report),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
