/*
 * test_emit_tiny.c - the compiler's output itself, for a model small enough to work
 * out by hand: every crossbar cell, group, neuron-to-group entry, fan-out entry, axon
 * flag, input and output map entry and symbol.
 *
 * Model: input x [1, 2, 2] (direct, graded) -> conv 2x2 -> h [2, 1, 1] (spiking, the
 * two channels have different thresholds) -> dense -> out [2, 1, 1] (readout, both
 * channels identical: one shared group). Weight 300 (> 127) is split 127, 127, 46.
 * Architecture glif-256 with row-major placement: h on core (0, 0), out on (1, 0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mapping_test.h"

static const int32_t conv_w[8] = {1, 2, 3, 4, /* channel 0 */ -5, 0, 300, 7};
static const int32_t dense_w[4] = {10, -20, /* out 0 <- h0, h1 */ 30, 40};

typedef struct fixture {
  glif_arena *arena;
  mt_ctx m;
  img_image img;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  f->arena = glif_arena_create(0);
  ir_net *net = irb_net(f->arena, 4);
  irb_params prm = irb_default_params();
  prm.theta_step = 100;
  irb_input(f->arena, net, 1, 2, 2, IR_ENC_DIRECT, 0.05, 8);
  const int h = irb_pop(f->arena, net, "h", NRN_SPIKING, 2, 1, 1, prm);
  const int o = irb_pop(f->arena, net, "out", NRN_READOUT, 2, 1, 1, irb_default_params());
  irb_conv(f->arena, net, "conv", 0, h, 2, 1, 0, 0, conv_w, 0, 0);
  irb_dense(f->arena, net, "fc", h, o, dense_w, 0, 0);
  glif_arch a;
  arch_default(&a);
  irb_schedule(net, &a);
  mt_init(&f->m, &a, net, f->arena);
  glif_err err;
  if (mt_run(&f->m, "route", &err) || map_build_image(&f->m.ctx, &f->img, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  map_image_free(&f->img);
  glif_arena_destroy(f->arena);
  free(f);
  return 0;
}

static void test_layers_and_schedule(void **state) {
  const img_image *img = &((fixture *)*state)->img;
  assert_int_equal(img->T, 4);
  assert_int_equal(img->n_ticks, 6); /* T + max offset 2 */
  assert_int_equal(img->n_layers, 2);
  assert_string_equal(img->layers[0].name, "h");
  assert_int_equal(img->layers[0].kind, NRN_SPIKING);
  assert_int_equal(img->layers[0].first_tick, 1);
  assert_int_equal(img->layers[0].n_neurons, 2);
  assert_string_equal(img->layers[1].name, "out");
  assert_int_equal(img->layers[1].kind, NRN_READOUT);
  assert_int_equal(img->layers[1].first_tick, 2);
  assert_int_equal(img->n_cores, 2);
  assert_int_equal(img->cores[0].x, 0);
  assert_int_equal(img->cores[0].y, 0);
  assert_int_equal(img->cores[1].x, 1);
  assert_int_equal(img->cores[1].y, 0);
}

/* Core of h: axons (source, copy) = (x0,0) (x1,0) (x2,0) (x2,1) (x2,2) (x3,0). */
static void test_conv_core(void **state) {
  const img_core *c = &((fixture *)*state)->img.cores[0];
  static const int8_t xbar[6][2] = {{1, -5}, {2, 0}, {3, 127}, {0, 127}, {0, 46}, {4, 7}};
  assert_int_equal(c->n_neurons, 2);
  assert_int_equal(c->n_axons, 6);
  for (int a = 0; a < 6; a++) {
    assert_int_equal(c->axon_flags[a], IMG_AXON_GRADED);
    for (int j = 0; j < 2; j++) assert_int_equal(c->crossbar[a * 2 + j], xbar[a][j]);
  }
  assert_int_equal(c->n_groups, 2);
  assert_int_equal(c->neurons[0].group, 0);
  assert_int_equal(c->neurons[1].group, 1);
  assert_int_equal(c->groups[0].p.theta, 900);
  assert_int_equal(c->groups[1].p.theta, 1000);
  assert_int_equal(c->groups[0].p.kind, NRN_SPIKING);
  assert_int_equal(c->groups[0].shift, 2);
  assert_int_equal(c->groups[0].first_tick, 1);
  assert_int_equal(c->groups[0].gain[3], 30000);
  /* fan-out: h0 -> out core axon 0, h1 -> axon 1, binary, delay 0 */
  assert_int_equal(c->n_fanout, 2);
  for (int j = 0; j < 2; j++) {
    assert_int_equal(c->neurons[j].fanout_start, j);
    assert_int_equal(c->neurons[j].fanout_count, 1);
    assert_int_equal(c->fanout[j].x, 1);
    assert_int_equal(c->fanout[j].y, 0);
    assert_int_equal(c->fanout[j].axon, j);
    assert_int_equal(c->fanout[j].delay, 0);
    assert_int_equal(c->fanout[j].flags, 0);
    assert_int_equal(c->symbols[j].layer, 0);
    assert_int_equal(c->symbols[j].index, j);
  }
}

static void test_dense_core(void **state) {
  const img_core *c = &((fixture *)*state)->img.cores[1];
  static const int8_t xbar[2][2] = {{10, 30}, {-20, 40}};
  assert_int_equal(c->n_axons, 2);
  for (int a = 0; a < 2; a++) {
    assert_int_equal(c->axon_flags[a], 0);
    for (int j = 0; j < 2; j++) assert_int_equal(c->crossbar[a * 2 + j], xbar[a][j]);
  }
  assert_int_equal(c->n_groups, 1); /* both readout channels share one parameter set */
  assert_int_equal(c->neurons[0].group, 0);
  assert_int_equal(c->neurons[1].group, 0);
  assert_int_equal(c->groups[0].p.kind, NRN_READOUT);
  assert_int_equal(c->groups[0].p.k, 32768);
  assert_int_equal(c->groups[0].first_tick, 2);
  assert_int_equal(c->n_fanout, 0);
  assert_int_equal(c->neurons[0].fanout_count, 0);
  assert_int_equal(c->neurons[1].fanout_count, 0);
  assert_int_equal(c->symbols[1].layer, 1);
  assert_int_equal(c->symbols[1].index, 1);
}

/* Input element 2 carries weight 300 on channel 1: three entries, one per copy. */
static void test_input_map(void **state) {
  const img_input *in = &((fixture *)*state)->img.input;
  static const uint32_t offsets[5] = {0, 1, 2, 5, 6};
  assert_int_equal(in->encoding, IMG_ENC_DIRECT);
  assert_int_equal(in->payload_bits, 8);
  assert_true(in->scale == 0.05);
  assert_int_equal(in->n_inputs, 4);
  assert_int_equal(in->n_entries, 6);
  for (int i = 0; i < 5; i++) assert_int_equal(in->offsets[i], offsets[i]);
  for (int e = 0; e < 6; e++) {
    assert_int_equal(in->entries[e].x, 0);
    assert_int_equal(in->entries[e].y, 0);
    assert_int_equal(in->entries[e].axon, e);
    assert_int_equal(in->entries[e].delay, 0);
    assert_int_equal(in->entries[e].flags, IMG_FAN_GRADED);
  }
}

static void test_output_map(void **state) {
  const img_image *img = &((fixture *)*state)->img;
  assert_int_equal(img->n_outputs, 2);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(img->outputs[i].x, 1);
    assert_int_equal(img->outputs[i].y, 0);
    assert_int_equal(img->outputs[i].neuron, i);
  }
  assert_true(img->outputs[0].scale == 0.001 / 4);
  assert_true(img->outputs[1].scale == 0.002 / 4);
}

/* The image computes what the network computes. */
static void test_functional(void **state) {
  fixture *f = *state;
  const int32_t input[4] = {20, -7, 13, 5};
  int layer_pop[2];
  mt_trace ref, run;
  fx_stats fs;
  mt_layer_pops(f->m.ctx.lowered, layer_pop);
  mt_ref_run(f->m.ctx.net, &f->m.ctx.arch, input, &ref);
  fx_run(&f->img, f->m.ctx.net, layer_pop, input, &run, &fs);
  assert_int_equal(fs.flag_mismatch, 0);
  assert_int_equal(fs.host_packets, 4 * 6);
  assert_true(mt_trace_spikes(&ref) > 0);
  assert_int_equal(mt_trace_diff(&ref, &run), 0);
  mt_trace_free(&ref);
  mt_trace_free(&run);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_layers_and_schedule), cmocka_unit_test(test_conv_core),
      cmocka_unit_test(test_dense_core),          cmocka_unit_test(test_input_map),
      cmocka_unit_test(test_output_map),          cmocka_unit_test(test_functional),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
