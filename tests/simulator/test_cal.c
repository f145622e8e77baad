/*
 * test_cal.c - the event calendar of the event-driven engine: random schedule and pop
 * operations checked against a brute-force model after every operation (OpenVPN's
 * test_schedule.c is the model): pops come in time order, a component is pending at
 * most once and keeps its earliest time, ties pop last-scheduled first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "simulator/sim_int.h"

#define N 97

typedef struct model {
  uint64_t at[N];   /* pending time or UINT64_MAX */
  uint64_t seq[N];  /* when it was (last) put into its bucket */
  uint64_t now, clock;
} model;

static uint64_t lcg(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return *s >> 33;
}

/* The component the calendar must pop next: earliest time, latest insertion. */
static int32_t model_pop(model *m) {
  int32_t best = -1;
  for (int32_t i = 0; i < N; i++) {
    if (m->at[i] == UINT64_MAX) continue;
    if (best < 0 || m->at[i] < m->at[best] ||
        (m->at[i] == m->at[best] && m->seq[i] > m->seq[best]))
      best = i;
  }
  if (best >= 0) {
    m->now = m->at[best];
    m->at[best] = UINT64_MAX;
  }
  return best;
}

static void model_schedule(model *m, uint32_t i, uint64_t t) {
  if (m->at[i] <= t) return;
  m->at[i] = t;
  m->seq[i] = ++m->clock;
}

static void check_pending(const sim_cal *c, const model *m) {
  uint32_t pending = 0;
  for (int i = 0; i < N; i++) {
    assert_int_equal(c->node[i].at, m->at[i]);
    pending += m->at[i] != UINT64_MAX;
  }
  assert_int_equal(c->pending, pending);
}

static void random_ops(uint32_t horizon, uint64_t seed, int ops) {
  sim_cal c;
  model m;
  assert_int_equal(sim_cal_init(&c, N, horizon), 0);
  assert_true(c.size >= horizon && (c.size & (c.size - 1)) == 0);
  memset(&m, 0, sizeof m);
  for (int i = 0; i < N; i++) m.at[i] = UINT64_MAX;
  for (int op = 0; op < ops; op++) {
    if (lcg(&seed) % 3) {
      const uint32_t i = (uint32_t)(lcg(&seed) % N);
      const uint64_t t = c.now + lcg(&seed) % c.size; /* anywhere in the window */
      sim_cal_schedule(&c, i, t);
      model_schedule(&m, i, t);
    } else {
      const int32_t want = model_pop(&m);
      assert_int_equal(sim_cal_pop(&c), want);
      if (want >= 0) assert_int_equal(c.now, m.now);
    }
    check_pending(&c, &m);
  }
  while (c.pending) assert_int_equal(sim_cal_pop(&c), model_pop(&m));
  assert_int_equal(sim_cal_pop(&c), -1);
  sim_cal_free(&c);
}

static void test_random_small_window(void **s) {
  (void)s;
  random_ops(64, 1, 20000);
}

static void test_random_large_window(void **s) {
  (void)s;
  random_ops(5000, 2, 20000);
}

/* Boundary: times at now and at now + size - 1 (the farthest bucket, just before the
 * one of `now` in the ring). */
static void test_window_edges(void **s) {
  (void)s;
  sim_cal c;
  assert_int_equal(sim_cal_init(&c, 3, 64), 0);
  sim_cal_reset(&c, 1000);
  sim_cal_schedule(&c, 0, 1000 + 63);
  sim_cal_schedule(&c, 1, 1000);
  sim_cal_schedule(&c, 2, 1001);
  assert_int_equal(sim_cal_pop(&c), 1);
  assert_int_equal(sim_cal_pop(&c), 2);
  assert_int_equal(sim_cal_pop(&c), 0);
  assert_int_equal(c.now, 1063);
  sim_cal_schedule(&c, 1, 1063); /* same cycle as now: allowed */
  sim_cal_schedule(&c, 1, 1100); /* later: the earlier time stays */
  assert_int_equal(c.node[1].at, 1063);
  assert_int_equal(sim_cal_pop(&c), 1);
  assert_int_equal(sim_cal_pop(&c), -1);
  sim_cal_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_small_window),
      cmocka_unit_test(test_random_large_window),
      cmocka_unit_test(test_window_edges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
