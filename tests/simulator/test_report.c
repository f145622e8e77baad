/*
 * test_report.c - energy, reports and determinism: the energy of a hand-checked run,
 * breakdowns that add up to their totals, doubling one cost doubles exactly its share
 * and nothing else, byte-identical reports, traces and VCDs across runs and --jobs,
 * a structurally valid VCD, and clean GLIF_ENOMEM (no crash, no leak, no file left)
 * at every allocation of a batch with every output on.
 */
#include <math.h>
#include <unistd.h>

#include "fabric/mem.h"
#include "sim_check.h"
#include "sim_random.h"

#define TMP GLIF_BINARY_DIR "/tests"
#define assert_near(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void set_costs(glif_arch *a) {
  a->e_synop = 1, a->e_mac = 2, a->e_row_read = 4, a->e_update = 8, a->e_spike = 16;
  a->e_packet = 32, a->e_hop = 64, a->e_barrier = 128;
  a->static_uw_per_core = 0.5;
  a->clock_mhz = 100;
}

/* The one-packet fabric of test_timing.c with h = 3: source (0,0) fires once in tick 0,
 * 16 readouts at (3,0) integrate it in tick 1. */
static void one_packet(fx *f) {
  fx_init(f, 4, 1, 1, 2);
  img_core *a = fx_core_add(f, 0, 0, 1, 0, 1);
  fx_set_group(a, 0, fx_group_spiking(0, 5, 10, 0));
  fx_fan(f, a, 0, 3, 0, 0, 0, 0);
  img_core *b = fx_core_add(f, 3, 0, 16, 1, 1);
  img_group g = fx_group_spiking(FX_ONE, 0, 0, 1);
  g.p.kind = NRN_READOUT;
  fx_set_group(b, 0, g);
  memset(b->crossbar, 1, 16);
  fx_finish(f, 1, IMG_ENC_DIRECT, 1.0);
}

/* Counts: 16 synops, 1 row read, 1 + 16 updates, 1 spike, 1 packet, 3 hops, 2
 * barriers. Dynamic: 16*1 + 1*4 + 17*8 + 16 + 32 + 3*64 = 396, barriers 256.
 * Time: tick 0 = 14 + 100, tick 1 = 18 + 100: 232 cycles = 2.32 us at 100 MHz;
 * static 0.5 uW x 4 mesh cores x 2.32 us = 4.64 pJ. Total 656.64 pJ. */
static void test_energy_by_hand(void **s) {
  (void)s;
  fx f;
  one_packet(&f);
  glif_arch costs = f.img.arch;
  set_costs(&costs);
  sim_model *m;
  sim_engine *e;
  glif_err err;
  assert_int_equal(sim_model_create(&m, &f.img, &costs, &err), 0);
  assert_int_equal(sim_engine_create(&e, m, SIM_MODE_EVENT, &err), 0);
  const double x[1] = {0};
  assert_int_equal(sim_engine_run(e, x, &err), 0);
  const sim_result *r = sim_engine_result(e);
  sim_energy en;
  sim_energy_of_result(sim_model_arch(m), r, &en);
  assert_int_equal(r->cycles, 232);
  assert_true(en.cat[SIM_E_SYNOP] == 16 && en.cat[SIM_E_ROW_READ] == 4);
  assert_true(en.cat[SIM_E_UPDATE] == 136 && en.cat[SIM_E_SPIKE] == 16);
  assert_true(en.cat[SIM_E_PACKET] == 32 && en.cat[SIM_E_HOP] == 192);
  assert_true(en.cat[SIM_E_MAC] == 0 && en.cat[SIM_E_BARRIER] == 256);
  assert_near(en.cat[SIM_E_STATIC], 4.64, 1e-12);
  assert_near(en.total, 656.64, 1e-12);
  sim_engine_destroy(e);
  sim_model_destroy(m);
  fx_free(&f);
}

static double *cost_field(glif_arch *a, int cat) {
  double *f[SIM_E_N] = {&a->e_synop, &a->e_mac,    &a->e_row_read, &a->e_update,
                        &a->e_spike, &a->e_packet, &a->e_hop,      &a->e_barrier,
                        &a->static_uw_per_core};
  return f[cat];
}

static void energy_with(const img_image *img, const glif_arch *costs, const double *x,
                        sim_energy *en, sim_result *copy) {
  sim_model *m;
  sim_engine *e;
  glif_err err;
  assert_int_equal(sim_model_create(&m, img, costs, &err), 0);
  assert_int_equal(sim_engine_create(&e, m, SIM_MODE_EVENT, &err), 0);
  assert_int_equal(sim_engine_run(e, x, &err), 0);
  sim_energy_of_result(sim_model_arch(m), sim_engine_result(e), en);
  copy->cycles = sim_engine_result(e)->cycles;
  sim_engine_destroy(e);
  sim_model_destroy(m);
}

/* Random images: the categories add up to the total; the per-tick and per-core
 * breakdowns add up to it too (to rounding); doubling cost c doubles category c
 * exactly and leaves every other number unchanged. */
static void test_energy_breakdowns(void **s) {
  (void)s;
  for (uint64_t seed = 1; seed <= 30; seed++) {
    fx f;
    double x[64];
    rnd_image(&f, seed, 5, x);
    glif_arch costs = f.img.arch;
    set_costs(&costs);
    costs.e_mac = 3.3, costs.static_uw_per_core = 0.37;
    sim_energy base;
    sim_result rb;
    energy_with(&f.img, &costs, x, &base, &rb);
    double sum = 0;
    for (int c = 0; c < SIM_E_N; c++) sum += base.cat[c];
    assert_true(sum == base.total);
    ck_run k;
    ck_start(&k, &f.img, SIM_MODE_EVENT, x);
    double ticks = 0, cores = 0;
    for (uint32_t h = 0; h < k.r->n_ticks; h++) {
      sim_energy t;
      sim_energy_of_tick(&costs, &k.r->ticks[h], &t);
      ticks += t.total;
    }
    for (uint32_t p = 0; p < k.r->n_pos; p++) {
      sim_energy c;
      sim_energy_of_core(&costs, &k.r->cores[p], k.r->cycles, &c);
      cores += c.total;
    }
    sim_energy io;
    sim_energy_of_counts(&costs, &k.r->io, &io);
    cores += io.total + (double)k.r->n_ticks * costs.e_barrier;
    assert_near(ticks, base.total, 1e-9 * base.total);
    assert_near(cores, base.total, 1e-9 * base.total);
    ck_end(&k);
    for (int cat = 0; cat < SIM_E_N; cat++) {
      glif_arch twice = costs;
      *cost_field(&twice, cat) *= 2;
      sim_energy d;
      sim_result rd;
      energy_with(&f.img, &twice, x, &d, &rd);
      assert_int_equal(rd.cycles, rb.cycles);
      for (int c = 0; c < SIM_E_N; c++)
        assert_true(d.cat[c] == (c == cat ? 2 * base.cat[c] : base.cat[c]));
    }
    fx_free(&f);
  }
}

/* --arch must be structurally the image's architecture. */
static void test_recost_refuses_other_structure(void **s) {
  (void)s;
  fx f;
  one_packet(&f);
  glif_arch other = f.img.arch;
  other.neurons = 1024;
  sim_model *m = NULL;
  glif_err err;
  assert_int_equal(sim_model_create(&m, &f.img, &other, &err), GLIF_EARCH);
  assert_null(m);
  fx_free(&f);
}

/* ---- determinism and files ------------------------------------------------------------------ */

static void same_file(const char *a, const char *b) {
  size_t na, nb;
  char *x = ck_slurp(a, &na), *y = ck_slurp(b, &nb);
  assert_int_equal(na, nb);
  assert_memory_equal(x, y, na);
  free(x);
  free(y);
}

/* A traced random image: one layer of 20 neurons (a VCD bit vector) and one of 300
 * (a VCD count), symbols pointing into them. */
static void traced_image(fx *f, uint64_t seed, double *x) {
  rnd_image(f, seed, 6, x);
  f->img.n_layers = 2;
  strcpy(f->layer[0].name, "small.layer");
  f->layer[0].n_neurons = f->layer[0].c = 20;
  strcpy(f->layer[1].name, "big");
  f->layer[1].kind = NRN_SPIKING;
  f->layer[1].n_neurons = f->layer[1].c = 300;
  f->layer[1].h = f->layer[1].w = 1;
  uint32_t k = 0; /* the first 20 neurons are the small layer, the others the big one */
  for (uint32_t i = 0; i < f->img.n_cores; i++)
    for (uint32_t j = 0; j < f->img.cores[i].n_neurons; j++, k++)
      f->img.cores[i].symbols[j] = k < 20 ? (img_symbol){0, k} : (img_symbol){1, k - 20};
}

static void run_files(const sim_model *m, const double *x, int64_t n, int jobs, int mode,
                      const char *tag) {
  char tr[600], vcd[600], rep[600];
  snprintf(tr, sizeof tr, "%s/det_%s.trace", TMP, tag);
  snprintf(vcd, sizeof vcd, "%s/det_%s.vcd", TMP, tag);
  snprintf(rep, sizeof rep, "%s/det_%s.json", TMP, tag);
  const sim_batch_opts o = {.mode = mode, .jobs = jobs, .trace_path = tr, .vcd_path = vcd,
                            .image_path = "random.img"};
  sim_batch *b;
  glif_err err;
  assert_int_equal(sim_batch_run(m, &o, x, n, NULL, &b, &err), 0);
  assert_int_equal(sim_report_write(rep, m, &o, b, &err), 0);
  sim_batch_free(b);
}

static void test_deterministic_outputs(void **s) {
  (void)s;
  const char *kinds[3] = {"trace", "vcd", "json"};
  for (uint64_t seed = 3; seed <= 8; seed++) {
    fx f;
    double x[64], xs[7 * 64];
    traced_image(&f, seed, x);
    sim_model *m;
    glif_err err;
    assert_int_equal(sim_model_create(&m, &f.img, NULL, &err), 0);
    const int64_t size = sim_model_sample_size(m);
    for (int k = 0; k < 7; k++)
      for (int64_t i = 0; i < size; i++)
        xs[k * size + i] = f.img.input.encoding == IMG_ENC_SPIKES ? x[i] : x[i] * (k - 3) / 2.0;
    run_files(m, xs, 7, 1, SIM_MODE_EVENT, "a");
    run_files(m, xs, 7, 1, SIM_MODE_EVENT, "b");
    run_files(m, xs, 7, 3, SIM_MODE_EVENT, "c");
    for (int i = 0; i < 3; i++) {
      char a[600], b[600], c[600];
      snprintf(a, sizeof a, "%s/det_a.%s", TMP, kinds[i]);
      snprintf(b, sizeof b, "%s/det_b.%s", TMP, kinds[i]);
      snprintf(c, sizeof c, "%s/det_c.%s", TMP, kinds[i]);
      same_file(a, b);
      same_file(a, c);
      unlink(a), unlink(b), unlink(c);
    }
    sim_model_destroy(m);
    fx_free(&f);
  }
}

/* The VCD: declarations, then value changes at increasing times; every emission of a
 * bit-vector layer appears as one set bit, every emission of a counted layer in its
 * count; the total equals the spike counter. */
static void test_vcd_structure(void **s) {
  (void)s;
  fx f;
  double x[64];
  traced_image(&f, 5, x);
  sim_model *m;
  glif_err err;
  assert_int_equal(sim_model_create(&m, &f.img, NULL, &err), 0);
  char path[600];
  snprintf(path, sizeof path, "%s/struct.vcd", TMP);
  const sim_batch_opts o = {.jobs = 1, .vcd_path = path, .image_path = ""};
  sim_batch *b;
  assert_int_equal(sim_batch_run(m, &o, x, 1, NULL, &b, &err), 0);
  size_t n;
  char *text = ck_slurp(path, &n);
  assert_non_null(strstr(text, "$timescale 1 ps $end"));
  assert_non_null(strstr(text, "$var wire 20 ") && strstr(text, " small_layer $end"));
  assert_non_null(strstr(text, "$var wire 32 ") && strstr(text, " big_count $end"));
  char *p = strstr(text, "$enddefinitions $end");
  assert_non_null(p);
  long long last = -1, ones = 0;
  for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n")) {
    if (line[0] == '#') {
      const long long t = atoll(line + 1);
      assert_true(t >= last);
      last = t;
    } else if (line[0] == 'b') {
      char bits[400], id[16];
      assert_int_equal(sscanf(line, "b%399s %15s", bits, id), 2);
      const size_t w = strlen(bits);
      if (!strcmp(id, "!")) { /* small.layer (layer 0): one bit per emission */
        for (size_t i = 0; i < w; i++) ones += bits[i] == '1';
      } else if (!strcmp(id, "\"")) { /* big (layer 1): a count */
        ones += strtoll(bits, NULL, 2);
      }
    }
  }
  assert_int_equal(ones, b->samples[0].total.spikes);
  assert_true(ones > 0);
  free(text);
  unlink(path);
  sim_batch_free(b);
  sim_model_destroy(m);
  fx_free(&f);
}

/* ---- allocation failures ---------------------------------------------------------------------- */

/* Fails the n-th allocation of model + batch (trace, VCD, record, report): every
 * failure is GLIF_ENOMEM and leaves no file. Returns 1 when nothing failed. */
static int batch_with_failure(const img_image *img, const double *x, long n) {
  char tr[600], vcd[600], rec[600], rep[600];
  snprintf(tr, sizeof tr, "%s/oom.trace", TMP);
  snprintf(vcd, sizeof vcd, "%s/oom.vcd", TMP);
  snprintf(rec, sizeof rec, "%s/oom.rec", TMP);
  snprintf(rep, sizeof rep, "%s/oom.json", TMP);
  sim_model *m = NULL;
  sim_batch *b = NULL;
  glif_err err;
  unlink(tr), unlink(vcd), unlink(rec), unlink(rep); /* from an earlier, failed run */
  glif_mem_fail_after(n);
  int rc = sim_model_create(&m, img, NULL, &err);
  const sim_batch_opts o = {.jobs = 2, .trace_path = tr, .vcd_path = vcd,
                            .record_path = rec, .record_x = img->cores[0].x,
                            .record_y = img->cores[0].y, .image_path = "",
                            .report_path = rep};
  if (!rc) rc = sim_batch_run(m, &o, x, 3, NULL, &b, &err);
  glif_mem_fail_after(-1);
  sim_batch_free(b);
  sim_model_destroy(m);
  if (rc) {
    if (rc != GLIF_ENOMEM) fprintf(stderr, "allocation %ld: %s\n", n, err.msg);
    assert_int_equal(rc, GLIF_ENOMEM);
    assert_int_equal(access(tr, F_OK) + access(vcd, F_OK) + access(rec, F_OK), -3);
    assert_int_equal(access(rep, F_OK), -1);
    return 0;
  }
  unlink(tr), unlink(vcd), unlink(rec), unlink(rep);
  return 1;
}

static void test_allocation_failures(void **s) {
  (void)s;
  fx f;
  double x[64], xs[3 * 64];
  traced_image(&f, 4, x);
  const uint32_t size = f.img.input.n_inputs * (f.img.input.encoding == IMG_ENC_SPIKES ? f.img.T : 1);
  for (int k = 0; k < 3; k++) memcpy(xs + k * size, x, sizeof(double) * size);
  long n = 0;
  while (!batch_with_failure(&f.img, xs, n)) n++;
  assert_true(n > 50); /* it really went through every allocation */
  fx_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_energy_by_hand),
      cmocka_unit_test(test_energy_breakdowns),
      cmocka_unit_test(test_recost_refuses_other_structure),
      cmocka_unit_test(test_deterministic_outputs),
      cmocka_unit_test(test_vcd_structure),
      cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
