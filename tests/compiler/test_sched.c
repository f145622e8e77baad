/*
 * test_sched.c - the schedule pass (compiler/sched.c): axons per neuron with parallel
 * synapses, partial-sum relays, pipeline offsets, delays and the tick count, on the
 * examples of examples/tiny (the numbers are derived by hand in the comments).
 */
#include "test_front_util.h"

static void front_example(cc_ctx *ctx, cc_options *opt, const char *name,
                          const glif_arch *arch) {
  char path[600];
  glif_err err;
  snprintf(path, sizeof path, "%s/examples/tiny/%s/model.yaml", GLIF_SOURCE_DIR, name);
  int rc = run_front_opts(ctx, opt, path, arch, NULL, &err);
  if (rc) fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
}

static const ir_proj *proj_named(const ir_net *n, const char *name) {
  for (int i = 0; i < n->n_projs; i++)
    if (!strcmp(n->projs[i].name, name)) return &n->projs[i];
  fail_msg("no projection %s", name);
  return NULL;
}

/* residual: x -> c1 -> l1 -> c2+b2 -> l2 -> c3 -> l3 <- sc <- l1; l3 -> gp+fc -> out.
 *   offsets: l1 = 1, l2 = 2, l3 = 1 + max(2, 1) = 3, out = 4; n_ticks = 4 + 4
 *   delays: sc = 3 - 1 - 1 = 1, every other projection 0
 *   axons: l1 9 taps; l2 2 x 9; l3 2 x 9 + ceil(381 / 127) = 21 (the shortcut weight
 *   3.0 is 3x c3's largest weight 1.0, so w_q = 381: three parallel synapses); out 32. */
static void test_residual_offsets_and_delays(void **state) {
  (void)state;
  cc_ctx ctx;
  cc_options opt;
  front_example(&ctx, &opt, "residual", NULL);
  const ir_net *n = ctx.net;
  const int offset[5] = {0, 1, 2, 3, 4};
  const int64_t fanin[5] = {0, 9, 18, 21, 32};
  for (int i = 0; i < 5; i++) {
    assert_int_equal(n->pops[i].offset, offset[i]);
    assert_int_equal(n->pops[i].fanin_axons, fanin[i]);
    assert_int_equal(n->pops[i].relay, 0);
  }
  assert_int_equal(proj_named(n, "sc")->wq[0], 381);
  assert_int_equal(proj_named(n, "sc")->dly, 1);
  assert_int_equal(proj_named(n, "c1")->dly, 0);
  assert_int_equal(proj_named(n, "c2+b2")->dly, 0);
  assert_int_equal(proj_named(n, "c3")->dly, 0);
  assert_int_equal(proj_named(n, "gp+fc")->dly, 0);
  assert_int_equal(n->max_offset, 4);
  assert_int_equal(n->n_ticks, 8);
  cc_destroy(&ctx);
}

/* relay: the same network on cores of 20 axons (examples/tiny/relay/arch.yaml).
 *   l3 needs 21 > 20: relay, offset 1 + 1 + max(2, 1) = 4
 *   out needs 32 > 20: relay, offset 1 + 1 + 4 = 6; n_ticks = 4 + 6 = 10
 *   delays: c3 = 4 - 1 - 2 - 1 = 0, sc = 4 - 1 - 1 - 1 = 1, gp+fc = 6 - 1 - 4 - 1 = 0 */
static void test_relay_stage(void **state) {
  (void)state;
  char path[600];
  snprintf(path, sizeof path, "%s/examples/tiny/relay/arch.yaml", GLIF_SOURCE_DIR);
  glif_arch a;
  glif_err err;
  if (arch_load(path, &a, &err)) fail_msg("%s: %s", path, err.msg);
  assert_int_equal(a.axons, 20);
  cc_ctx ctx;
  cc_options opt;
  front_example(&ctx, &opt, "relay", &a);
  const ir_net *n = ctx.net;
  const int offset[5] = {0, 1, 2, 4, 6}, relay[5] = {0, 0, 0, 1, 1};
  for (int i = 0; i < 5; i++) {
    assert_int_equal(n->pops[i].offset, offset[i]);
    assert_int_equal(n->pops[i].relay, relay[i]);
  }
  assert_int_equal(proj_named(n, "c3")->dly, 0);
  assert_int_equal(proj_named(n, "sc")->dly, 1);
  assert_int_equal(proj_named(n, "gp+fc")->dly, 0);
  assert_int_equal(n->n_ticks, 10);
  cc_destroy(&ctx);
}

/* conv4x4: zero weights take no axon. The conv's channel 0 kernel has 5 non-zero
 * taps, channel 1 has 3: lif needs 5. out reads channel 0's 16 neurons with weight 1
 * and channel 1's with 0 (row 0), or the reverse (row 1): 16. */
static void test_zero_weights_take_no_axon(void **state) {
  (void)state;
  cc_ctx ctx;
  cc_options opt;
  front_example(&ctx, &opt, "conv4x4", NULL);
  assert_int_equal(ctx.net->pops[1].fanin_axons, 5);
  assert_int_equal(ctx.net->pops[2].fanin_axons, 16);
  assert_int_equal(ctx.net->n_ticks, 3 + 2);
  cc_destroy(&ctx);
}

/* Axons of dense rows and parallel synapses: dense terms of one source are summed into
 * one row whose largest weight sets the scale (no parallel synapse); a depthwise
 * shortcut 10x the dense weight keeps w_q = 1270, ceil(1270/127) = 10 axons. */
static void test_parallel_synapses(void **state) {
  (void)state;
  const char *text = "glif_model: 1\ntimesteps: 1\nlayers:\n"
      "  - {name: x, type: input, shape: [4], range: 1.0}\n"
      "  - {name: f0, type: linear, input: x, weight: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]}\n"
      "  - {name: l0, type: glif, input: f0, alpha: 1.0, beta: 0.0, gamma: 1.0, tau: 1.0, "
      "leak: 0.0, reVth: 0.0, Vth: 0.5, conduct: 1.0}\n"
      "  - {name: f1, type: linear, input: l0, weight: [[0.0, 0.0, 1.0, -0.0078125]]}\n"
      "  - {name: b, type: batchnorm, input: l0, weight: [10.0, 10.0, 10.0, 10.0], bias: 0.0, "
      "running_mean: 0.0, running_var: 0.0, eps: 1.0}\n"
      "  - {name: f2, type: linear, input: b, weight: [[0.0, 1.0, 0.0, 0.0]]}\n"
      "  - {name: s, type: add, inputs: [f1, f2]}\n"
      "  - {name: out, type: readout, input: s}\n";
  cc_ctx ctx;
  cc_options opt;
  glif_err err;
  int rc = run_front_opts(&ctx, &opt, write_text("par.yaml", text), NULL, NULL, &err);
  if (rc) fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
  /* f1 and b+f2 both read l0 densely: summed into one row [0, 10, 1, -1/128];
   * the scale is 10/127: w_q = [0, 127, 12.7 -> 13, -0.0992 -> 0] */
  const ir_proj *j = &ctx.net->projs[1];
  assert_int_equal(ctx.net->n_projs, 2);
  assert_int_equal(j->wq[1], 127);
  assert_int_equal(j->wq[2], 13);
  assert_int_equal(j->wq[3], 0);
  assert_int_equal(ctx.net->pops[2].fanin_axons, 2);
  cc_destroy(&ctx);
  /* the same row as a depthwise shortcut next to a dense term keeps its own scale rule:
   * l1 reads f (dense, max 1) and BN 10x (depthwise): w_q 1270 -> 10 axons */
  const char *text2 = "glif_model: 1\ntimesteps: 1\nlayers:\n"
      "  - {name: x, type: input, shape: [1], range: 1.0}\n"
      "  - {name: f0, type: linear, input: x, weight: [[1.0]]}\n"
      "  - {name: l0, type: glif, input: f0, alpha: 1.0, beta: 0.0, gamma: 1.0, tau: 1.0, "
      "leak: 0.0, reVth: 0.0, Vth: 0.5, conduct: 1.0}\n"
      "  - {name: f, type: linear, input: l0, weight: [[1.0]]}\n"
      "  - {name: b, type: batchnorm, input: l0, weight: 20.0, bias: 0.0, running_mean: 0.0, "
      "running_var: 3.0, eps: 1.0}\n"
      "  - {name: s, type: add, inputs: [f, b]}\n"
      "  - {name: l1, type: glif, input: s, alpha: 1.0, beta: 0.0, gamma: 1.0, tau: 1.0, "
      "leak: 0.0, reVth: 0.0, Vth: 0.5, conduct: 1.0}\n"
      "  - {name: g, type: linear, input: l1, weight: [[1.0]]}\n"
      "  - {name: out, type: readout, input: g}\n";
  rc = run_front_opts(&ctx, &opt, write_text("par2.yaml", text2), NULL, NULL, &err);
  if (rc) fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
  assert_int_equal(ctx.net->projs[2].wq[0], 1270);
  assert_int_equal(ctx.net->pops[2].fanin_axons, 1 + 10);
  cc_destroy(&ctx);
}

/* Same input, same bytes: two compilations dump identically. */
static void test_dump_is_deterministic(void **state) {
  (void)state;
  char *text[2];
  size_t len[2];
  for (int k = 0; k < 2; k++) {
    cc_ctx ctx;
    cc_options opt;
    front_example(&ctx, &opt, "residual", NULL);
    FILE *f = open_memstream(&text[k], &len[k]);
    cc_dump_model(&ctx, f);
    cc_dump_net(&ctx, f);
    fclose(f);
    cc_destroy(&ctx);
  }
  assert_int_equal(len[0], len[1]);
  assert_string_equal(text[0], text[1]);
  assert_non_null(strstr(text[0], "pop 3 l3 spiking [2,4,4] n=32 offset=3 relay=0 fanin_axons=21"));
  assert_non_null(strstr(text[0], "proj 3 sc: l1 -> l3 depthwise 2x1x1x1 stride=1x1 pad=0x0 dly=1"));
  free(text[0]), free(text[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_residual_offsets_and_delays),
      cmocka_unit_test(test_relay_stage),
      cmocka_unit_test(test_zero_weights_take_no_axon),
      cmocka_unit_test(test_parallel_synapses),
      cmocka_unit_test(test_dump_is_deterministic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
