/*
 * test_vs_reference.c - the compiled image computes what the golden model computes.
 *
 * Real models go through the whole compiler (load .. route); the image is built in
 * memory and run by the functional executor of mapping_test.h; the front end's
 * reference model (compiler/reference.h, fixed point, no mapping) runs the same
 * samples. Spikes of every population at every logical step, the readouts' membranes
 * and the outputs must agree exactly. Models: the examples/tiny folders (a chain, a
 * conv, a residual pair with parallel synapses, the same with partial-sum relays) and
 * the digits network, compiled both without and with partial sums.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include <cmocka.h>

#include "compiler/reference.h"
#include "fabric/npy.h"
#include "mapping_test.h"

typedef struct compiled {
  cc_options opt;
  cc_ctx ctx;
  img_image img;
  int layer_pop[64];
} compiled;

static const char *partitioner = NULL; /* NULL: greedy */

static int compile(compiled *c, const char *model, const char *arch, uint32_t axons,
                   uint32_t mesh) {
  glif_err err;
  memset(c, 0, sizeof *c);
  c->opt.partition = partitioner;
  c->opt.model_path = model;
  c->opt.arch_path = arch;
  c->opt.stop_after = "route";
  c->opt.quiet = 1;
  if (cc_init(&c->ctx, &c->opt, &err)) fail_msg("%s", err.msg);
  if (axons) c->ctx.arch.axons = axons;
  if (mesh) c->ctx.arch.mesh_x = c->ctx.arch.mesh_y = mesh;
  if (cc_run(&c->ctx, &err) || map_build_image(&c->ctx, &c->img, &err))
    fail_msg("%s: %s", model, err.msg);
  mt_layer_pops(c->ctx.lowered, c->layer_pop);
  return c->ctx.lowered->n_relay_layers;
}

static void release(compiled *c) {
  map_image_free(&c->img);
  cc_destroy(&c->ctx);
}

/* Payloads (direct) or 0/1 spikes per step (spikes) of one sample, as the host sends. */
static int32_t *host_input(const ir_net *net, const double *x) {
  const ir_pop *in = &net->pops[0];
  const int64_t n = in->n * (in->encoding == IR_ENC_DIRECT ? 1 : net->T);
  int32_t *v = calloc((size_t)n, sizeof *v);
  for (int64_t i = 0; i < n; i++)
    v[i] = in->encoding == IR_ENC_DIRECT ? ref_input_payload(in, x[i]) : x[i] != 0.0;
  return v;
}

/* Compares the executor's trace of one sample with the reference, everything exact. */
static int64_t compare(const compiled *c, ref_model *rm, const mt_trace *tr,
                       int64_t *spikes) {
  const ir_net *net = c->ctx.net;
  int64_t diff = 0;
  for (int p = 1; p < net->n_pops; p++) {
    const int64_t n = net->pops[p].n;
    for (int t = 1; t <= net->T; t++) {
      uint32_t k;
      const uint32_t *s = ref_spikes(rm, p, t, &k);
      uint8_t *want = calloc((size_t)n, 1);
      for (uint32_t i = 0; i < k; i++) want[s[i]] = 1;
      for (int64_t j = 0; j < n; j++) diff += want[j] != tr->spk[p][(int64_t)(t - 1) * n + j];
      *spikes += k;
      free(want);
    }
    const int32_t *u = ref_u_fixed(rm, p);
    for (int64_t j = 0; j < n; j++) diff += u[j] != tr->u[p][(int64_t)(net->T - 1) * n + j];
  }
  return diff;
}

/* Outputs: the image's output map applied to the executor's readout membranes. */
static void compare_outputs(const compiled *c, ref_model *rm, const mt_trace *tr) {
  const double *want = ref_outputs(rm);
  assert_int_equal(ref_n_outputs(rm), c->img.n_outputs);
  for (uint32_t i = 0; i < c->img.n_outputs; i++) {
    const img_output *o = &c->img.outputs[i];
    const img_core *core = NULL;
    for (uint32_t k = 0; k < c->img.n_cores; k++)
      if (c->img.cores[k].x == o->x && c->img.cores[k].y == o->y) core = &c->img.cores[k];
    assert_non_null(core);
    const img_symbol *s = &core->symbols[o->neuron];
    const int p = c->layer_pop[s->layer];
    const double got = tr->u[p][(int64_t)(c->ctx.net->T - 1) * tr->n[p] + s->index] * o->scale;
    assert_true(fabs(got - want[i]) <= 1e-12 * (1.0 + fabs(want[i])));
  }
}

/* Runs up to max_samples samples of input.npy through both; returns the spikes seen. */
static int64_t check(const compiled *c, const char *input, int max_samples) {
  glif_err err;
  npy_array a;
  int64_t n_samples, spikes = 0;
  ref_model *rm;
  if (npy_read(input, &a, &err) ||
      ref_input_samples(c->ctx.net, &a, input, &n_samples, &err) ||
      ref_create(&rm, c->ctx.net, &c->ctx.arch, REF_FIXED, &err))
    fail_msg("%s", err.msg);
  const int64_t size = ref_sample_size(c->ctx.net);
  for (int64_t s = 0; s < n_samples && s < max_samples; s++) {
    const double *x = a.data + s * size;
    int32_t *host = host_input(c->ctx.net, x);
    mt_trace tr;
    fx_stats fs;
    assert_int_equal(ref_run(rm, x, &err), 0);
    fx_run(&c->img, c->ctx.net, c->layer_pop, host, &tr, &fs);
    assert_int_equal(fs.flag_mismatch, 0);
    assert_int_equal(compare(c, rm, &tr, &spikes), 0);
    compare_outputs(c, rm, &tr);
    mt_trace_free(&tr);
    free(host);
  }
  ref_destroy(rm);
  npy_free(&a);
  return spikes;
}

static void example(const char *name, int relays_expected) {
  char model[1024], arch[1024], input[1024];
  snprintf(model, sizeof model, "%s/examples/tiny/%s/model.yaml", GLIF_SOURCE_DIR, name);
  snprintf(arch, sizeof arch, "%s/examples/tiny/%s/arch.yaml", GLIF_SOURCE_DIR, name);
  snprintf(input, sizeof input, "%s/examples/tiny/%s/input.npy", GLIF_SOURCE_DIR, name);
  compiled c;
  const int relays = compile(&c, model, access(arch, R_OK) ? "glif-256" : arch, 0, 0);
  assert_int_equal(relays > 0, relays_expected);
  assert_true(check(&c, input, 8) > 0);
  release(&c);
}

static void test_chain(void **state) { (void)state; example("chain", 0); }
static void test_conv4x4(void **state) { (void)state; example("conv4x4", 0); }
static void test_residual(void **state) { (void)state; example("residual", 0); }
static void test_relay(void **state) { (void)state; example("relay", 1); }

/* The digits network: 16-channel 3x3 convs, a BN shortcut, pooling, a readout. On
 * 256-axon cores no relays; on 64-axon cores three layers get partial sums. */
static void test_digits_split_and_unsplit(void **state) {
  (void)state;
  char model[1024], input[1024];
  snprintf(model, sizeof model, "%s/examples/digits/model.yaml", GLIF_SOURCE_DIR);
  snprintf(input, sizeof input, "%s/examples/digits/test_inputs.npy", GLIF_SOURCE_DIR);
  compiled u, s;
  assert_int_equal(compile(&u, model, "glif-256", 0, 16), 0);
  assert_int_equal(compile(&s, model, "glif-256", 64, 32), 3);
  const int64_t su = check(&u, input, 3), ss = check(&s, input, 3);
  assert_true(su > 100);
  assert_int_equal(su, ss);
  release(&u);
  release(&s);
}

/* The METIS partitioner places the same tiles elsewhere: the same results. */
static void test_metis(void **state) {
  (void)state;
  partitioner = "metis";
  example("residual", 0);
  example("relay", 1);
  partitioner = NULL;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chain),    cmocka_unit_test(test_conv4x4),
      cmocka_unit_test(test_residual), cmocka_unit_test(test_relay),
      cmocka_unit_test(test_digits_split_and_unsplit),
      cmocka_unit_test(test_metis),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
