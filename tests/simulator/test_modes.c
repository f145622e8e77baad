/*
 * test_modes.c - the event-driven engine equals the cycle-stepped oracle on random
 * images: every tick's E, update phase and delivery end, every counter of every core,
 * tick and link, every emission with its cycle, every readout. The random images are
 * checked to actually exercise what they are meant to (stalls of each kind, graded
 * packets, saturation-prone widths), so a generator that drifts into trivial images
 * makes the test fail instead of passing vacuously.
 */
#include "sim_check.h"
#include "sim_random.h"

typedef struct coverage {
  uint64_t router_stalls, oe_stalls, in_waits, host_stalls, macs, synops, hops, emits;
  int images;
} coverage;

static void run_seeds(uint64_t first, int count, uint32_t max_fan, coverage *cov) {
  for (int i = 0; i < count; i++) {
    fx f;
    double x[64];
    rnd_image(&f, first + (uint64_t)i, max_fan, x);
    ck_run k;
    ck_both(&k, &f.img, x);
    sim_counts n;
    sim_counts_total(k.r, &n);
    cov->router_stalls += n.router_stalls;
    cov->oe_stalls += n.oe_stalls - k.r->io.oe_stalls; /* cores only */
    cov->host_stalls += k.r->io.oe_stalls;
    cov->in_waits += n.in_waits;
    cov->macs += n.macs;
    cov->synops += n.synops;
    cov->hops += n.hops;
    cov->emits += k.log.n;
    cov->images++;
    ck_end(&k);
    fx_free(&f);
  }
}

static void test_random_images(void **s) {
  (void)s;
  coverage cov = {0};
  run_seeds(1, 300, 3, &cov);
  assert_int_equal(cov.images, 300);
  assert_true(cov.synops > 0 && cov.macs > 0 && cov.hops > 0 && cov.emits > 0);
  assert_true(cov.router_stalls > 0 && cov.in_waits > 0 && cov.oe_stalls > 0);
  assert_true(cov.host_stalls > 0);
}

/* Up to 12 packets per emission: heavy contention and back-pressure everywhere. */
static void test_random_heavy_traffic(void **s) {
  (void)s;
  coverage cov = {0};
  run_seeds(1000, 150, 12, &cov);
  assert_true(cov.router_stalls > 1000 && cov.in_waits > 1000);
  assert_true(cov.oe_stalls > 0);
}

/* The same engine twice, and two engines on the same model: identical results (no
 * state leaks from one inference into the next). */
static void test_runs_start_clean(void **s) {
  (void)s;
  for (uint64_t seed = 7; seed < 27; seed++) {
    fx f;
    double x[64];
    rnd_image(&f, seed, 6, x);
    for (int mode = 0; mode < 2; mode++) {
      ck_run a, b;
      ck_start(&a, &f.img, mode, x);
      glif_err err;
      assert_int_equal(sim_engine_run(a.e, x, &err), 0); /* second run, same engine */
      ck_start(&b, &f.img, mode, x);
      ck_results_equal(a.r, b.r);
      ck_end(&a);
      ck_end(&b);
    }
    fx_free(&f);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_images),
      cmocka_unit_test(test_random_heavy_traffic),
      cmocka_unit_test(test_runs_start_clean),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
