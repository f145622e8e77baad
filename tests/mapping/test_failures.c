/*
 * test_failures.c - the mapping passes under allocation failure and bad options: every
 * allocation of partition, place, route and the image build fails in turn and each
 * time the result is GLIF_ENOMEM with nothing leaked (ASan in CI), never a crash; an
 * unknown placer or partitioner is a usage error; the same compile twice gives
 * identical images.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "mapping_test.h"

/* x [3, 5, 5] direct -> A [6, 5, 5] -> B [6, 5, 5] (+ depthwise shortcut from A, big
 * weights) -> out [4] dense readout; on 24-axon cores: relays for B and out. */
static ir_net *net_of(glif_arena *a, const glif_arch *arch) {
  ir_net *net = irb_net(a, 3);
  irb_params prm = irb_default_params();
  prm.theta_step = 50;
  irb_input(a, net, 3, 5, 5, IR_ENC_DIRECT, 0.1, 8);
  const int A = irb_pop(a, net, "A", NRN_SPIKING, 6, 5, 5, prm);
  const int B = irb_pop(a, net, "B", NRN_SPIKING, 6, 5, 5, prm);
  const int O = irb_pop(a, net, "out", NRN_READOUT, 4, 1, 1, irb_default_params());
  irb_conv(a, net, "ca", 0, A, 3, 1, 1, 0, NULL, 21, 9);
  irb_conv(a, net, "cb", A, B, 3, 1, 1, 0, NULL, 22, 80);
  irb_conv(a, net, "sc", A, B, 1, 1, 0, 1, NULL, 23, 400);
  irb_dense(a, net, "fc", B, O, NULL, 24, 60);
  irb_schedule(net, arch);
  return net;
}

static glif_arch small_arch(void) {
  glif_arch a = mt_arch(16, 40, 16);
  a.groups = 3;
  return a;
}

static const char *partitioner = NULL; /* NULL: greedy */

/* Runs the back end with the k-th allocation failing (k < 0: none). */
static int attempt(long k, const glif_arch *arch, img_image *img, int keep) {
  glif_arena *a = glif_arena_create(256);
  ir_net *net = net_of(a, arch);
  mt_ctx m;
  glif_err err;
  mt_init(&m, arch, net, a);
  m.opt.place = "spatial";
  m.opt.partition = partitioner;
  glif_mem_fail_after(k);
  int rc = mt_run(&m, "route", &err);
  if (!rc) rc = map_build_image(&m.ctx, img, &err);
  glif_mem_fail_after(-1);
  if (rc) assert_int_equal(err.code, rc);
  if (!rc && !keep) map_image_free(img);
  glif_arena_destroy(a);
  return rc;
}

static void test_every_allocation_fails(void **state) {
  (void)state;
  const glif_arch arch = small_arch();
  img_image img;
  int rc = GLIF_ENOMEM;
  long k = 0;
  for (; rc == GLIF_ENOMEM && k < 100000; k++) {
    rc = attempt(k, &arch, &img, 0);
    assert_true(rc == 0 || rc == GLIF_ENOMEM);
  }
  assert_int_equal(rc, 0);
  print_message("the back end survived %ld failing allocations\n", k - 1);
  assert_true(k > 50);
}

static void test_every_allocation_fails_metis(void **state) {
  partitioner = "metis";
  test_every_allocation_fails(state);
  partitioner = NULL;
}

static void test_deterministic(void **state) {
  (void)state;
  const glif_arch arch = small_arch();
  img_image x, y;
  assert_int_equal(attempt(-1, &arch, &x, 1), 0);
  assert_int_equal(attempt(-1, &arch, &y, 1), 0);
  assert_int_equal(x.n_cores, y.n_cores);
  assert_int_equal(x.n_layers, 5); /* A, B.psum, B, out.psum, out */
  assert_true(x.n_cores > 10);
  for (uint32_t i = 0; i < x.n_cores; i++) {
    const img_core *a = &x.cores[i], *b = &y.cores[i];
    assert_true(a->x == b->x && a->y == b->y && a->n_neurons == b->n_neurons &&
                a->n_axons == b->n_axons && a->n_fanout == b->n_fanout &&
                a->n_groups == b->n_groups);
    assert_memory_equal(a->crossbar, b->crossbar, (size_t)a->n_axons * a->n_neurons);
    assert_memory_equal(a->fanout, b->fanout, a->n_fanout * sizeof *a->fanout);
    assert_memory_equal(a->symbols, b->symbols, a->n_neurons * sizeof *a->symbols);
  }
  assert_memory_equal(x.input.entries, y.input.entries,
                      x.input.n_entries * sizeof *x.input.entries);
  map_image_free(&x);
  map_image_free(&y);
}

static void test_bad_options(void **state) {
  (void)state;
  const glif_arch arch = small_arch();
  glif_arena *a = glif_arena_create(0);
  ir_net *net = net_of(a, &arch);
  mt_ctx m;
  glif_err err;
  mt_init(&m, &arch, net, a);
  m.opt.place = "diagonal";
  assert_int_equal(mt_run(&m, "place", &err), GLIF_EUSAGE);
  assert_string_equal(err.msg, "--place=diagonal is not a placer - use spatial, hilbert, "
                               "snake or rowmajor");
  m.ctx.lowered = NULL;
  m.ctx.map = NULL;
  m.opt.partition = "kway";
  assert_int_equal(mt_run(&m, "partition", &err), GLIF_EUSAGE);
  assert_string_equal(err.msg, "--partition=kway is not a partitioner - use greedy or metis");
  glif_arena_destroy(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_allocation_fails),
      cmocka_unit_test(test_every_allocation_fails_metis),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_bad_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
