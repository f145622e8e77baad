/*
 * test_lower.c - the lower pass: NET layer order, parameter sets, parallel-synapse
 * arithmetic at its boundaries, exact synapse and fan-in counts, partial-sum chunking
 * (balanced, across projections), the dump, front-end contract violations and
 * allocation failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../mapping/mapping_test.h"

static int lower(glif_arena *a, ir_net *net, const glif_arch *arch, mt_ctx *m, glif_err *err) {
  irb_schedule(net, arch);
  mt_init(m, arch, net, a);
  return mt_run(m, "lower", err);
}

/* ---- copies ------------------------------------------------------------------------ */

static void test_copies(void **state) {
  (void)state;
  static const struct { int64_t w, copies; int32_t parts[4]; } cases[] = {
      {0, 0, {0, 0, 0, 0}},         {1, 1, {1, 0, 0, 0}},
      {-1, 1, {-1, 0, 0, 0}},       {127, 1, {127, 0, 0, 0}},
      {-127, 1, {-127, 0, 0, 0}},   {128, 2, {127, 1, 0, 0}},
      {254, 2, {127, 127, 0, 0}},   {255, 3, {127, 127, 1, 0}},
      {300, 3, {127, 127, 46, 0}},  {-300, 3, {-127, -127, -46, 0}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_int_equal(lw_copies(cases[i].w, 127), cases[i].copies);
    int64_t sum = 0;
    for (int k = 0; k < 4; k++) {
      assert_int_equal(lw_copy_part(cases[i].w, k, 127), cases[i].parts[k]);
      sum += lw_copy_part(cases[i].w, k, 127);
    }
    assert_int_equal(sum, cases[i].w);
  }
  assert_int_equal(lw_copies(8, 7), 2); /* W = 4 bits */
  assert_int_equal(lw_copy_part(8, 1, 7), 1);
}

/* ---- counts ----------------------------------------------------------------------- */

/* x [1, 3, 3] -> conv 3x3 pad 1 (weights 1..9, centre 200) -> A [1, 3, 3]: corner
 * outputs see 4 taps, edges 6, the centre 9: 4*4 + 4*6 + 9 = 49 synapses; the centre
 * tap (200, two copies) is valid at all 9 outputs: 9 extra copies. */
static void test_conv_counts(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  ir_net *net = irb_net(a, 2);
  const int32_t w[9] = {1, 2, 3, 4, 200, 6, 7, 8, 9};
  irb_input(a, net, 1, 3, 3, IR_ENC_SPIKES, 1.0, 8);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, 1, 3, 3, irb_default_params());
  irb_conv(a, net, "c", 0, A, 3, 1, 1, 0, w, 0, 0);
  glif_arch arch = mt_arch(256, 256, 4);
  mt_ctx m;
  glif_err err;
  assert_int_equal(lower(a, net, &arch, &m, &err), 0);
  const lw_layer *L = &m.ctx.lowered->layers[0];
  assert_int_equal(L->synapses, 49);
  assert_int_equal(L->copies_extra, 9);
  assert_int_equal(L->big_weights, 1);
  assert_int_equal(L->wq_max, 200);
  assert_int_equal(L->fanin, 10);
  assert_int_equal(L->terms[0].rows_unit, 2); /* one source channel, at most 2 copies */
  assert_int_equal(m.ctx.lowered->synapses, 49);
  glif_arena_destroy(a);
}

static void test_dense_counts(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  ir_net *net = irb_net(a, 2);
  const int32_t w[6] = {0, 5, -130, 0, 0, 7}; /* out 0 <- {x1, x2}, out 1 <- {x2} */
  irb_input(a, net, 3, 1, 1, IR_ENC_SPIKES, 1.0, 8);
  const int O = irb_pop(a, net, "o", NRN_READOUT, 2, 1, 1, irb_default_params());
  irb_dense(a, net, "fc", 0, O, w, 0, 0);
  glif_arch arch = mt_arch(256, 256, 4);
  mt_ctx m;
  glif_err err;
  assert_int_equal(lower(a, net, &arch, &m, &err), 0);
  const lw_layer *L = &m.ctx.lowered->layers[0];
  assert_int_equal(L->synapses, 3);
  assert_int_equal(L->copies_extra, 1);
  assert_int_equal(L->fanin, 3);            /* out 0: 1 + 2 copies */
  assert_int_equal(L->terms[0].rows_unit, 3); /* x1: 1, x2: 2 */
  assert_int_equal(L->terms[0].fanin_max, 3);
  glif_arena_destroy(a);
}

/* ---- order and parameter sets ------------------------------------------------------ */

static void test_order_and_psets(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  ir_net *net = irb_net(a, 3);
  irb_params alt = irb_default_params(), same = irb_default_params();
  irb_input(a, net, 8, 3, 3, IR_ENC_SPIKES, 1.0, 8);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, 4, 2, 2, same);
  const int B = irb_pop(a, net, "B", NRN_SPIKING, 4, 2, 2, alt);
  const int O = irb_pop(a, net, "O", NRN_READOUT, 2, 1, 1, same);
  irb_conv(a, net, "ca", 0, A, 2, 1, 0, 0, NULL, 3, 20); /* 8 x 4 = 32 > 16 axons */
  irb_conv(a, net, "cb", A, B, 1, 1, 0, 0, NULL, 4, 20);
  irb_dense(a, net, "fc", B, O, NULL, 5, 20);
  for (int c = 0; c < 4; c++) net->pops[B].q[c].p.theta = c % 2 ? 700 : 800;
  net->pops[B].shift[3] = 1; /* channel 3 differs from channel 1 by its shift only */
  glif_arch arch = mt_arch(64, 16, 4);
  mt_ctx m;
  glif_err err;
  assert_int_equal(lower(a, net, &arch, &m, &err), 0);
  const lw_net *n = m.ctx.lowered;
  assert_int_equal(n->n_layers, 4);
  assert_int_equal(n->n_relay_layers, 1);
  static const char *names[4] = {"A.psum", "A", "B", "O"};
  static const int kinds[4] = {NRN_RELAY, NRN_SPIKING, NRN_SPIKING, NRN_READOUT};
  static const int ticks[4] = {1, 2, 3, 4};
  for (int i = 0; i < 4; i++) {
    assert_string_equal(n->layers[i].name, names[i]);
    assert_int_equal(n->layers[i].kind, kinds[i]);
    assert_int_equal(n->layers[i].first_tick, ticks[i]);
  }
  assert_int_equal(n->layers[1].n_psets, 1);
  const lw_layer *Bl = &n->layers[2];
  assert_int_equal(Bl->n_psets, 3);
  assert_int_equal(Bl->pset[0], 0);
  assert_int_equal(Bl->pset[1], 1);
  assert_int_equal(Bl->pset[2], 0);
  assert_int_equal(Bl->pset[3], 2);
  assert_int_equal(Bl->psets[2].shift, 1);
  assert_int_equal(Bl->psets[1].p.theta, 700);
  assert_int_equal(n->neurons, 2 * 16 + 16 + 16 + 2);
  glif_arena_destroy(a);
}

/* ---- chunking ---------------------------------------------------------------------- */

/* 5 channels x 4 taps = 20 axons per neuron on 12-axon cores: 2 chunks; the smallest
 * budget that keeps 2 chunks is 12: channels [0, 3) and [3, 5). */
static void test_chunks_balanced(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  ir_net *net = irb_net(a, 2);
  int32_t w[2 * 5 * 4];
  for (int i = 0; i < 40; i++) w[i] = 1 + i % 7;
  irb_input(a, net, 5, 3, 3, IR_ENC_SPIKES, 1.0, 8);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, 2, 2, 2, irb_default_params());
  irb_conv(a, net, "c", 0, A, 2, 1, 0, 0, w, 0, 0);
  glif_arch arch = mt_arch(64, 12, 4);
  mt_ctx m;
  glif_err err;
  assert_int_equal(lower(a, net, &arch, &m, &err), 0);
  const lw_layer *R = &m.ctx.lowered->layers[0];
  assert_int_equal(R->n_chunks, 2);
  assert_int_equal(R->fanin_total, 20);
  assert_int_equal(R->fanin, 12);
  assert_int_equal(R->n_terms, 2);
  assert_int_equal(R->terms[0].lo, 0);
  assert_int_equal(R->terms[0].hi, 3);
  assert_int_equal(R->terms[1].lo, 3);
  assert_int_equal(R->terms[1].hi, 5);
  assert_int_equal(R->c, 4);
  assert_int_equal(R->cb, 2);
  glif_arena_destroy(a);
}

/* A [4, 2, 2] -> B [4, 1, 1]: conv 4 channels x 4 taps (16) + depthwise shortcut with 2
 * copies = 18 on 10-axon cores: 2 chunks; budget 9 would need 3, so 10: chunk 0 = conv
 * channels [0, 2); chunk 1 = conv [2, 4) and the whole shortcut. */
static void test_chunks_across_projections(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  ir_net *net = irb_net(a, 2);
  int32_t w[4 * 4 * 4], sc[4] = {200, 200, 200, 200};
  for (int i = 0; i < 64; i++) w[i] = 1 + i % 5;
  irb_input(a, net, 4, 2, 2, IR_ENC_SPIKES, 1.0, 8);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, 4, 2, 2, irb_default_params());
  const int B = irb_pop(a, net, "B", NRN_SPIKING, 4, 1, 1, irb_default_params());
  irb_conv(a, net, "ca", 0, A, 1, 1, 0, 0, NULL, 1, 9);
  irb_conv(a, net, "cb", A, B, 2, 1, 0, 0, w, 0, 0);  /* valid 2x2 on 2x2 */
  irb_conv(a, net, "sc", A, B, 1, 2, 0, 1, sc, 0, 0); /* 1x1, stride 2 */
  glif_arch arch = mt_arch(64, 10, 4);
  mt_ctx m;
  glif_err err;
  assert_int_equal(lower(a, net, &arch, &m, &err), 0);
  const lw_layer *R = &m.ctx.lowered->layers[1];
  assert_string_equal(R->name, "B.psum");
  assert_int_equal(R->fanin_total, 18);
  assert_int_equal(R->n_chunks, 2);
  assert_int_equal(R->fanin, 10);
  assert_int_equal(R->n_terms, 3);
  assert_int_equal(R->term_start[0], 0);
  assert_int_equal(R->term_start[1], 1);
  assert_int_equal(R->term_start[2], 3);
  assert_string_equal(R->terms[0].proj->name, "cb");
  assert_int_equal(R->terms[0].hi, 2);
  assert_string_equal(R->terms[1].proj->name, "cb");
  assert_int_equal(R->terms[1].lo, 2);
  assert_int_equal(R->terms[1].hi, 4);
  assert_string_equal(R->terms[2].proj->name, "sc");
  assert_int_equal(R->terms[2].lo, 0);
  assert_int_equal(R->terms[2].hi, 4);
  assert_int_equal(R->terms[2].dly, 0);
  glif_arena_destroy(a);
}

/* ---- dump, contract, memory ----------------------------------------------------- */

static char *dump_of(mt_ctx *m) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  cc_dump_lowered(&m->ctx, f);
  fclose(f);
  return buf;
}

static void test_dump(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  ir_net *net = irb_net(a, 2);
  irb_input(a, net, 2, 2, 2, IR_ENC_SPIKES, 1.0, 8);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, 3, 2, 2, irb_default_params());
  irb_conv(a, net, "c", 0, A, 1, 1, 0, 0, NULL, 7, 20);
  glif_arch arch = mt_arch(64, 64, 4);
  mt_ctx m;
  glif_err err;
  assert_int_equal(lower(a, net, &arch, &m, &err), 0);
  char *d1 = dump_of(&m), *d2 = dump_of(&m);
  assert_string_equal(d1, d2);
  assert_non_null(strstr(d1, "lowered model: T 2, 3 ticks, input x [2, 2, 2], 1 layers (0 "
                             "relay), 12 neurons (0 relay)"));
  assert_non_null(strstr(d1, "layer 0 A: spiking [3, 2, 2] = 12 neurons, first tick 1, 1 "
                             "parameter sets"));
  assert_non_null(strstr(d1, "    conv from x (c) ch [0, 2) k 1x1 s 1x1 p 0x0 dly 0"));
  free(d1), free(d2);
  assert_int_equal(lw_check(&m.ctx, &err), 0);
  m.ctx.lowered->layers[0].terms[0].hi = 3; /* beyond the source's 2 channels */
  assert_int_equal(lw_check(&m.ctx, &err), GLIF_EINTERNAL);
  assert_string_equal(err.msg, "lower: layer 'A' breaks an invariant: term range - this is "
                               "a bug in lower");
  glif_arena_destroy(a);
}

static void test_bad_projection(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  ir_net *net = irb_net(a, 2);
  irb_input(a, net, 2, 4, 4, IR_ENC_SPIKES, 1.0, 8);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, 3, 4, 4, irb_default_params());
  irb_conv(a, net, "c", 0, A, 3, 1, 0, 0, NULL, 7, 20); /* valid 3x3 on 4x4 gives 2x2 */
  glif_arch arch = mt_arch(64, 64, 4);
  mt_ctx m;
  glif_err err;
  assert_int_equal(lower(a, net, &arch, &m, &err), GLIF_EINTERNAL);
  assert_string_equal(err.msg, "lower: projection 0 ('c', 0 -> 1) does not match its "
                               "populations' shapes - this is a bug in the front end");
  glif_arena_destroy(a);
}

/* Every allocation of lower fails in turn: GLIF_ENOMEM, never a crash or a leak. */
static void test_out_of_memory(void **state) {
  (void)state;
  int rc = GLIF_ENOMEM, k = 0;
  for (; rc == GLIF_ENOMEM && k < 10000; k++) {
    glif_arena *a = glif_arena_create(64);
    ir_net *net = irb_net(a, 3);
    irb_input(a, net, 8, 3, 3, IR_ENC_SPIKES, 1.0, 8);
    const int A = irb_pop(a, net, "A", NRN_SPIKING, 4, 3, 3, irb_default_params());
    const int O = irb_pop(a, net, "O", NRN_READOUT, 2, 1, 1, irb_default_params());
    irb_conv(a, net, "c", 0, A, 3, 1, 1, 0, NULL, 2, 300);
    irb_dense(a, net, "fc", A, O, NULL, 3, 20);
    glif_arch arch = mt_arch(64, 20, 8);
    irb_schedule(net, &arch);
    mt_ctx m;
    glif_err err;
    mt_init(&m, &arch, net, a);
    glif_mem_fail_after(k);
    rc = mt_run(&m, "lower", &err);
    glif_mem_fail_after(-1);
    assert_true(rc == 0 || rc == GLIF_ENOMEM);
    if (rc) assert_int_equal(err.code, GLIF_ENOMEM);
    glif_arena_destroy(a);
  }
  assert_int_equal(rc, 0);
  assert_true(k > 10);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_copies),         cmocka_unit_test(test_conv_counts),
      cmocka_unit_test(test_dense_counts),   cmocka_unit_test(test_order_and_psets),
      cmocka_unit_test(test_chunks_balanced), cmocka_unit_test(test_chunks_across_projections),
      cmocka_unit_test(test_dump),           cmocka_unit_test(test_bad_projection),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
