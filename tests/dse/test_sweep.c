/*
 * test_sweep.c - whole sweeps of examples/dse/small (16 inputs -> 40 GLIF -> 10 readout),
 * small enough to count by hand:
 *   cores: the hidden layer takes ceil(40 / N) cores, the readout ceil(10 / N), so
 *          N = 8, 16, 32, 64 use 5+2 = 7, 3+1 = 4, 2+1 = 3, 1+1 = 2 cores;
 *   crossbar cells: 40 x 16 + 10 x 40 = 1040 whatever the tiling;
 *   fan-out entries: one per (hidden neuron, readout core): 80 for N = 8, else 40;
 *   input entries: one per (input, hidden core): 16 x ceil(40 / N).
 * Also: the fit boundary and its design-rule message, auto mesh, invalid points,
 * agreement with the golden model, identical rows for any --jobs, with and without the
 * shared front end, and when two ranks share the points; input checks; allocation
 * failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dse/dse_int.h"
#include "mapping/map.h"

#define SMALL GLIF_SOURCE_DIR "/examples/dse/small/"

typedef struct run {
  dse_space *space;
  dse_sweep *sw;
  dse_row *rows;
  int64_t n;
} run;

static dse_options opts(void) {
  dse_options o;
  dse_options_default(&o);
  o.model_path = SMALL "model.yaml";
  o.input_path = SMALL "inputs.npy";
  o.labels_path = SMALL "labels.npy";
  return o;
}

/* Runs a sweep over axes (NULL-terminated); the run keeps its rows until done(). */
static int start(run *r, const dse_options *o, const char *const *axes, int auto_mesh,
                 glif_err *err) {
  memset(r, 0, sizeof *r);
  glif_err_clear(err);
  int rc = dse_space_create(&r->space, err);
  for (int i = 0; !rc && axes[i]; i++) rc = dse_space_add_axis(r->space, axes[i], NULL, err);
  if (!rc && auto_mesh) rc = dse_space_set_auto_mesh(r->space, 1, err);
  if (!rc) rc = dse_sweep_create(&r->sw, o, r->space, err);
  if (!rc) rc = dse_sweep_run(r->sw, err);
  if (!rc) r->rows = dse_sweep_rows(r->sw), r->n = dse_sweep_n_rows(r->sw);
  return rc;
}

static void go(run *r, const dse_options *o, const char *const *axes, int auto_mesh) {
  glif_err err;
  int rc = start(r, o, axes, auto_mesh, &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(rc, 0);
}

static void done(run *r) {
  dse_sweep_destroy(r->sw);
  dse_space_destroy(r->space);
}

/* Rows without their wall times, for exact comparisons. */
static void untime(dse_row *rows, int64_t n) {
  for (int64_t i = 0; i < n; i++) rows[i].compile_s = rows[i].sim_s = 0;
}

static void same_rows(dse_row *a, dse_row *b, int64_t n) {
  untime(a, n), untime(b, n);
  for (int64_t i = 0; i < n; i++) assert_memory_equal(&a[i], &b[i], sizeof a[i]);
}

/* ---- exact rows ------------------------------------------------------------------------ */

static void test_cores_per_core_size(void **state) {
  (void)state;
  const char *axes[] = {"core.neurons=8:64:x2", "core.lanes=8", "mesh=3x3", NULL};
  dse_options o = opts();
  run r;
  go(&r, &o, axes, 0);
  assert_int_equal(r.n, 4);
  const uint64_t cores[4] = {7, 4, 3, 2}, fanout[4] = {80, 40, 40, 40};
  const uint64_t inputs[4] = {16 * 5, 16 * 3, 16 * 2, 16 * 1};
  for (int i = 0; i < 4; i++) {
    const dse_row *x = &r.rows[i];
    assert_int_equal(x->status, DSE_FITS);
    assert_string_equal(x->reason, "");
    assert_true(x->swept[0] == (8 << i));
    assert_int_equal(x->cores_used, cores[i]);
    assert_int_equal(x->mesh_cores, 9);
    assert_int_equal(x->neurons, 50);
    assert_int_equal(x->relay_neurons, 0);
    assert_int_equal(x->crossbar_cells, 16 * 40 + 40 * 10);
    assert_int_equal(x->crossbar_nonzero, x->synapses); /* no weight needs parallel copies */
    assert_int_equal(x->synapses, r.rows[0].synapses);
    assert_int_equal(x->fanout_entries, fanout[i]);
    assert_int_equal(x->input_entries, inputs[i]);
    assert_int_equal(x->samples, 8);
    assert_int_equal(x->golden_equal, 8); /* the chip computes what the model computes */
    assert_true(x->spike_agreement == 1.0);
    assert_true(x->correct >= 0 && x->accuracy == x->correct / 8.0);
    assert_true(x->latency_cycles > 0 && x->energy_pj > 0 && x->area.chip_mm2 > 0);
    double sum = 0;
    for (int c = 0; c < SIM_E_N; c++) sum += x->energy_cat[c];
    assert_true(sum == x->energy_pj);
    assert_true(x->edp_uj_us == x->energy_pj * 1e-6 * x->latency_us);
  }
  /* about 1 weight in 15 of the model is 0 (multiples of 1/8 from -6/8 to 1) */
  assert_true(r.rows[0].crossbar_nonzero > 900 && r.rows[0].crossbar_nonzero < 1040);
  done(&r);
}

static void test_fit_boundary(void **state) {
  (void)state;
  const char *axes[] = {"core.neurons=16,32", "core.lanes=8", "mesh=1x2,2x2,3x1", NULL};
  dse_options o = opts();
  run r;
  go(&r, &o, axes, 0);
  assert_int_equal(r.n, 6);
  /* N = 16 needs 4 cores: 2 or 3 cores of 16 hold fewer than the 50 neurons */
  assert_int_equal(r.rows[0].status, DSE_NOFIT);
  assert_string_equal(r.rows[0].reason, "DRC neurons: the network has 50 neurons (0 of them "
                      "relays), the chip holds 32 (2 cores x 16) - use a larger mesh or "
                      "larger cores");
  assert_int_equal(r.rows[1].status, DSE_FITS);
  assert_int_equal(r.rows[1].cores_used, 4);
  assert_int_equal(r.rows[2].status, DSE_NOFIT);
  assert_string_equal(r.rows[2].reason, "DRC neurons: the network has 50 neurons (0 of them "
                      "relays), the chip holds 48 (3 cores x 16) - use a larger mesh or "
                      "larger cores");
  /* N = 32 needs 3 cores: 2 do not do, 3 in a row do */
  assert_int_equal(r.rows[3].status, DSE_NOFIT);
  assert_string_equal(r.rows[3].reason, "DRC mesh: the network needs 3 cores, the mesh has 2 "
                      "(1 x 2); use an architecture with a mesh of at least 2 x 2, or larger cores");
  assert_int_equal(r.rows[4].status, DSE_FITS);
  assert_int_equal(r.rows[5].status, DSE_FITS);
  assert_int_equal(r.rows[5].cores_used, 3);
  assert_int_equal(r.rows[5].mesh_x, 3);
  assert_int_equal(r.rows[5].mesh_y, 1);
  /* a point that does not fit still has its area; no simulation figures */
  assert_true(r.rows[3].area.chip_mm2 > 0);
  assert_int_equal(r.rows[3].samples, 0);
  done(&r);
}

static void test_auto_mesh(void **state) {
  (void)state;
  const char *axes[] = {"core.neurons=8:64:x2", "core.lanes=8", NULL};
  dse_options o = opts();
  run r;
  go(&r, &o, axes, 1);
  const uint32_t side[4] = {3, 2, 2, 2}; /* smallest squares holding 7, 4, 3, 2 cores */
  const uint64_t cores[4] = {7, 4, 3, 2};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(r.rows[i].status, DSE_FITS);
    assert_int_equal(r.rows[i].mesh_x, side[i]);
    assert_int_equal(r.rows[i].mesh_y, side[i]);
    assert_int_equal(r.rows[i].cores_used, cores[i]);
  }
  done(&r);
}

/* With auto mesh, a point that fits no mesh says why, and has no mesh. */
static void test_auto_mesh_no_fit(void **state) {
  (void)state;
  const char *axes[] = {"core.neurons=8", "core.lanes=8", "core.fanout_entries=1,16", NULL};
  dse_options o = opts();
  run r;
  go(&r, &o, axes, 1);
  /* the readout needs 2 cores of 8, so every hidden neuron needs 2 fan-out entries; 16
   * entries per core hold a tile of 8 hidden neurons: 5 + 2 cores, a 3 x 3 mesh */
  assert_int_equal(r.rows[0].status, DSE_NOFIT);
  assert_non_null(strstr(r.rows[0].reason, "DRC fanout: a neuron of layer 'h' needs 2 fan-out "
                         "entries, cores have 1"));
  assert_int_equal(r.rows[0].mesh_x, 0);
  assert_int_equal(r.rows[0].mesh_cores, 0);
  assert_true(r.rows[0].area.core_um2 > 0 && r.rows[0].area.chip_mm2 == 0);
  assert_int_equal(r.rows[1].status, DSE_FITS);
  assert_int_equal(r.rows[1].mesh_x, 3);
  done(&r);
}

/* A front end that cannot run for the point (gain tables shorter than T) does not fit. */
static void test_front_end_no_fit(void **state) {
  (void)state;
  const char *axes[] = {"core.max_steps=2,4", NULL};
  dse_options o = opts();
  run r;
  go(&r, &o, axes, 0);
  assert_int_equal(r.rows[0].status, DSE_NOFIT);
  assert_non_null(strstr(r.rows[0].reason, "timesteps = 4 exceeds the 2 steps"));
  assert_int_equal(r.rows[1].status, DSE_FITS);
  done(&r);
}

static void test_invalid_point_row(void **state) {
  (void)state;
  const char *axes[] = {"core.neurons=4,64", "core.lanes=8", NULL};
  dse_options o = opts();
  run r;
  go(&r, &o, axes, 0);
  assert_int_equal(r.rows[0].status, DSE_INVALID);
  assert_string_equal(r.rows[0].reason, "field 'core.lanes' = 8 exceeds core.neurons = 4 (a "
                      "lane accumulates one crossbar column per cycle) - set core.lanes to at "
                      "most 4");
  assert_true(r.rows[0].swept[0] == 4 && r.rows[0].swept[1] == 8);
  assert_int_equal(r.rows[1].status, DSE_FITS);
  done(&r);
}

/* ---- determinism ------------------------------------------------------------------------ */

static const char *const det_axes[] = {"core.neurons=8:64:x2", "core.lanes=4,8",
                                       "mesh=2x2,3x3", NULL};

static void test_jobs_identical(void **state) {
  (void)state;
  dse_options o1 = opts(), o3 = opts();
  o3.jobs = 3;
  run a, b;
  go(&a, &o1, det_axes, 0);
  go(&b, &o3, det_axes, 0);
  assert_int_equal(a.n, 16);
  same_rows(a.rows, b.rows, a.n);
  done(&a), done(&b);
}

static void test_reuse_identical(void **state) {
  (void)state;
  dse_options o1 = opts(), o2 = opts();
  o2.reuse_front = 0;
  o2.jobs = 2;
  run a, b;
  go(&a, &o1, det_axes, 0);
  go(&b, &o2, det_axes, 0);
  same_rows(a.rows, b.rows, a.n);
  done(&a), done(&b);
}

/* Two ranks each run their half; packed, merged, they equal the serial sweep. */
static void test_ranks_merge_equal_serial(void **state) {
  (void)state;
  dse_options o = opts();
  run serial, half[2];
  go(&serial, &o, det_axes, 0);
  dse_row *merged = calloc((size_t)serial.n, sizeof *merged);
  for (int rank = 0; rank < 2; rank++) {
    dse_options p = opts();
    p.rank = rank, p.n_ranks = 2;
    go(&half[rank], &p, det_axes, 0);
    for (int64_t i = 0; i < half[rank].n; i++) { /* only the rank's own points ran */
      static const dse_row zero;
      if (dse_rank_owns(i, rank, 2)) assert_int_equal(half[rank].rows[i].index, i);
      else assert_memory_equal(&half[rank].rows[i], &zero, sizeof zero);
    }
    unsigned char *buf = NULL;
    size_t size = 0;
    glif_err err;
    assert_int_equal(dse_pack_rows(half[rank].rows, half[rank].n, rank, 2, &buf, &size, &err), 0);
    assert_int_equal(size, 8 + 8 * (8 + sizeof(dse_row)));
    assert_int_equal(dse_unpack_rows(buf, size, merged, serial.n, &err), 0);
    glif_free(buf);
  }
  same_rows(serial.rows, merged, serial.n);
  free(merged);
  done(&serial), done(&half[0]), done(&half[1]);
}

static void test_owner(void **state) {
  (void)state;
  assert_int_equal(dse_rank_owns(0, 0, 1), 1);
  assert_int_equal(dse_rank_owns(5, 0, 1), 1);
  assert_int_equal(dse_rank_owns(4, 0, 2), 1);
  assert_int_equal(dse_rank_owns(5, 1, 2), 1);
  assert_int_equal(dse_rank_owns(5, 0, 2), 0);
  assert_int_equal(dse_rank_owns(7, 3, 4), 1);
}

static void test_unpack_refusals(void **state) {
  (void)state;
  dse_row rows[2];
  unsigned char buf[8 + 8 + sizeof(dse_row)];
  glif_err err;
  uint64_t one = 1;
  int64_t bad = 5;
  memset(buf, 0, sizeof buf);
  assert_int_equal(dse_unpack_rows(buf, 4, rows, 2, &err), GLIF_ECORRUPT);
  memcpy(buf, &one, 8);
  assert_int_equal(dse_unpack_rows(buf, sizeof buf - 1, rows, 2, &err), GLIF_ECORRUPT);
  memcpy(buf + 8, &bad, 8);
  assert_int_equal(dse_unpack_rows(buf, sizeof buf, rows, 2, &err), GLIF_ECORRUPT);
  assert_non_null(strstr(err.msg, "row index 5 outside 0 .. 1"));
}

/* ---- inputs ----------------------------------------------------------------------------- */

static void test_synthetic_input(void **state) {
  (void)state;
  const char *axes[] = {"core.neurons=64", NULL};
  dse_options o = opts(), z = opts(), s2 = opts();
  o.input_path = o.labels_path = NULL;
  z.input_path = z.labels_path = NULL, z.synthetic_zeros = 1;
  s2.input_path = s2.labels_path = NULL, s2.seed = 2;
  run a, b, c, d;
  go(&a, &o, axes, 0);
  go(&b, &o, axes, 0);
  go(&c, &z, axes, 0);
  go(&d, &s2, axes, 0);
  assert_string_equal(dse_sweep_input_desc(a.sw), "random(seed=1)");
  assert_string_equal(dse_sweep_input_desc(c.sw), "zeros");
  assert_int_equal(a.rows[0].samples, 8);
  assert_int_equal(a.rows[0].correct, -1); /* no labels */
  same_rows(a.rows, b.rows, 1);            /* same seed, same rows */
  assert_true(a.rows[0].packets != d.rows[0].packets || a.rows[0].spikes != d.rows[0].spikes);
  assert_true(c.rows[0].packets < a.rows[0].packets); /* zeros send no input packets */
  assert_int_equal(c.rows[0].golden_equal, 8);
  done(&a), done(&b), done(&c), done(&d);
}

static void test_samples_option(void **state) {
  (void)state;
  const char *axes[] = {"core.neurons=64", NULL};
  dse_options o = opts(), all = opts();
  o.samples = 3;
  all.samples = 100; /* the file holds 16 */
  run a, b;
  go(&a, &o, axes, 0);
  go(&b, &all, axes, 0);
  assert_int_equal(a.rows[0].samples, 3);
  assert_int_equal(a.rows[0].golden_equal, 3);
  assert_int_equal(b.rows[0].samples, 16);
  done(&a), done(&b);
}

static void create_fails(dse_options *o, int code, const char *needle) {
  const char *axes[] = {"core.neurons=64", NULL};
  run r;
  glif_err err;
  int rc = start(&r, o, axes, 0, &err);
  if (!strstr(err.msg, needle)) fprintf(stderr, "got: %s\n", err.msg);
  assert_int_equal(rc, code);
  assert_non_null(strstr(err.msg, needle));
  done(&r);
}

static void test_input_errors(void **state) {
  (void)state;
  dse_options o = opts();
  o.input_path = SMALL "labels.npy";
  create_fails(&o, GLIF_ESHAPE, "");
  o = opts();
  o.model_path = SMALL "missing.yaml";
  create_fails(&o, GLIF_EMISSING, "cannot open the model");
  o = opts();
  o.labels_path = GLIF_SOURCE_DIR "/examples/tiny/residual/labels.npy";
  create_fails(&o, GLIF_ESHAPE, "labels have shape");
  o = opts();
  o.arch = "no-such-preset";
  create_fails(&o, GLIF_EMISSING, "no such file or preset");
}

/* ---- the image size ----------------------------------------------------------------------- */

static void test_image_bytes_equal_file(void **state) {
  (void)state;
  cc_options opt;
  cc_ctx ctx;
  img_image img;
  glif_err err;
  char path[256];
  struct stat st;
  memset(&opt, 0, sizeof opt);
  opt.model_path = SMALL "model.yaml";
  opt.quiet = 1;
  assert_int_equal(cc_init(&ctx, &opt, &err), 0);
  ctx.arch.neurons = 16, ctx.arch.lanes = 8;
  assert_int_equal(cc_run(&ctx, &err), 0);
  assert_int_equal(map_build_image(&ctx, &img, &err), 0);
  snprintf(path, sizeof path, "%s/dse_image_%d.img", GLIF_BINARY_DIR, (int)getpid());
  assert_int_equal(img_write(path, &img, &err), 0);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(dse_image_bytes(&img), (uint64_t)st.st_size);
  unlink(path);
  map_image_free(&img);
  cc_destroy(&ctx);
}

/* ---- temporary files and allocation failures --------------------------------------------- */

static int dir_empty(const char *path) {
  DIR *d = opendir(path);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
  if (d) closedir(d);
  return d && n == 0;
}

static void test_no_temporary_files_left(void **state) {
  (void)state;
  char dir[256];
  snprintf(dir, sizeof dir, "%s/dse_tmp_%d", GLIF_BINARY_DIR, (int)getpid());
  assert_int_equal(mkdir(dir, 0700), 0);
  const char *old = getenv("TMPDIR");
  char *saved = old ? strdup(old) : NULL;
  setenv("TMPDIR", dir, 1);
  const char *axes[] = {"core.neurons=16,64", "core.lanes=8", NULL};
  dse_options o = opts();
  o.jobs = 2;
  run r;
  go(&r, &o, axes, 0);
  done(&r);
  if (saved) setenv("TMPDIR", saved, 1), free(saved);
  else unsetenv("TMPDIR");
  assert_true(dir_empty(dir));
  rmdir(dir);
}

static void test_allocation_failures(void **state) {
  (void)state;
  const char *axes[] = {"core.neurons=16", "core.lanes=8", NULL};
  dse_options o = opts();
  o.samples = 1;
  glif_mem_reset_count();
  run r;
  go(&r, &o, axes, 0);
  done(&r);
  const long total = glif_mem_count();
  for (long k = 0; k < total; k += k < 40 ? 1 : 1 + total / 60) {
    glif_err err;
    glif_mem_fail_after(k);
    int rc = start(&r, &o, axes, 0, &err);
    glif_mem_fail_after(-1);
    /* out of memory is either fatal or, inside a point, never a wrong row */
    assert_true(rc == 0 || rc == GLIF_ENOMEM || rc == GLIF_EIO);
    if (rc == 0) assert_true(r.rows[0].status == DSE_FITS || r.rows[0].status == DSE_ERROR);
    done(&r);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cores_per_core_size), cmocka_unit_test(test_fit_boundary),
      cmocka_unit_test(test_auto_mesh), cmocka_unit_test(test_auto_mesh_no_fit),
      cmocka_unit_test(test_front_end_no_fit),
      cmocka_unit_test(test_invalid_point_row), cmocka_unit_test(test_jobs_identical),
      cmocka_unit_test(test_reuse_identical), cmocka_unit_test(test_ranks_merge_equal_serial),
      cmocka_unit_test(test_owner), cmocka_unit_test(test_unpack_refusals),
      cmocka_unit_test(test_synthetic_input), cmocka_unit_test(test_samples_option),
      cmocka_unit_test(test_input_errors), cmocka_unit_test(test_image_bytes_equal_file),
      cmocka_unit_test(test_no_temporary_files_left), cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
