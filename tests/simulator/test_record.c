/*
 * test_record.c - the core record (--record-core X,Y --record FILE) is complete: a
 * testbench that knows nothing but the image and the record replays the recorded core
 * on a fresh core model, through sim_core_ops exactly as the RTL harness will (drive
 * "in" packets and the "full" back-pressure, compare "out", "emit", "state", "phase"
 * and "counts" line for line), and every check passes. The event-driven and the
 * cycle-stepped engines write byte-identical records.
 */
#include <unistd.h>

#include "sim_check.h"
#include "sim_obs.h"
#include "sim_random.h"

#define TMP GLIF_BINARY_DIR "/tests"

typedef struct rline {
  char kind[8];
  long long v[12];
} rline;

typedef struct rtick {
  rline *l;
  int n;
} rtick;

/* Emissions and states the replayed core reports through its hooks. */
typedef struct seen {
  long long emit[4096][3];
  int n_emit;
  long long state[4096][3];
  int n_state;
} seen;

static void on_emit(void *ctx, uint32_t neuron, uint32_t tick, uint64_t cycle, int32_t payload) {
  seen *s = ctx;
  (void)tick;
  s->emit[s->n_emit][0] = (long long)cycle;
  s->emit[s->n_emit][1] = neuron;
  s->emit[s->n_emit++][2] = payload;
}

static void on_stepped(void *ctx, uint32_t neuron, uint32_t tick, int32_t u, uint8_t sp) {
  seen *s = ctx;
  (void)tick;
  s->state[s->n_state][0] = neuron;
  s->state[s->n_state][1] = u;
  s->state[s->n_state++][2] = sp;
}

/* "kind n1 n2 ..." (up to 12 numbers; lines with text, like "image", keep zeros). */
static void parse_line(const char *text, rline *l) {
  memset(l, 0, sizeof *l);
  int k = 0;
  while (*text && *text != ' ' && *text != '\n' && k < 7) l->kind[k++] = *text++;
  for (int i = 0; i < 12 && *text == ' '; i++) {
    char *end;
    l->v[i] = strtoll(text + 1, &end, 10);
    text = end;
  }
}

static int in_full(const rtick *t, long long c) {
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->l[i].kind, "full") && c >= t->l[i].v[0] && c <= t->l[i].v[1]) return 1;
  return 0;
}

static const rline *find(const rtick *t, const char *kind, long long cycle) {
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->l[i].kind, kind) && t->l[i].v[0] == cycle) return &t->l[i];
  return NULL;
}

static int count_kind(const rtick *t, const char *kind) {
  int n = 0;
  for (int i = 0; i < t->n; i++) n += !strcmp(t->l[i].kind, kind);
  return n;
}

/* Drives one tick of the replayed core; checks every output against the record. */
static void replay_tick(const sim_core_ops *ops, void *core, const img_core *ic, uint32_t h,
                        const rtick *t, seen *sn) {
  long long last_in = -1;
  int outs = 0;
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->l[i].kind, "in") && t->l[i].v[0] > last_in) last_in = t->l[i].v[0];
  sn->n_emit = sn->n_state = 0;
  ops->tick_begin(core, h);
  for (long long c = 0; c <= last_in || !ops->idle(core); c++) {
    const rline *in = find(t, "in", c);
    sim_packet p, pk = {ic->x, ic->y, 0, 0, 0, 0, 0};
    if (in) {
      assert_true(ops->in_room(core)); /* the router only hands over when there is room */
      pk.axon = (uint16_t)in->v[1];
      pk.dly = (uint8_t)in->v[2];
      pk.graded = (uint8_t)in->v[3];
      pk.payload = (int32_t)in->v[4];
    }
    const int offered = ops->out_peek(core, &p);
    if (ops->cycle(core, !in_full(t, c), in ? &pk : NULL)) {
      const rline *o = find(t, "out", c);
      assert_true(offered);
      if (!o) fail_msg("tick %u: the core sent in cycle %lld, the record has no send", h, c);
      const long long got[6] = {p.x, p.y, p.axon, p.dly, p.graded, p.payload};
      for (int k = 0; k < 6; k++) assert_int_equal(got[k], o->v[k + 1]);
      outs++;
    }
    assert_true(c < 1000000);
  }
  assert_int_equal(outs, count_kind(t, "out"));
  sim_core_tick ph;
  ops->tick_end(core, &ph);
  const rline *phase = find(t, "phase", (long long)ph.update_phase);
  assert_non_null(phase);
  assert_int_equal(phase->v[1], ph.ie_last);
  assert_int_equal(phase->v[2], ph.oe_last);
  int ke = 0, ks = 0;
  for (int i = 0; i < t->n; i++) {
    const rline *l = &t->l[i];
    if (!strcmp(l->kind, "emit")) {
      assert_true(ke < sn->n_emit);
      for (int k = 0; k < 3; k++) assert_int_equal(l->v[k], sn->emit[ke][k]);
      ke++;
    } else if (!strcmp(l->kind, "state")) {
      for (int k = 0; k < 3; k++) assert_int_equal(l->v[k], sn->state[ks][k]);
      ks++;
    } else if (!strcmp(l->kind, "counts")) {
      const uint64_t c[11] = {ph.n.updates, ph.n.spikes,  ph.n.packets, ph.n.row_reads,
                              ph.n.synops,  ph.n.macs,    ph.n.ue_busy, ph.n.ie_busy,
                              ph.n.oe_busy, ph.n.oe_stalls, ph.n.in_waits};
      for (int k = 0; k < 11; k++) assert_int_equal(l->v[k], c[k]);
    }
  }
  assert_int_equal(ke, sn->n_emit);
  assert_int_equal(ks, sn->n_state);
}

/* Replays the whole record file against a fresh C core model of core `ci`. */
static int replay(const sim_model *m, uint32_t ci, const char *path) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  void *core;
  glif_err err;
  assert_int_equal(sim_ccore_create(m, ci, &core, &err), 0);
  static seen sn;
  const sim_core_hooks hooks = {&sn, on_emit, on_stepped};
  sim_ccore_ops.set_hooks(core, &hooks);
  const img_core *ic = &sim_model_image(m)->cores[ci];
  char text[512];
  rtick t = {calloc(100000, sizeof(rline)), 0};
  int ticks = 0;
  uint32_t h = 0;
  while (fgets(text, sizeof text, f)) {
    rline l;
    parse_line(text, &l);
    if (!strcmp(l.kind, "sample")) sim_ccore_ops.reset(core);
    else if (!strcmp(l.kind, "tick")) {
      h = (uint32_t)l.v[0];
      t.n = 0;
    } else if (!strcmp(l.kind, "end")) {
      replay_tick(&sim_ccore_ops, core, ic, h, &t, &sn);
      ticks++;
    } else if (t.n < 100000) {
      t.l[t.n++] = l;
    }
  }
  fclose(f);
  free(t.l);
  sim_ccore_ops.destroy(core);
  return ticks;
}

/* The used core with the most traffic in and out. */
static uint32_t busiest_core(const sim_model *m, const double *x) {
  ck_run k;
  ck_start(&k, sim_model_image(m), SIM_MODE_EVENT, x);
  uint32_t best = 0;
  uint64_t most = 0;
  for (uint32_t i = 0; i < m->n_cores; i++) {
    const sim_counts *n = &k.r->cores[m->cores[i].pos];
    if (n->row_reads + n->packets >= most) {
      most = n->row_reads + n->packets;
      best = i;
    }
  }
  ck_end(&k);
  return best;
}

static void record_and_replay(uint64_t seed, uint32_t max_fan) {
  fx f;
  double x[3 * 64];
  rnd_image(&f, seed, max_fan, x);
  memcpy(x + 64, x, sizeof(double) * 64); /* three samples: x, x, and x negated */
  for (int i = 0; i < 64; i++) x[128 + i] = f.img.input.encoding == IMG_ENC_SPIKES ? x[i] : -x[i];
  sim_model *m;
  glif_err err;
  assert_int_equal(sim_model_create(&m, &f.img, NULL, &err), 0);
  const uint32_t ci = busiest_core(m, x);
  const img_core *ic = &f.img.cores[ci];
  char ev[600], cy[600];
  snprintf(ev, sizeof ev, "%s/rec_event_%llu.txt", TMP, (unsigned long long)seed);
  snprintf(cy, sizeof cy, "%s/rec_cycle_%llu.txt", TMP, (unsigned long long)seed);
  sim_batch *b;
  const int64_t size = sim_model_sample_size(m);
  double xs[3 * 64];
  for (int k = 0; k < 3; k++) memcpy(xs + k * size, x + k * 64, sizeof(double) * (size_t)size);
  for (int mode = 0; mode < 2; mode++) {
    const sim_batch_opts o = {.mode = mode, .jobs = 1 + mode,
                              .record_path = mode ? cy : ev, .record_x = ic->x,
                              .record_y = ic->y, .image_path = "t.img"};
    assert_int_equal(sim_batch_run(m, &o, xs, 3, NULL, &b, &err), 0);
    sim_batch_free(b);
  }
  size_t na, nb;
  char *a = ck_slurp(ev, &na), *c = ck_slurp(cy, &nb);
  assert_int_equal(na, nb);
  assert_memory_equal(a, c, na);
  free(a);
  free(c);
  assert_int_equal(replay(m, ci, ev), 3 * (int)f.img.n_ticks);
  unlink(ev);
  unlink(cy);
  sim_model_destroy(m);
  fx_free(&f);
}

static void test_record_replays(void **s) {
  (void)s;
  for (uint64_t seed = 1; seed <= 40; seed++) record_and_replay(seed, 8);
}

/* A record of a busy core really holds traffic and back-pressure (or the replay test
 * above would be weak). */
static void test_record_has_traffic(void **s) {
  (void)s;
  int with_full = 0, with_in = 0;
  for (uint64_t seed = 1; seed <= 40; seed++) {
    fx f;
    double x[64];
    rnd_image(&f, seed, 8, x);
    sim_model *m;
    glif_err err;
    assert_int_equal(sim_model_create(&m, &f.img, NULL, &err), 0);
    const uint32_t ci = busiest_core(m, x);
    char path[600];
    snprintf(path, sizeof path, "%s/rec_traffic.txt", TMP);
    const sim_batch_opts o = {.jobs = 1, .record_path = path,
                              .record_x = f.img.cores[ci].x,
                              .record_y = f.img.cores[ci].y, .image_path = "t.img"};
    sim_batch *b;
    assert_int_equal(sim_batch_run(m, &o, x, 1, NULL, &b, &err), 0);
    sim_batch_free(b);
    size_t n;
    char *text = ck_slurp(path, &n);
    with_full += strstr(text, "\nfull ") != NULL;
    with_in += strstr(text, "\nin ") != NULL;
    free(text);
    unlink(path);
    sim_model_destroy(m);
    fx_free(&f);
  }
  assert_true(with_in >= 30);
  assert_true(with_full >= 3);
}

/* --record-core on a position without a core is refused by name. */
static void test_record_core_must_exist(void **s) {
  (void)s;
  fx f;
  fx_init(&f, 2, 1, 1, 1);
  fx_core_add(&f, 0, 0, 1, 0, 1);
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  sim_model *m;
  glif_err err;
  assert_int_equal(sim_model_create(&m, &f.img, NULL, &err), 0);
  const double x[1] = {0};
  const sim_batch_opts o = {.jobs = 1, .record_path = TMP "/rec_none.txt", .record_x = 1,
                            .image_path = "t.img"};
  sim_batch *b = NULL;
  assert_int_equal(sim_batch_run(m, &o, x, 1, NULL, &b, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "--record-core 1,0"));
  assert_null(b);
  assert_int_equal(access(TMP "/rec_none.txt", F_OK), -1);
  sim_model_destroy(m);
  fx_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_record_replays),
      cmocka_unit_test(test_record_has_traffic),
      cmocka_unit_test(test_record_core_must_exist),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
