/*
 * test_drc.c - every design rule fires on a crafted network with its exact message;
 * all problems are collected into one error; notes are notes, not errors; the first
 * problem carries the model position of its layer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../mapping/mapping_test.h"

typedef struct net_case {
  glif_arena *arena;
  ir_net *net;
  glif_arch arch;
  mt_ctx m;
  glif_err err;
} net_case;

/* x [2, 4, 4] spikes -> A [4, 4, 4] -> B [4, 4, 4] -> C [4, 4, 4] (conv 3x3 from B plus
 * a depthwise shortcut from A with weight 300, skipping B: delay 1) -> out [3] (dense
 * readout). All convs 3x3 with padding 1. */
static void build(net_case *c, const glif_arch *arch) {
  memset(c, 0, sizeof *c);
  c->arena = glif_arena_create(0);
  c->arch = *arch;
  c->net = irb_net(c->arena, 4);
  ir_net *n = c->net;
  irb_input(c->arena, n, 2, 4, 4, IR_ENC_SPIKES, 1.0, 8);
  const int A = irb_pop(c->arena, n, "A", NRN_SPIKING, 4, 4, 4, irb_default_params());
  const int B = irb_pop(c->arena, n, "B", NRN_SPIKING, 4, 4, 4, irb_default_params());
  const int C = irb_pop(c->arena, n, "C", NRN_SPIKING, 4, 4, 4, irb_default_params());
  const int O = irb_pop(c->arena, n, "out", NRN_READOUT, 3, 1, 1, irb_default_params());
  irb_conv(c->arena, n, "ca", 0, A, 3, 1, 1, 0, NULL, 11, 40);
  irb_conv(c->arena, n, "cb", A, B, 3, 1, 1, 0, NULL, 12, 40);
  irb_conv(c->arena, n, "cc", B, C, 3, 1, 1, 0, NULL, 13, 40);
  const int sc = irb_conv(c->arena, n, "sc", A, C, 1, 1, 0, 1, NULL, 14, 1);
  for (int k = 0; k < 4; k++) n->projs[sc].wq[k] = 300;
  irb_dense(c->arena, n, "fc", C, O, NULL, 15, 50);
}

/* "1,234"-style fan-in of population d, as the messages print it. */
static const char *fanin_of(net_case *c, int d, char *buf) {
  return lw_group_digits(irb_fanin(c->net, d, 127), buf, 32);
}

static int run(net_case *c) {
  irb_schedule(c->net, &c->arch);
  mt_init(&c->m, &c->arch, c->net, c->arena);
  return mt_run(&c->m, "drc", &c->err);
}

static void done(net_case *c) { glif_arena_destroy(c->arena); }

static glif_arch roomy(void) { return mt_arch(256, 1024, 8); }

static void test_clean(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  build(&c, &a);
  assert_int_equal(run(&c), 0);
  assert_int_equal(c.err.code, 0);
  /* the shortcut's 300 is a parallel-synapse note, not an error */
  assert_string_equal(c.m.ctx.notes.msg,
                      "DRC weight: layer 'C' has 4 weights above the crossbar's +-127 "
                      "(largest |w| = 300): split into parallel synapses, 128 extra synapse "
                      "copies");
  done(&c);
}

static void test_steps(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  a.max_steps = 2;
  build(&c, &a);
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_string_equal(c.err.msg, "DRC steps: the model runs T = 4 steps, the gain tables "
                                 "hold 2 (max_steps) - use an architecture with max_steps "
                                 ">= 4 or fewer timesteps");
  done(&c);
}

/* The shortcut A -> C skips a layer: delay 1 needs 3 delay slots. */
static void test_delay(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  a.delay_slots = 2;
  build(&c, &a);
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_string_equal(c.err.msg, "DRC delay: projection 'sc' (A -> C) needs a delay of 1 "
                                 "tick, cores have 2 delay slots (largest delay 0) - use an "
                                 "architecture with delay_slots >= 3");
  done(&c);
}

static void test_shift(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  a.shift_max = 1;
  build(&c, &a);
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_non_null(strstr(c.err.msg, "DRC shift: layer 'A' uses weight shift M = 2, cores "
                                    "allow up to 1 - use an architecture with shift_max >= 2"));
  done(&c);
}

static void test_name_too_long(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  build(&c, &a);
  char name[140];
  memset(name, 'n', sizeof name - 1);
  name[139] = '\0';
  c.net->pops[1].name = name;
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_non_null(strstr(c.err.msg, "DRC names: layer name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' "
                                    "has 139 characters, the image holds 127 - shorten it"));
  done(&c);
}

/* A layer whose fan-in exceeds the axons but which the schedule did not split. */
static void test_fanin_not_scheduled(void **state) {
  (void)state;
  net_case c;
  char want[256], f[32];
  glif_arch a = roomy();
  a.axons = 30;
  build(&c, &a);
  irb_schedule(c.net, &a);
  c.net->pops[3].relay = 0; /* C: 36 taps (some zero) + 3 copies > 30 */
  mt_init(&c.m, &a, c.net, c.arena);
  assert_int_equal(mt_run(&c.m, "drc", &c.err), GLIF_EFIT);
  snprintf(want, sizeof want, "DRC fanin: layer 'C' needs %s axons per neuron, cores have "
           "30, and the schedule did not plan partial sums for it (relay = 0) - this is a "
           "bug in the schedule", fanin_of(&c, 3, f));
  assert_non_null(strstr(c.err.msg, want));
  done(&c);
}

/* Relays are notes; one input channel of a 3x3 kernel alone (9 axons) cannot be split
 * over 8-axon cores. */
static void test_fanin_relay_note_and_unit(void **state) {
  (void)state;
  net_case c;
  char want[256], f[32];
  glif_arch a = roomy();
  a.axons = 30;
  build(&c, &a);
  assert_int_equal(run(&c), 0);
  assert_true(irb_fanin(c.net, 3, 127) > 30 && irb_fanin(c.net, 3, 127) <= 60);
  snprintf(want, sizeof want, "DRC fanin: layer 'C' (input cc, sc) needs %s axons per "
           "neuron, cores have 30; it will be split into 2 partial-sum groups ('C.psum', 128 "
           "relay neurons)", fanin_of(&c, 3, f));
  assert_non_null(strstr(c.m.ctx.notes.msg, want));
  done(&c);
  a.axons = 8;
  build(&c, &a);
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_non_null(strstr(c.err.msg, "DRC fanin: one source channel of layer 'A' alone needs "
                                    "more than 8 axons per neuron (kernel taps x parallel "
                                    "copies), so no partial-sum split fits - use an "
                                    "architecture with more axons per core"));
  done(&c);
}

/* Relay partial sums beyond an 8-bit payload. */
static void test_payload(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  a.axons = 30;
  a.payload_sum_bits = 8;
  build(&c, &a);
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_non_null(strstr(c.err.msg, "DRC payload: a partial sum of 'B.psum' can reach "));
  assert_non_null(strstr(c.err.msg, "membrane units, relays carry at most 127 "
                                    "(payload_sum_bits 8, acc_bits 24, membrane_bits 24)"));
  done(&c);
  a = roomy();
  build(&c, &a);
  c.net->pops[0].encoding = IR_ENC_DIRECT;
  c.net->pops[0].payload_bits = 10;
  for (int i = 0; i < c.net->n_projs; i++) c.net->projs[i].graded = c.net->projs[i].src == 0;
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_string_equal(c.err.msg, "DRC payload: the input is quantised to 10-bit payloads, "
                                 "input packets carry 8 bits - quantise for this "
                                 "architecture (payload_in_bits)");
  done(&c);
}

static void test_groups_note(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  a.groups = 2;
  build(&c, &a);
  for (int ch = 0; ch < 4; ch++) c.net->pops[1].q[ch].p.theta = 900 + ch;
  assert_int_equal(run(&c), 0);
  assert_non_null(strstr(c.m.ctx.notes.msg, "DRC groups: layer 'A' has 4 parameter sets, "
                                            "cores hold 2 groups: at most 2 of its channels "
                                            "share a core"));
  done(&c);
}

static void test_capacity(void **state) {
  (void)state;
  net_case c;
  glif_arch a = mt_arch(16, 64, 1);
  build(&c, &a);
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_non_null(strstr(c.err.msg, "DRC neurons: the network has 195 neurons (0 of them "
                                    "relays), the chip holds 16 (1 cores x 16) - use a larger "
                                    "mesh or larger cores"));
  assert_non_null(strstr(c.err.msg, "DRC crossbar: the network has "));
  assert_non_null(strstr(c.err.msg, "the chip's crossbars hold 1,024 (1 cores x 64 x 16)"));
  /* capacity exceeded: the mesh rule gives the planner's fast lower bound */
  assert_non_null(strstr(c.err.msg, "DRC mesh: the network needs at least "));
  done(&c);
}

static void test_fanout(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  a.fanout_entries = 2; /* A's neurons need 3 entries for the 300-weight shortcut alone */
  build(&c, &a);
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_non_null(strstr(c.err.msg, "DRC fanout: a neuron of layer 'A' needs "));
  assert_non_null(strstr(c.err.msg, "fan-out entries, cores have 2 - use an architecture "
                                    "with fanout_entries >= "));
  done(&c);
}

/* Fan-out entries per core below what whole-channel tiles need: smaller tiles, a note.
 * A's neurons need 3 (shortcut copies) + conv entries each; with 20 entries per core
 * a 64-neuron tile cannot hold them. */
static void test_fanout_note(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  a.fanout_entries = 20;
  build(&c, &a);
  assert_int_equal(run(&c), 0);
  const map_plan *p = &c.m.ctx.map->plan[0];
  assert_true(p->fanout_limited == 64 && p->tc * p->ty * p->tx < 64 && p->fanout_max <= 20);
  char want[200];
  snprintf(want, sizeof want, "DRC fanout: layer 'A' has cores of up to %lld fan-out "
           "entries (20 allowed), so its tiles hold %d neurons instead of 64",
           (long long)p->fanout_max, p->tc * p->ty * p->tx);
  assert_non_null(strstr(c.m.ctx.notes.msg, want));
  done(&c);
}

/* Cores of 48 neurons: A, B and C take 2 each (4 channels x 2 x 4 positions; A's
 * window is the whole 4 x 4 input: 2 channels x 16 = 32 axons), out 1: 7 cores on a
 * 3 x 2 mesh. */
static void test_mesh(void **state) {
  (void)state;
  net_case c;
  glif_arch a = mt_arch(48, 1024, 2);
  a.mesh_x = 3;
  build(&c, &a);
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_string_equal(c.err.msg, "DRC mesh: the network needs 7 cores, the mesh has 6 "
                                 "(3 x 2); use an architecture with a mesh of at least 3 x 3, "
                                 "or larger cores");
  assert_non_null(strstr(c.m.ctx.notes.msg, "DRC mesh: layer 'A' takes 2 cores (tiles of 4 "
                                            "channels x 2 x 4, up to 32 axons)"));
  done(&c);
}

/* A weight of 2^30 needs 8.5 million parallel copies: refused at once, never
 * enumerated. */
static void test_huge_weight(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  build(&c, &a);
  for (int i = 0; i < c.net->n_projs; i++)
    if (!strcmp(c.net->projs[i].name, "sc")) c.net->projs[i].wq[0] = 1 << 30;
  assert_int_equal(run(&c), GLIF_EFIT);
  assert_non_null(strstr(c.err.msg, "DRC fanin: one source channel of layer 'C' alone needs "
                                    "more than 1024 axons per neuron"));
  assert_non_null(strstr(c.err.msg, "DRC crossbar: the network has "));
  done(&c);
}

/* Several problems: one error listing all, positioned at the first one's layer. */
static void test_all_collected(void **state) {
  (void)state;
  net_case c;
  glif_arch a = roomy();
  a.max_steps = 2;
  a.delay_slots = 2;
  a.shift_max = 1;
  build(&c, &a);
  ir_model model;
  ir_layer layers[5];
  memset(&model, 0, sizeof model);
  memset(layers, 0, sizeof layers);
  layers[3].pos = (ir_pos){17, 5};
  model.n_layers = 5;
  model.layers = layers;
  c.net->model = &model;
  c.net->pops[3].layer = 3;
  irb_schedule(c.net, &a);
  mt_init(&c.m, &a, c.net, c.arena);
  c.m.opt.model_path = "model.yaml";
  c.m.ctx.model = &model;
  assert_int_equal(mt_run(&c.m, "drc", &c.err), GLIF_EFIT);
  assert_string_equal(c.err.file, "model.yaml");
  assert_int_equal(c.err.line, 0); /* steps is about the whole model */
  const char *steps = strstr(c.err.msg, "DRC steps:"), *delay = strstr(c.err.msg, "\nDRC delay:"),
             *shift = strstr(c.err.msg, "\nDRC shift:");
  assert_true(steps == c.err.msg && delay > steps && shift > delay);
  done(&c);
  build(&c, &a);
  a.max_steps = 32;
  c.net->model = &model;
  c.net->pops[3].layer = 3;
  irb_schedule(c.net, &a);
  mt_init(&c.m, &a, c.net, c.arena);
  c.m.opt.model_path = "model.yaml";
  c.m.ctx.model = &model;
  assert_int_equal(mt_run(&c.m, "drc", &c.err), GLIF_EFIT);
  assert_int_equal(c.err.line, 17); /* the delay of 'sc' into C: C's layer position */
  assert_int_equal(c.err.col, 5);
  done(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clean),        cmocka_unit_test(test_steps),
      cmocka_unit_test(test_delay),        cmocka_unit_test(test_shift),
      cmocka_unit_test(test_name_too_long), cmocka_unit_test(test_fanin_not_scheduled),
      cmocka_unit_test(test_fanin_relay_note_and_unit), cmocka_unit_test(test_payload),
      cmocka_unit_test(test_groups_note),  cmocka_unit_test(test_capacity),
      cmocka_unit_test(test_fanout),       cmocka_unit_test(test_mesh),
      cmocka_unit_test(test_huge_weight),  cmocka_unit_test(test_fanout_note),
      cmocka_unit_test(test_all_collected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
