/*
 * test_relay.c - partial sums: relay layers in the lowered net and in the image, and
 * the required property "partial-sum splitting gives exactly the unsplit result": the
 * same network compiled for cores with many axons (no relays) and with few axons
 * (relays everywhere) runs to identical spikes, membranes and outputs in the
 * functional executor, and both equal the direct computation from ir_net.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mapping_test.h"

/* ---- structure: spikes [4, 3, 3] -> conv 2x2 -> t [3, 2, 2], 8-axon cores ---------- */

static ir_net *small_net(glif_arena *a, const glif_arch *arch) {
  static int32_t w[3 * 4 * 4];
  for (int i = 0; i < 48; i++) w[i] = (i * 7) % 23 - 11 ? (i * 7) % 23 - 11 : 5;
  ir_net *net = irb_net(a, 3);
  irb_params prm = irb_default_params();
  prm.shift = 3;
  irb_input(a, net, 4, 3, 3, IR_ENC_SPIKES, 1.0, 8);
  const int t = irb_pop(a, net, "t", NRN_SPIKING, 3, 2, 2, prm);
  irb_conv(a, net, "conv", 0, t, 2, 1, 0, 0, w, 0, 0);
  irb_schedule(net, arch);
  return net;
}

static void test_relay_lowering(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  glif_arch arch = mt_arch(16, 8, 4);
  ir_net *net = small_net(a, &arch);
  mt_ctx m;
  glif_err err;
  mt_init(&m, &arch, net, a);
  assert_int_equal(net->pops[1].relay, 1);
  assert_int_equal(net->pops[1].offset, 2);
  assert_int_equal(mt_run(&m, "lower", &err), 0);
  const lw_net *n = m.ctx.lowered;
  assert_int_equal(n->n_layers, 2);
  const lw_layer *R = &n->layers[0], *T = &n->layers[1];
  assert_string_equal(R->name, "t.psum");
  assert_int_equal(R->kind, NRN_RELAY);
  assert_int_equal(R->relay_for, 1);
  assert_int_equal(T->relay_layer, 0);
  assert_int_equal(R->first_tick, 1);
  assert_int_equal(T->first_tick, 2);
  /* 16 axons per neuron (4 channels x 4 taps), 8 per core: two chunks of 2 channels */
  assert_int_equal(R->fanin_total, 16);
  assert_int_equal(R->fanin, 8);
  assert_int_equal(R->n_chunks, 2);
  assert_int_equal(R->c, 6);
  assert_int_equal(R->n, 24);
  assert_int_equal(R->n_terms, 2);
  assert_int_equal(R->terms[0].lo, 0);
  assert_int_equal(R->terms[0].hi, 2);
  assert_int_equal(R->terms[1].lo, 2);
  assert_int_equal(R->terms[1].hi, 4);
  assert_int_equal(R->term_start[1], 1);
  assert_int_equal(R->terms[0].dly, 0);
  assert_int_equal(T->n_terms, 1);
  assert_int_equal(T->terms[0].kind, LW_PSUM);
  assert_int_equal(T->terms[0].src, 0);
  /* relay parameters: k = ks = d = r = theta = bias = 0, gain 1.0, target's shift */
  assert_int_equal(R->n_psets, 1);
  const lw_pset *p = &R->psets[0];
  assert_int_equal(p->p.kind, NRN_RELAY);
  assert_int_equal(p->p.k, 0);
  assert_int_equal(p->p.ks, 0);
  assert_int_equal(p->p.d, 0);
  assert_int_equal(p->p.r, 0);
  assert_int_equal(p->p.theta, 0);
  assert_int_equal(p->p.bias, 0);
  assert_int_equal(p->shift, 3);
  for (int t = 0; t < 3; t++) assert_int_equal(p->gain[t], 1u << 15);
  glif_arena_destroy(a);
}

static void test_relay_image(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  glif_arch arch = mt_arch(16, 8, 4);
  ir_net *net = small_net(a, &arch);
  mt_ctx m;
  glif_err err;
  img_image img;
  mt_init(&m, &arch, net, a);
  assert_int_equal(mt_run(&m, "route", &err), 0);
  assert_int_equal(map_build_image(&m.ctx, &img, &err), 0);
  assert_int_equal(img.n_layers, 2);
  assert_string_equal(img.layers[0].name, "t.psum");
  assert_int_equal(img.layers[0].kind, NRN_RELAY);
  assert_int_equal(img.layers[0].c, 6);
  int target_cores = 0;
  for (uint32_t i = 0; i < img.n_cores; i++) {
    const img_core *c = &img.cores[i];
    if (c->symbols[0].layer == 0) { /* relay core: one graded entry per neuron */
      for (uint32_t j = 0; j < c->n_neurons; j++) {
        const img_neuron *nr = &c->neurons[j];
        assert_int_equal(nr->fanout_count, 1);
        const img_fanout *f = &c->fanout[nr->fanout_start];
        assert_int_equal(f->delay, 0);
        assert_int_equal(f->flags, IMG_FAN_GRADED);
        /* the destination neuron is the same (c mod 3, y, x) of the target */
        const img_core *d = NULL;
        for (uint32_t k = 0; k < img.n_cores; k++)
          if (img.cores[k].x == f->x && img.cores[k].y == f->y) d = &img.cores[k];
        assert_non_null(d);
        assert_int_equal(d->symbols[f->axon].layer, 1);
        assert_int_equal(d->symbols[f->axon].index, c->symbols[j].index % 12);
      }
      continue;
    }
    target_cores++; /* target core: axon i -> neuron i with weight 1, graded */
    assert_int_equal(c->n_axons, c->n_neurons);
    for (uint32_t r = 0; r < c->n_axons; r++) {
      assert_int_equal(c->axon_flags[r], IMG_AXON_GRADED);
      for (uint32_t j = 0; j < c->n_neurons; j++)
        assert_int_equal(c->crossbar[r * c->n_neurons + j], r == j);
    }
  }
  assert_true(target_cores >= 1);
  map_image_free(&img);
  glif_arena_destroy(a);
}

/* ---- equivalence on a residual network ---------------------------------------------- */

/* x [3,6,6] direct -> A [8,6,6] -> B [8,3,3] (stride 2) -> C [8,3,3] (conv + BN-like
 * depthwise shortcut from B with weights 300..899) -> out [5] (dense readout). */
static ir_net *residual_net(glif_arena *a, uint64_t seed) {
  ir_net *net = irb_net(a, 5);
  irb_params prm = irb_default_params();
  prm.theta_step = 37;
  prm.bias_step = -3;
  prm.gain_step = -900;
  irb_input(a, net, 3, 6, 6, IR_ENC_DIRECT, 0.02, 8);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, 8, 6, 6, prm);
  const int B = irb_pop(a, net, "B", NRN_SPIKING, 8, 3, 3, prm);
  const int C = irb_pop(a, net, "C", NRN_SPIKING, 8, 3, 3, prm);
  const int O = irb_pop(a, net, "out", NRN_READOUT, 5, 1, 1, irb_default_params());
  irb_conv(a, net, "conv_a", 0, A, 3, 1, 1, 0, NULL, seed + 1, 6);
  irb_conv(a, net, "conv_b", A, B, 3, 2, 1, 0, NULL, seed + 2, 60);
  irb_conv(a, net, "conv_c", B, C, 3, 1, 1, 0, NULL, seed + 3, 60);
  const int sc = irb_conv(a, net, "short_c", B, C, 1, 1, 0, 1, NULL, seed + 4, 1);
  for (int c = 0; c < 8; c++) net->projs[sc].wq[c] = (c % 2 ? -1 : 1) * (300 + 83 * c);
  irb_dense(a, net, "fc", C, O, NULL, seed + 5, 90);
  return net;
}

typedef struct compiled {
  glif_arena *arena;
  mt_ctx m;
  img_image img;
  int layer_pop[16];
} compiled;

static void compile_for(compiled *c, const glif_arch *arch, uint64_t seed) {
  glif_err err;
  c->arena = glif_arena_create(0);
  ir_net *net = residual_net(c->arena, seed);
  irb_schedule(net, arch);
  mt_init(&c->m, arch, net, c->arena);
  if (mt_run(&c->m, "route", &err) || map_build_image(&c->m.ctx, &c->img, &err))
    fail_msg("compile: %s", err.msg);
  mt_layer_pops(c->m.ctx.lowered, c->layer_pop);
}

static void release(compiled *c) {
  map_image_free(&c->img);
  glif_arena_destroy(c->arena);
}

static void check_equivalent(uint64_t seed, int spikes_in) {
  glif_arch big = mt_arch(256, 4096, 8), small = mt_arch(16, 32, 24);
  small.groups = 4;
  small.fanout_entries = 64;
  compiled u, s;
  compile_for(&u, &big, seed);
  compile_for(&s, &small, seed);
  assert_int_equal(u.m.ctx.lowered->n_relay_layers, 0);
  assert_int_equal(s.m.ctx.lowered->n_relay_layers, 3); /* B, C and out */
  int32_t input[3 * 36];
  uint64_t r = seed;
  for (int i = 0; i < 108; i++) input[i] = (int32_t)(irb_rand(&r) % 255) - 127;
  (void)spikes_in;
  mt_trace ref, ru, rs;
  fx_stats fu, fs;
  mt_ref_run(u.m.ctx.net, &big, input, &ref);
  fx_run(&u.img, u.m.ctx.net, u.layer_pop, input, &ru, &fu);
  fx_run(&s.img, s.m.ctx.net, s.layer_pop, input, &rs, &fs);
  assert_int_equal(fu.flag_mismatch + fs.flag_mismatch, 0);
  assert_true(mt_trace_spikes(&ref) > 20);
  assert_int_equal(mt_trace_diff(&ref, &ru), 0);
  assert_int_equal(mt_trace_diff(&ru, &rs), 0);
  assert_true(fs.packets > fu.packets); /* the relays really carried partial sums */
  mt_trace_free(&ref), mt_trace_free(&ru), mt_trace_free(&rs);
  release(&u);
  release(&s);
}

static void test_split_equals_unsplit(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 6; seed++) check_equivalent(seed * 7919, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relay_lowering),
      cmocka_unit_test(test_relay_image),
      cmocka_unit_test(test_split_equals_unsplit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
