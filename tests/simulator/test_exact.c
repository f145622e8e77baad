/*
 * test_exact.c - the simulated chip equals the golden model bit for bit.
 *
 * Every example model (examples/digits and every examples/tiny model) and random networks (dense,
 * conv, residual with parallel synapses, spike-encoded input, and layers whose fan-in
 * exceeds the cores' axons so they are split into partial-sum relays) are compiled
 * with the library API (cc_init/cc_run) into a temporary image, run on random inputs
 * through the simulator and through the reference model (compiler/reference.h), and
 * compared: the spike traces are byte-identical (every neuron's spikes at every
 * logical step, every readout membrane), the readout membranes and classes are equal,
 * and the cycle-stepped engine gives the same trace and cycle counts as the
 * event-driven one. Outputs are u * scale with the image's scale = unit / T, and the
 * reference computes the same product, so outputs are compared exactly.
 * Each model must show activity in every layer, so a silent network cannot pass.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "compiler/compile.h"
#include "compiler/reference.h"
#include "fabric/trace.h"
#include "sim_check.h"
#include "sim_models.h"

#define TMP GLIF_BINARY_DIR "/tests"

typedef struct exact {
  cc_options opt;
  cc_ctx ctx;
  img_image *img;
  sim_model *m;
  ref_model *rm;
  double *x;
  int64_t n, size;
  char dir[600], img_path[700], ref_trace[700], sim_trace[700], cyc_trace[700];
} exact;

static void files_equal(const char *a, const char *b) {
  size_t na, nb;
  char *x = ck_slurp(a, &na), *y = ck_slurp(b, &nb);
  if (na != nb || memcmp(x, y, na)) {
    size_t i = 0;
    while (i < na && i < nb && x[i] == y[i]) i++;
    fail_msg("%s and %s differ at byte %zu (sizes %zu, %zu)", a, b, i, na, nb);
  }
  free(x);
  free(y);
}

static void compile(exact *t, const char *model, const char *arch) {
  glif_err err;
  snprintf(t->dir, sizeof t->dir, "%s/simexact_XXXXXX", TMP);
  assert_non_null(mkdtemp(t->dir));
  snprintf(t->img_path, sizeof t->img_path, "%s/chip.img", t->dir);
  snprintf(t->ref_trace, sizeof t->ref_trace, "%s/ref.trace", t->dir);
  snprintf(t->sim_trace, sizeof t->sim_trace, "%s/sim.trace", t->dir);
  snprintf(t->cyc_trace, sizeof t->cyc_trace, "%s/cyc.trace", t->dir);
  memset(&t->opt, 0, sizeof t->opt);
  t->opt.model_path = model;
  t->opt.arch_path = arch;
  t->opt.out_path = t->img_path;
  t->opt.quiet = 1;
  int rc = cc_init(&t->ctx, &t->opt, &err);
  if (!rc) rc = cc_run(&t->ctx, &err);
  if (rc) fail_msg("compile %s: %s", model, err.msg);
  rc = img_read(t->img_path, &t->img, &err);
  if (rc) fail_msg("img_read: %s", err.msg);
  assert_int_equal(sim_model_create(&t->m, t->img, NULL, &err), 0);
  assert_int_equal(ref_create(&t->rm, t->ctx.net, &t->ctx.arch, REF_FIXED, &err), 0);
}

/* Random inputs: direct values a little beyond the range (payloads clamp), or 0/1
 * spikes with probability 0.3. */
static void inputs(exact *t, int64_t n, uint64_t seed) {
  mg g;
  g.s = seed;
  t->n = n;
  t->size = sim_model_sample_size(t->m);
  assert_int_equal(t->size, ref_sample_size(t->ctx.net));
  t->x = malloc(sizeof *t->x * (size_t)(n * t->size));
  const int spikes = t->img->input.encoding == IMG_ENC_SPIKES;
  for (int64_t i = 0; i < n * t->size; i++)
    t->x[i] = spikes ? (mg_uniform(&g, 0, 1) < 0.3) : mg_uniform(&g, -1.2, 1.2);
}

/* Concatenated readout membranes of the reference, in output order. */
static void ref_readouts(const exact *t, int32_t *u) {
  const ir_net *net = t->ctx.net;
  int64_t k = 0;
  for (int p = 1; p < net->n_pops; p++) {
    if (net->pops[p].kind != NRN_READOUT) continue;
    const int32_t *v = ref_u_fixed(t->rm, p);
    for (int64_t j = 0; j < net->pops[p].n; j++) u[k++] = v[j];
  }
}

/* The reference's trace, outputs and classes; every spiking layer must fire. */
static void reference(exact *t, double *outputs, int64_t *cls, int32_t *u) {
  glif_err err;
  trace_writer *tw;
  const ir_net *net = t->ctx.net;
  uint64_t *spikes = calloc((size_t)net->n_pops, sizeof *spikes);
  assert_int_equal(trace_open(&tw, t->ref_trace, net->model->name, net->T, &err), 0);
  assert_int_equal(ref_trace_layers(t->rm, tw), 0);
  const int64_t n_out = ref_n_outputs(t->rm);
  for (int64_t k = 0; k < t->n; k++) {
    assert_int_equal(ref_run(t->rm, t->x + k * t->size, &err), 0);
    assert_int_equal(ref_trace_sample(t->rm, tw, k), 0);
    memcpy(outputs + k * n_out, ref_outputs(t->rm), sizeof *outputs * (size_t)n_out);
    cls[k] = ref_class(t->rm);
    ref_readouts(t, u + k * n_out);
    for (int p = 1; p < net->n_pops; p++) spikes[p] += ref_spike_count(t->rm, p);
  }
  assert_int_equal(trace_close(tw, &err), 0);
  for (int p = 1; p < net->n_pops; p++)
    if (net->pops[p].kind == NRN_SPIKING && !spikes[p])
      fail_msg("layer %s never fires: the test would prove nothing", net->pops[p].name);
  free(spikes);
}

/* The first n_cycle bytes of a are the whole of b (a trace of the first samples). */
static void file_prefix(const char *a, const char *b) {
  size_t na, nb;
  char *x = ck_slurp(a, &na), *y = ck_slurp(b, &nb);
  assert_true(nb <= na);
  if (memcmp(x, y, nb)) fail_msg("%s is not a prefix of %s", b, a);
  assert_true(nb == na || !strncmp(x + nb, "sample ", 7));
  free(x);
  free(y);
}

static sim_batch *simulate(exact *t, int mode, int jobs, const char *trace, int64_t n) {
  glif_err err;
  sim_batch *b;
  const sim_batch_opts o = {.mode = mode, .jobs = jobs, .trace_path = trace,
                            .image_path = t->img_path};
  int rc = sim_batch_run(t->m, &o, t->x, n, NULL, &b, &err);
  if (rc) fail_msg("simulate: %s", err.msg);
  return b;
}

static void finish(exact *t) {
  ref_destroy(t->rm);
  sim_model_destroy(t->m);
  img_free(t->img);
  cc_destroy(&t->ctx);
  free(t->x);
  unlink(t->img_path);
  unlink(t->ref_trace);
  unlink(t->sim_trace);
  unlink(t->cyc_trace);
  rmdir(t->dir);
}

/* Compiles model for arch, runs n samples through the reference and the event-driven
 * engine, the first n_cycle of them through the cycle-stepped one, compares all. */
static void check_exact(const char *model, const char *arch, int64_t n, uint64_t seed,
                        int64_t n_cycle) {
  exact t;
  memset(&t, 0, sizeof t);
  compile(&t, model, arch);
  inputs(&t, n, seed);
  const int64_t n_out = ref_n_outputs(t.rm);
  assert_int_equal(n_out, t.img->n_outputs);
  double *out = malloc(sizeof *out * (size_t)(n * n_out));
  int64_t *cls = malloc(sizeof *cls * (size_t)n);
  int32_t *u = malloc(sizeof *u * (size_t)(n * n_out));
  reference(&t, out, cls, u);
  sim_batch *b = simulate(&t, SIM_MODE_EVENT, 2, t.sim_trace, n);
  files_equal(t.ref_trace, t.sim_trace);
  for (int64_t k = 0; k < n; k++) {
    assert_int_equal(b->samples[k].predicted, cls[k]);
    for (int64_t o = 0; o < n_out; o++) {
      const double chip = b->samples[k].outputs[o];
      assert_int_equal(b->samples[k].readout_u[o], u[k * n_out + o]);
      assert_true(chip == (double)u[k * n_out + o] * t.img->outputs[o].scale);
      if (chip != out[k * n_out + o])
        fail_msg("sample %lld output %lld: chip %.17g, reference %.17g", (long long)k,
                 (long long)o, chip, out[k * n_out + o]);
    }
  }
  if (n_cycle) {
    sim_batch *c = simulate(&t, SIM_MODE_CYCLE, 1, t.cyc_trace, n_cycle);
    file_prefix(t.sim_trace, t.cyc_trace);
    for (int64_t k = 0; k < n_cycle; k++) {
      assert_int_equal(b->samples[k].cycles, c->samples[k].cycles);
      assert_memory_equal(&b->samples[k].total, &c->samples[k].total, sizeof(sim_counts));
    }
    sim_batch_free(c);
  }
  sim_batch_free(b);
  free(out);
  free(cls);
  free(u);
  finish(&t);
}

/* An architecture file: the default with a bigger mesh and, optionally, small cores
 * (few axons force partial-sum relays). */
static void write_arch(char *path, size_t len, uint32_t mesh, uint32_t neurons, uint32_t axons) {
  glif_arch a;
  arch_default(&a);
  a.mesh_x = a.mesh_y = mesh;
  a.neurons = neurons;
  a.axons = axons;
  if (a.lanes > neurons) a.lanes = neurons;
  snprintf(a.name, sizeof a.name, "test-%ux%u-%u-%u", mesh, mesh, neurons, axons);
  snprintf(path, len, "%s/arch_%u_%u_%u.yaml", TMP, mesh, neurons, axons);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  arch_write_yaml(&a, f);
  fclose(f);
}

/* ---- examples ------------------------------------------------------------------------------ */

static void test_example_digits(void **s) {
  (void)s;
  char arch[600];
  write_arch(arch, sizeof arch, 12, 256, 256);
  check_exact(GLIF_SOURCE_DIR "/examples/digits/model.yaml", arch, 6, 11, 2);
  unlink(arch);
}

static void test_examples_tiny(void **s) {
  (void)s;
  DIR *d = opendir(GLIF_SOURCE_DIR "/examples/tiny");
  int found = 0;
  assert_non_null(d);
  for (struct dirent *e; (e = readdir(d));) {
    char model[700];
    struct stat st;
    snprintf(model, sizeof model, "%s/examples/tiny/%s/model.yaml", GLIF_SOURCE_DIR, e->d_name);
    if (e->d_name[0] == '.' || stat(model, &st)) continue;
    check_exact(model, NULL, 4, 3, 4);
    found++;
  }
  closedir(d);
  assert_true(found >= 1);
}

/* ---- random networks -------------------------------------------------------------------------- */

typedef void (*build_fn)(mg *g);

static void random_model(build_fn build, const char *name, int T, uint64_t seed,
                         const char *arch, int64_t n) {
  mg g;
  char model[700];
  mg_open(&g, TMP, seed, T, name);
  build(&g);
  mg_close(&g);
  snprintf(model, sizeof model, "%s/model.yaml", g.dir);
  check_exact(model, arch, n, seed + 100, seed == 1); /* the slow oracle: one sample */
  mg_remove(&g);
}

static void dense_small(mg *g) { mg_dense(g, 24, 40, 30, 6); }
static void dense_wide(mg *g) { mg_dense(g, 200, 100, 80, 10); }

static void test_random_dense(void **s) {
  (void)s;
  for (uint64_t seed = 1; seed <= 4; seed++) random_model(dense_small, "dense", 4, seed, NULL, 3);
}

static void test_random_conv(void **s) {
  (void)s;
  for (uint64_t seed = 1; seed <= 3; seed++) random_model(mg_convnet, "conv", 3, seed, NULL, 3);
}

static void test_random_residual(void **s) {
  (void)s;
  for (uint64_t seed = 1; seed <= 3; seed++) random_model(mg_residual, "residual", 4, seed, NULL, 3);
}

static void test_random_spiking_input(void **s) {
  (void)s;
  for (uint64_t seed = 1; seed <= 3; seed++)
    random_model(mg_spiking_input, "spikes", 5, seed, NULL, 3);
}

/* Fan-in 200 and 100 on cores of 64 axons: both hidden layers go through partial-sum
 * relays (graded packets of P_sum bits); the conv on 32-axon cores likewise. */
static void test_random_fanin_split(void **s) {
  (void)s;
  char arch[600];
  write_arch(arch, sizeof arch, 20, 64, 64);
  for (uint64_t seed = 1; seed <= 3; seed++) random_model(dense_wide, "wide", 4, seed, arch, 3);
  unlink(arch);
  write_arch(arch, sizeof arch, 20, 64, 32);
  for (uint64_t seed = 1; seed <= 2; seed++) random_model(mg_convnet, "conv-split", 3, seed, arch, 3);
  for (uint64_t seed = 1; seed <= 2; seed++) random_model(mg_residual, "res-split", 3, seed, arch, 3);
  unlink(arch);
}

int main(int argc, char **argv) {
  if (argc > 1) cmocka_set_test_filter(argv[1]); /* e.g. test_random_conv */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_example_digits),
      cmocka_unit_test(test_examples_tiny),
      cmocka_unit_test(test_random_dense),
      cmocka_unit_test(test_random_conv),
      cmocka_unit_test(test_random_residual),
      cmocka_unit_test(test_random_spiking_input),
      cmocka_unit_test(test_random_fanin_split),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
