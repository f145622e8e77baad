/*
 * test_trace.c - the spike-trace writer (fabric/trace.c): the exact bytes of
 * docs/trace-format.md, call-order enforcement, and no file left behind on failure.
 */
#include "test_front_util.h"

#include "fabric/nrn.h"
#include "fabric/trace.h"

static char *slurp(const char *path) {
  static char buf[4096];
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

static void test_exact_bytes(void **state) {
  (void)state;
  const char *path = scratch_path("a.trace");
  trace_writer *tw;
  glif_err err;
  const uint32_t s1[2] = {0, 5}, s3[1] = {7};
  const int32_t u[3] = {-12, 0, 2147483647};
  const double uf[3] = {0.1, -2.5, 1e300};
  assert_int_equal(trace_open(&tw, path, "tiny net", 3, &err), 0);
  assert_int_equal(trace_layer(tw, "lif 1", NRN_SPIKING, 8), 0);
  assert_int_equal(trace_layer(tw, "out", NRN_READOUT, 3), 0);
  for (int k = 0; k < 2; k++) {
    assert_int_equal(trace_sample_begin(tw, k), 0);
    assert_int_equal(trace_spikes(tw, 0, 1, s1, 2), 0);
    assert_int_equal(trace_spikes(tw, 0, 2, NULL, 0), 0);
    assert_int_equal(trace_spikes(tw, 0, 3, s3, 1), 0);
    if (k == 0)
      assert_int_equal(trace_readout_fixed(tw, 1, u, 3), 0);
    else
      assert_int_equal(trace_readout_float(tw, 1, uf, 3), 0);
    assert_int_equal(trace_sample_end(tw), 0);
  }
  assert_false(file_exists(path));  /* nothing at the target before close */
  assert_int_equal(trace_close(tw, &err), 0);
  assert_string_equal(slurp(path),
                      "glif-trace 1\n"
                      "model tiny net\n"
                      "T 3\n"
                      "layer 0 lif_1 spiking 8\n"
                      "layer 1 out readout 3\n"
                      "sample 0\n"
                      "s 0 1 0 5\n"
                      "s 0 2\n"
                      "s 0 3 7\n"
                      "u 1 -12 0 2147483647\n"
                      "end\n"
                      "sample 1\n"
                      "s 0 1 0 5\n"
                      "s 0 2\n"
                      "s 0 3 7\n"
                      "u 1 0.10000000000000001 -2.5 1.0000000000000001e+300\n"
                      "end\n");
  assert_int_equal(leftover_tmp_files(path), 0);
}

/* Each misuse is refused, and close then fails and leaves no file. */
static void test_misuse(void **state) {
  (void)state;
  const uint32_t bad_order[2] = {3, 3}, out_of_range[1] = {8};
  for (int c = 0; c < 7; c++) {
    const char *path = scratch_path("m.trace");
    unlink(path);
    trace_writer *tw;
    glif_err err;
    assert_int_equal(trace_open(&tw, path, "m", 2, &err), 0);
    assert_int_equal(trace_layer(tw, "a", NRN_SPIKING, 8), 0);
    assert_int_equal(trace_layer(tw, "b", NRN_READOUT, 1), 0);
    int32_t u = 0;
    int rc = 0;
    if (c != 6) assert_int_equal(trace_sample_begin(tw, 0), 0);
    switch (c) {
    case 0: rc = trace_spikes(tw, 0, 2, NULL, 0); break;          /* step skipped */
    case 1: rc = trace_readout_fixed(tw, 1, &u, 1); break;         /* layer skipped */
    case 2: rc = trace_spikes(tw, 0, 1, bad_order, 2); break;      /* not ascending */
    case 3: rc = trace_spikes(tw, 0, 1, out_of_range, 1); break;   /* index >= n */
    case 4: rc = trace_sample_end(tw); break;                      /* sample not complete */
    case 5: rc = trace_layer(tw, "late", NRN_SPIKING, 1); break;   /* layer after sample */
    case 6: rc = trace_spikes(tw, 0, 1, NULL, 0); break;           /* no sample begun */
    }
    assert_int_equal(rc, GLIF_EINTERNAL);
    assert_int_equal(trace_close(tw, &err), GLIF_EINTERNAL);
    assert_false(file_exists(path));
    assert_int_equal(leftover_tmp_files(path), 0);
  }
}

static void test_abort_and_unwritable(void **state) {
  (void)state;
  const char *path = scratch_path("ab.trace");
  unlink(path);
  trace_writer *tw;
  glif_err err;
  assert_int_equal(trace_open(&tw, path, "m", 1, &err), 0);
  assert_int_equal(trace_layer(tw, "a", NRN_SPIKING, 1), 0);
  trace_abort(tw);
  assert_false(file_exists(path));
  assert_int_equal(leftover_tmp_files(path), 0);
  assert_int_equal(trace_open(&tw, "/nonexistent-dir/x.trace", "m", 1, &err), GLIF_EIO);
  assert_null(tw);
  assert_non_null(strstr(err.msg, "cannot create the trace"));
}

static void test_alloc_failure(void **state) {
  (void)state;
  for (long n = 0; n < 8; n++) {
    const char *path = scratch_path("af.trace");
    trace_writer *tw = NULL;
    glif_err err;
    glif_mem_fail_after(n);
    int rc = trace_open(&tw, path, "m", 1, &err);
    if (!rc) rc = trace_layer(tw, "a", NRN_SPIKING, 1);
    glif_mem_fail_after(-1);
    if (tw) trace_abort(tw);
    if (n < 4) assert_int_equal(rc, GLIF_ENOMEM);
    else assert_int_equal(rc, 0);
    assert_int_equal(leftover_tmp_files(path), 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_bytes),
      cmocka_unit_test(test_misuse),
      cmocka_unit_test(test_abort_and_unwritable),
      cmocka_unit_test(test_alloc_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
