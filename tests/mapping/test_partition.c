/*
 * test_partition.c - properties of the partitioner over random conv shapes and random
 * core sizes: every core within its limits (neurons, exact axons, groups, fan-out),
 * every neuron of every layer on exactly one core, map_tile_of agreeing with the
 * tiles, the exact axon count never above the planner's bound; and, on each random
 * network, the functional execution of the image equal to the direct computation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mapping_test.h"

typedef struct shape {
  int cin, h, w, c1, k1, s1, p1, c2, k2, s2, p2, dw, spikes;
} shape;

static int pick(uint64_t *r, int lo, int hi) { return lo + (int)(irb_rand(r) % (uint32_t)(hi - lo + 1)); }

static shape random_shape(uint64_t *r) {
  shape s;
  s.cin = pick(r, 1, 6), s.h = pick(r, 1, 9), s.w = pick(r, 1, 9);
  s.c1 = pick(r, 1, 12), s.k1 = pick(r, 1, 4), s.s1 = pick(r, 1, 3);
  if (s.k1 > s.h + 2 * 1) s.k1 = 1;
  s.p1 = pick(r, 0, s.k1 - 1);
  if (s.h + 2 * s.p1 < s.k1 || s.w + 2 * s.p1 < s.k1) s.p1 = s.k1;
  s.c2 = pick(r, 1, 10), s.k2 = pick(r, 1, 3), s.s2 = 1, s.p2 = s.k2 / 2;
  s.dw = pick(r, 0, 1);
  s.spikes = pick(r, 0, 1);
  return s;
}

static int out_size(int n, int k, int s, int p) { return (n + 2 * p - k) / s + 1; }

/* x -> A (conv k1, stride s1) -> B (conv k2 same size [+ depthwise shortcut from A when
 * channels match]) -> out (dense readout). */
static ir_net *random_net(glif_arena *a, const shape *s, uint64_t seed) {
  ir_net *net = irb_net(a, 3);
  irb_params prm = irb_default_params();
  prm.theta = 300;
  prm.theta_step = (int32_t)(seed % 3) * 40; /* sometimes shared parameter sets */
  irb_input(a, net, s->cin, s->h, s->w, s->spikes ? IR_ENC_SPIKES : IR_ENC_DIRECT, 0.1, 8);
  const int ha = out_size(s->h, s->k1, s->s1, s->p1), wa = out_size(s->w, s->k1, s->s1, s->p1);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, s->c1, ha, wa, prm);
  const int c2 = s->dw ? s->c1 : s->c2;
  const int B = irb_pop(a, net, "B", NRN_SPIKING, c2, out_size(ha, s->k2, 1, s->p2),
                        out_size(wa, s->k2, 1, s->p2), prm);
  const int O = irb_pop(a, net, "out", NRN_READOUT, 3, 1, 1, irb_default_params());
  irb_conv(a, net, "ca", 0, A, s->k1, s->s1, s->p1, 0, NULL, seed + 1, s->spikes ? 90 : 9);
  irb_conv(a, net, "cb", A, B, s->k2, 1, s->p2, 0, NULL, seed + 2, 90);
  if (s->dw && net->pops[B].h == ha && net->pops[B].w == wa)
    irb_conv(a, net, "sc", A, B, 1, 1, 0, 1, NULL, seed + 3, 500);
  irb_dense(a, net, "fc", B, O, NULL, seed + 4, 100);
  return net;
}

static glif_arch random_arch(uint64_t *r) {
  static const uint32_t neurons[] = {4, 8, 16, 64, 256};
  static const uint32_t axons[] = {24, 40, 64, 128, 1024};
  glif_arch a = mt_arch(neurons[pick(r, 0, 4)], axons[pick(r, 0, 4)], 64);
  a.groups = (uint32_t)pick(r, 1, 6);
  a.fanout_entries = (uint32_t)(64 << pick(r, 0, 4));
  return a;
}

/* Every layer's neurons covered once; every core within limits. */
static void check_tiles(const cc_ctx *ctx) {
  const map_result *m = ctx->map;
  const lw_net *n = ctx->lowered;
  const glif_arch *a = &ctx->arch;
  for (int li = 0; li < n->n_layers; li++) {
    const lw_layer *L = &n->layers[li];
    uint8_t *seen = calloc((size_t)L->n, 1);
    const map_plan *p = &m->plan[li];
    for (int64_t t = p->first_tile; t < p->first_tile + p->n_tiles; t++) {
      const map_tile *g = &m->tiles[t];
      const int64_t nn = map_tile_neurons(g);
      assert_true(nn >= 1 && nn <= a->neurons);
      assert_true(g->n_axons <= a->axons);
      assert_true(g->n_axons <= p->rows_bound);
      assert_true(g->n_groups >= 1 && g->n_groups <= a->groups);
      assert_true(g->n_fanout <= a->fanout_entries);
      for (int64_t j = 0; j < nn; j++) {
        const int64_t idx = map_tile_neuron_index(L, g, j);
        uint32_t local;
        assert_int_equal(seen[idx], 0);
        seen[idx] = 1;
        assert_int_equal(map_tile_of(m, n, li, idx, &local), t);
        assert_int_equal(local, j);
      }
    }
    for (int64_t i = 0; i < L->n; i++) assert_int_equal(seen[i], 1);
    free(seen);
  }
}

static void run_one(uint64_t seed, int *compiled, int *refused) {
  uint64_t r = seed;
  const shape s = random_shape(&r);
  glif_arch arch = random_arch(&r);
  glif_arena *a = glif_arena_create(0);
  ir_net *net = random_net(a, &s, seed);
  irb_schedule(net, &arch);
  mt_ctx m;
  glif_err err;
  mt_init(&m, &arch, net, a);
  m.opt.place = seed % 2 ? "snake" : "hilbert";
  if (mt_run(&m, "route", &err)) { /* only design rules may refuse a random net */
    assert_int_equal(err.code, GLIF_EFIT);
    assert_non_null(strstr(err.msg, "DRC "));
    ++*refused;
    glif_arena_destroy(a);
    return;
  }
  ++*compiled;
  check_tiles(&m.ctx);
  assert_int_equal(lw_check(&m.ctx, &err), 0);
  assert_int_equal(map_check(&m.ctx, &err), 0);
  img_image img;
  assert_int_equal(map_build_image(&m.ctx, &img, &err), 0);
  const int64_t nin = net->pops[0].n * (s.spikes ? net->T : 1);
  int32_t *input = calloc((size_t)nin, sizeof *input);
  for (int64_t i = 0; i < nin; i++)
    input[i] = s.spikes ? (int32_t)(irb_rand(&r) % 2) : (int32_t)(irb_rand(&r) % 255) - 127;
  int layer_pop[16];
  mt_trace ref, run;
  fx_stats fs;
  mt_layer_pops(m.ctx.lowered, layer_pop);
  mt_ref_run(net, &arch, input, &ref);
  fx_run(&img, net, layer_pop, input, &run, &fs);
  assert_int_equal(fs.flag_mismatch, 0);
  assert_int_equal(mt_trace_diff(&ref, &run), 0);
  mt_trace_free(&ref), mt_trace_free(&run);
  free(input);
  map_image_free(&img);
  glif_arena_destroy(a);
}

static void test_random_convs(void **state) {
  (void)state;
  int compiled = 0, refused = 0;
  for (uint64_t seed = 1; seed <= 300; seed++) run_one(seed * 104729, &compiled, &refused);
  print_message("%d compiled, %d refused by design rules\n", compiled, refused);
  assert_true(compiled >= 200);
}

/* The plan's choice on a case worked out by hand: a 3x3 conv, 16 -> 16 channels on an
 * 8x8 map, cores of 64 neurons x 256 axons. 1024 neurons need 16 cores at least; of the
 * 64-neuron tiles only 16 channels x 2x2 positions keeps its window (4x4 positions x
 * 16 channels = 256 rows) within the axons (4x1 needs 6x3x16 = 288). */
static void test_shape_choice(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  glif_arch arch = mt_arch(64, 256, 8);
  arch.groups = 64;
  ir_net *net = irb_net(a, 2);
  irb_params prm = irb_default_params();
  irb_input(a, net, 16, 8, 8, IR_ENC_SPIKES, 1.0, 8);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, 16, 8, 8, prm);
  irb_conv(a, net, "c", 0, A, 3, 1, 1, 0, NULL, 5, 50);
  irb_schedule(net, &arch);
  mt_ctx m;
  glif_err err;
  mt_init(&m, &arch, net, a);
  assert_int_equal(mt_run(&m, "partition", &err), 0);
  const map_plan *p = &m.ctx.map->plan[0];
  assert_int_equal(p->n_tiles, 16);
  assert_int_equal(p->tc, 16);
  assert_int_equal(p->ty, 2);
  assert_int_equal(p->tx, 2);
  assert_true(p->rows_bound <= 256);
  glif_arena_destroy(a);
}

/* The invariant check catches a broken map. */
static void test_map_check(void **state) {
  (void)state;
  glif_arena *a = glif_arena_create(0);
  glif_arch arch = mt_arch(16, 64, 8);
  ir_net *net = irb_net(a, 2);
  irb_input(a, net, 2, 4, 4, IR_ENC_SPIKES, 1.0, 8);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, 4, 4, 4, irb_default_params());
  irb_conv(a, net, "c", 0, A, 3, 1, 1, 0, NULL, 5, 50);
  irb_schedule(net, &arch);
  mt_ctx m;
  glif_err err;
  mt_init(&m, &arch, net, a);
  assert_int_equal(mt_run(&m, "route", &err), 0);
  assert_int_equal(map_check(&m.ctx, &err), 0);
  m.ctx.map->input.e[0].axon = 999;
  assert_int_equal(map_check(&m.ctx, &err), GLIF_EINTERNAL);
  assert_non_null(strstr(err.msg, "mapping invariant broken: fan-out entry"));
  m.ctx.map->input.e[0].axon = 0;
  m.ctx.map->tiles[1].core = m.ctx.map->tiles[0].core;
  assert_int_equal(map_check(&m.ctx, &err), GLIF_EINTERNAL);
  assert_non_null(strstr(err.msg, "core of a tile"));
  m.ctx.map->tiles[0].y1++;
  assert_int_equal(map_check(&m.ctx, &err), GLIF_EINTERNAL);
  glif_arena_destroy(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shape_choice),
      cmocka_unit_test(test_map_check),
      cmocka_unit_test(test_random_convs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
