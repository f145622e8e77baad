/*
 * test_space.c - the design space: value lists, arithmetic and geometric ranges, mesh
 * forms, joined fields, ties, explicit points, the numbering of points, invalid points,
 * sweep files, and every refusal (did you mean, the architecture's range message,
 * empty ranges, a field on two axes, auto mesh with a swept mesh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dse/dse.h"
#include "fabric/mem.h"

static dse_space *space(void) {
  dse_space *s = NULL;
  glif_err err;
  assert_int_equal(dse_space_create(&s, &err), 0);
  return s;
}

static void axis_ok(dse_space *s, const char *spec) {
  glif_err err;
  glif_err_clear(&err);
  int rc = dse_space_add_axis(s, spec, "--sweep", &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(rc, 0);
}

static int64_t count(const dse_space *s) {
  int64_t n = -1;
  glif_err err;
  assert_int_equal(dse_space_count(s, &n, &err), 0);
  return n;
}

/* Value of field path in point i (built on glif-256). */
static double value(const dse_space *s, int64_t i, const char *path) {
  glif_arch base, a;
  glif_err err;
  arch_default(&base);
  dse_space_arch(s, &base, i, &a, &err);
  return arch_field_get(&a, arch_field_find(path));
}

/* ---- values ---------------------------------------------------------------------------- */

static void test_list_and_geometric(void **state) {
  (void)state;
  dse_space *s = space();
  axis_ok(s, "core.neurons=64,128:1024:x2");
  assert_int_equal(count(s), 5);
  const double want[5] = {64, 128, 256, 512, 1024};
  for (int i = 0; i < 5; i++) assert_true(value(s, i, "core.neurons") == want[i]);
  dse_space_destroy(s);
}

static void test_geometric_stops_below_hi(void **state) {
  (void)state;
  dse_space *s = space();
  axis_ok(s, "core.neurons=3:100:x3"); /* 3 9 27 81; 243 > 100 */
  assert_int_equal(count(s), 4);
  assert_true(value(s, 3, "core.neurons") == 81);
  dse_space_destroy(s);
}

static void test_arithmetic(void **state) {
  (void)state;
  dse_space *s = space();
  axis_ok(s, "mesh.x=4:16:4");
  axis_ok(s, "core.groups=3:5");
  assert_int_equal(count(s), 12);
  assert_true(value(s, 0, "mesh.x") == 4 && value(s, 0, "core.groups") == 3);
  assert_true(value(s, 2, "mesh.x") == 4 && value(s, 2, "core.groups") == 5);
  assert_true(value(s, 3, "mesh.x") == 8 && value(s, 3, "core.groups") == 3);
  assert_true(value(s, 11, "mesh.x") == 16 && value(s, 11, "core.groups") == 5);
  dse_space_destroy(s);
}

static void test_real_field_range(void **state) {
  (void)state;
  dse_space *s = space();
  axis_ok(s, "timing.clock_mhz=100:200:50,333.5");
  assert_int_equal(count(s), 4);
  assert_true(value(s, 1, "timing.clock_mhz") == 150.0);
  assert_true(value(s, 3, "timing.clock_mhz") == 333.5);
  dse_space_destroy(s);
}

static void test_mesh_forms(void **state) {
  (void)state;
  dse_space *s = space();
  axis_ok(s, "mesh=8x8,16x4,3,2:4:2");
  assert_int_equal(count(s), 5);
  const double x[5] = {8, 16, 3, 2, 4}, y[5] = {8, 4, 3, 2, 4};
  for (int i = 0; i < 5; i++) {
    assert_true(value(s, i, "mesh.x") == x[i]);
    assert_true(value(s, i, "mesh.y") == y[i]);
  }
  assert_int_equal(dse_space_n_cols(s), 2);
  char name[64];
  dse_space_col_name(s, 0, name, sizeof name);
  assert_string_equal(name, "mesh.x");
  dse_space_destroy(s);
}

static void test_joined_fields(void **state) {
  (void)state;
  dse_space *s = space();
  axis_ok(s, "core.neurons,core.axons,core.lanes=8,32");
  assert_int_equal(count(s), 2);
  assert_true(value(s, 1, "core.neurons") == 32 && value(s, 1, "core.axons") == 32 &&
              value(s, 1, "core.lanes") == 32);
  assert_int_equal(dse_space_n_cols(s), 3);
  dse_space_destroy(s);
}

/* The first axis varies slowest. */
static void test_order(void **state) {
  (void)state;
  dse_space *s = space();
  axis_ok(s, "core.groups=1,2");
  axis_ok(s, "core.delay_slots=2,3,4");
  assert_int_equal(count(s), 6);
  for (int i = 0; i < 6; i++) {
    assert_true(value(s, i, "core.groups") == 1 + i / 3);
    assert_true(value(s, i, "core.delay_slots") == 2 + i % 3);
  }
  dse_space_destroy(s);
}

static void test_tie(void **state) {
  (void)state;
  dse_space *s = space();
  glif_err err;
  axis_ok(s, "core.neurons=64,512");
  assert_int_equal(dse_space_add_tie(s, "core.axons=core.neurons", "--tie", &err), 0);
  assert_true(value(s, 1, "core.axons") == 512);
  assert_int_equal(dse_space_n_cols(s), 2);
  assert_true(dse_space_col(s, 0) == arch_field_find("core.neurons"));
  assert_true(dse_space_col(s, 1) == arch_field_find("core.axons"));
  dse_space_destroy(s);
}

/* A tie's source may be swept by an axis given after the tie. */
static void test_tie_before_axis(void **state) {
  (void)state;
  dse_space *s = space();
  glif_err err;
  assert_int_equal(dse_space_add_tie(s, "core.axons=core.neurons", "--tie", &err), 0);
  axis_ok(s, "core.neurons=64,512");
  assert_int_equal(count(s), 2);
  assert_true(value(s, 1, "core.axons") == 512);
  assert_int_equal(dse_space_n_cols(s), 2);
  assert_true(dse_space_col(s, 0) == arch_field_find("core.neurons")); /* source first */
  /* but its target may not */
  assert_int_equal(dse_space_add_axis(s, "core.axons=8", NULL, &err), GLIF_EUSAGE);
  assert_non_null(strstr(err.msg, "core.axons is already set by a tie"));
  dse_space_destroy(s);
}

static void test_points_axis(void **state) {
  (void)state;
  dse_space *s = space();
  glif_err err;
  assert_int_equal(dse_space_add_point(s, "core.neurons=128;core.axons=512", NULL, &err), 0);
  assert_int_equal(dse_space_add_point(s, "core.neurons=64;mesh=4x2", NULL, &err), 0);
  axis_ok(s, "core.lanes=4,8");
  assert_int_equal(count(s), 4);
  assert_true(value(s, 0, "core.axons") == 512 && value(s, 0, "core.lanes") == 4);
  /* point 2 does not set core.axons: the base's value */
  assert_true(value(s, 2, "core.neurons") == 64 && value(s, 2, "core.axons") == 256);
  assert_true(value(s, 3, "mesh.x") == 4 && value(s, 3, "mesh.y") == 2);
  dse_space_destroy(s);
}

static void test_invalid_point(void **state) {
  (void)state;
  dse_space *s = space();
  glif_arch base, a;
  glif_err err;
  arch_default(&base);
  axis_ok(s, "core.neurons=8,16"); /* lanes stay 16 */
  glif_err_clear(&err);
  assert_int_equal(dse_space_arch(s, &base, 0, &a, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "field 'core.lanes' = 16 exceeds core.neurons = 8"));
  assert_int_equal(dse_space_arch(s, &base, 1, &a, &err), 0);
  dse_space_destroy(s);
}

/* ---- refusals ---------------------------------------------------------------------------- */

static void axis_fails(const char *spec, int code, const char *needle) {
  dse_space *s = space();
  glif_err err;
  glif_err_clear(&err);
  int rc = dse_space_add_axis(s, spec, "--sweep", &err);
  if (!strstr(err.msg, needle)) fprintf(stderr, "[%s] got: %s\n", spec, err.msg);
  assert_int_equal(rc, code);
  assert_non_null(strstr(err.msg, needle));
  dse_space_destroy(s);
}

static void test_bad_field_did_you_mean(void **state) {
  (void)state;
  axis_fails("core.neuron=64", GLIF_EUSAGE,
             "--sweep core.neuron=64: 'core.neuron' is not an architecture field (did you mean "
             "'core.neurons'?)");
  axis_fails("neurons=64", GLIF_EUSAGE, "(did you mean 'core.neurons'?)");
  axis_fails("mesh.z=4", GLIF_EUSAGE, "did you mean 'mesh.x'");
  axis_fails("mesh.q=4", GLIF_EUSAGE, "did you mean 'mesh.x'");
  axis_fails("nonsense.entirely=4", GLIF_EUSAGE, "is not an architecture field - fields");
}

static void test_bad_values(void **state) {
  (void)state;
  axis_fails("core.neurons=0", GLIF_ERANGE, "core.neurons");
  axis_fails("core.neurons=70000", GLIF_ERANGE, "65536");
  axis_fails("core.neurons=2.5", GLIF_ETYPE, "core.neurons");
  axis_fails("core.neurons=1:4:0.5", GLIF_ERANGE, "not a whole number");
  axis_fails("core.neurons=64:32", GLIF_EUSAGE, "range '64:32' is empty or endless");
  axis_fails("core.neurons=64:1024:x1", GLIF_EUSAGE, "factor");
  axis_fails("core.neurons=64:1024:0", GLIF_EUSAGE, "step > 0");
  axis_fails("core.neurons=64,,128", GLIF_EUSAGE, "empty value");
  axis_fails("core.neurons=", GLIF_EUSAGE, "empty value");
  axis_fails("core.neurons", GLIF_EUSAGE, "expected FIELD=VALUES");
  axis_fails("core.neurons=abc:4", GLIF_EUSAGE, "is not a value or a range");
  axis_fails("mesh=8y8", GLIF_EUSAGE, "is not a mesh");
  axis_fails("mesh,core.neurons=8", GLIF_EUSAGE, "axis of its own");
  axis_fails("mesh=0x4", GLIF_ERANGE, "mesh.x");
}

static void test_field_on_two_axes(void **state) {
  (void)state;
  dse_space *s = space();
  glif_err err;
  axis_ok(s, "core.neurons=64");
  assert_int_equal(dse_space_add_axis(s, "core.neurons,core.axons=8", NULL, &err), GLIF_EUSAGE);
  assert_non_null(strstr(err.msg, "core.neurons is already set by another axis"));
  assert_int_equal(dse_space_add_tie(s, "core.neurons=core.axons", "--tie", &err), GLIF_EUSAGE);
  assert_int_equal(dse_space_add_tie(s, "core.axons=core.axons", "--tie", &err), GLIF_EUSAGE);
  assert_int_equal(dse_space_add_tie(s, "core.axons=timing.clock_mhz", "--tie", &err), GLIF_EUSAGE);
  dse_space_destroy(s);
}

static void test_auto_mesh_clash(void **state) {
  (void)state;
  dse_space *s = space();
  glif_err err;
  assert_int_equal(dse_space_set_auto_mesh(s, 1, &err), 0);
  assert_int_equal(dse_space_add_axis(s, "mesh=4x4", NULL, &err), GLIF_EUSAGE);
  assert_non_null(strstr(err.msg, "auto mesh chooses the mesh"));
  dse_space_destroy(s);
}

static void test_too_many_points(void **state) {
  (void)state;
  dse_space *s = space();
  glif_err err;
  axis_ok(s, "core.groups=1:1000");
  axis_ok(s, "core.fanout_entries=1:101");
  int64_t n;
  assert_int_equal(dse_space_count(s, &n, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "more than 100000 points"));
  dse_space_destroy(s);
}

static void test_guess(void **state) {
  (void)state;
  assert_string_equal(dse_field_guess("widths.wieght"), "widths.weight");
  assert_string_equal(dse_field_guess("buffer"), "router.buffer");
  assert_string_equal(dse_field_guess("msh"), "mesh");
  assert_null(dse_field_guess("completely.unrelated.name"));
}

/* ---- sweep files ----------------------------------------------------------------------------- */

static char *write_spec(const char *text) {
  static char path[256];
  snprintf(path, sizeof path, "%s/dse_spec_%d.yaml", GLIF_BINARY_DIR, (int)getpid());
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static void test_spec_file(void **state) {
  (void)state;
  const char *path = write_spec("glif_dse: 1\narch: loihi\nsamples: 3\nauto_mesh: false\n"
                                "sweep:\n  core.neurons: [64, 128:256:x2]\n  core.lanes: 8\n"
                                "tie:\n  core.axons: core.neurons\n"
                                "points:\n  - {core.groups: 2, core.delay_slots: 3}\n"
                                "  - {core.groups: 4}\n");
  dse_space *s = space();
  const char *arch = NULL;
  int64_t samples = 0, n = 0;
  glif_err err;
  glif_err_clear(&err);
  assert_int_equal(dse_space_load(s, path, &arch, &samples, &err), 0);
  assert_string_equal(arch, "loihi");
  assert_int_equal(samples, 3);
  assert_int_equal(dse_space_count(s, &n, &err), 0);
  assert_int_equal(n, 3 * 1 * 2);
  assert_true(value(s, 4, "core.neurons") == 256 && value(s, 4, "core.axons") == 256);
  assert_true(value(s, 4, "core.groups") == 2 && value(s, 4, "core.delay_slots") == 3);
  assert_true(value(s, 5, "core.groups") == 4 && value(s, 5, "core.delay_slots") == 4);
  dse_space_destroy(s);
  unlink(path);
}

static void spec_fails(const char *text, int line, int col, const char *needle) {
  const char *path = write_spec(text);
  dse_space *s = space();
  glif_err err;
  glif_err_clear(&err);
  int rc = dse_space_load(s, path, NULL, NULL, &err);
  if (!strstr(err.msg, needle) || err.line != line || err.col != col)
    fprintf(stderr, "got %d:%d %s\n", err.line, err.col, err.msg);
  assert_true(rc != 0);
  assert_string_equal(err.file, path);
  assert_int_equal(err.line, line);
  assert_int_equal(err.col, col);
  assert_non_null(strstr(err.msg, needle));
  dse_space_destroy(s);
  unlink(path);
}

static void test_spec_errors(void **state) {
  (void)state;
  spec_fails("glif_dse: 1\nsweep:\n  core.neuron: 64\n", 3, 16, "did you mean 'core.neurons'");
  spec_fails("glif_dse: 1\nsweep:\n  core.neurons: [64, 0]\n", 3, 17, "core.neurons");
  spec_fails("glif_dse: 1\nswep:\n  core.neurons: 64\n", 2, 1, "unknown key 'swep'");
  spec_fails("glif_dse: 2\n", 1, 11, "version is not 1");
  spec_fails("sweep: {core.neurons: 64}\n", 1, 1, "no 'glif_dse: 1'");
  spec_fails("glif_dse: 1\nsweep: [1, 2\n", 3, 1, "malformed YAML");
  spec_fails("glif_dse: 1\npoints:\n  - {core.neurons: 64, core.neurons: 32}\n", 3, 5,
             "set twice in one point");
  spec_fails("glif_dse: 1\nauto_mesh: maybe\n", 2, 12, "expected true or false");
  spec_fails("glif_dse: 1\nsamples: 0\n", 2, 10, "expected a whole number 1 ..");
}

static void test_spec_missing_file(void **state) {
  (void)state;
  dse_space *s = space();
  glif_err err;
  assert_int_equal(dse_space_load(s, "/nonexistent/sweep.yaml", NULL, NULL, &err),
                   GLIF_EMISSING);
  assert_non_null(strstr(err.msg, "cannot open the sweep file"));
  dse_space_destroy(s);
}

/* Every allocation of building a space may fail: the error is clean. */
static void test_allocation_failures(void **state) {
  (void)state;
  for (long k = 0; k < 40; k++) {
    dse_space *s = NULL;
    glif_err err;
    glif_mem_fail_after(k);
    int rc = dse_space_create(&s, &err);
    if (!rc) rc = dse_space_add_axis(s, "core.neurons=8:1024:x2", NULL, &err);
    if (!rc) rc = dse_space_add_point(s, "core.groups=2;mesh=2x2", NULL, &err);
    glif_mem_fail_after(-1);
    assert_true(rc == 0 || rc == GLIF_ENOMEM);
    dse_space_destroy(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_list_and_geometric), cmocka_unit_test(test_geometric_stops_below_hi),
      cmocka_unit_test(test_arithmetic), cmocka_unit_test(test_real_field_range),
      cmocka_unit_test(test_mesh_forms), cmocka_unit_test(test_joined_fields),
      cmocka_unit_test(test_order), cmocka_unit_test(test_tie),
      cmocka_unit_test(test_tie_before_axis),
      cmocka_unit_test(test_points_axis), cmocka_unit_test(test_invalid_point),
      cmocka_unit_test(test_bad_field_did_you_mean), cmocka_unit_test(test_bad_values),
      cmocka_unit_test(test_field_on_two_axes), cmocka_unit_test(test_auto_mesh_clash),
      cmocka_unit_test(test_too_many_points), cmocka_unit_test(test_guess),
      cmocka_unit_test(test_spec_file), cmocka_unit_test(test_spec_errors),
      cmocka_unit_test(test_spec_missing_file), cmocka_unit_test(test_allocation_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
