/*
 * test_npy.c - the .npy reader and writer (fabric/npy.c), on hand-made byte strings.
 *
 * Every accepted header variant (versions 1.0/2.0/3.0, spacing, key order, Python 2
 * 'L' suffixes) and every refusal (big-endian, Fortran order, other dtypes, object and
 * structured arrays, truncation, trailing bytes, absurd shapes, bad magic) is a case of
 * its own, with the exact values or the key words of the message asserted.
 */
#include "test_front_util.h"

/* Builds a .npy byte string: magic, version, header text padded to 64, then data. */
static size_t make_npy(unsigned char *out, int major, const char *dict, const void *data,
                       size_t n_data) {
  size_t pre = major == 1 ? 10 : 12, len = strlen(dict);
  size_t hlen = len + 1;
  while ((pre + hlen) % 64) hlen++;
  memcpy(out, "\x93NUMPY", 6);
  out[6] = (unsigned char)major;
  out[7] = 0;
  if (major == 1) {
    out[8] = (unsigned char)hlen;
    out[9] = (unsigned char)(hlen >> 8);
  } else {
    for (int i = 0; i < 4; i++) out[8 + i] = (unsigned char)(hlen >> (8 * i));
  }
  memcpy(out + pre, dict, len);
  memset(out + pre + len, ' ', hlen - len - 1);
  out[pre + hlen - 1] = '\n';
  memcpy(out + pre + hlen, data, n_data);
  return pre + hlen + n_data;
}

static int read_bytes(const unsigned char *b, size_t n, npy_array *a, glif_err *err) {
  return npy_read(write_bytes("t.npy", b, n), a, err);
}

static void test_f4_2x3(void **state) {
  (void)state;
  unsigned char b[256];
  const float v[6] = {1.5f, -2.0f, 0.25f, 3.0f, -0.0f, 1e-3f};
  size_t n = make_npy(b, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                      v, sizeof v);
  assert_int_equal(n % 64, 24);
  npy_array a;
  glif_err err;
  assert_int_equal(read_bytes(b, n, &a, &err), 0);
  assert_int_equal(a.dtype, NPY_F32);
  assert_int_equal(a.ndim, 2);
  assert_int_equal(a.shape[0], 2);
  assert_int_equal(a.shape[1], 3);
  assert_int_equal(a.size, 6);
  for (int i = 0; i < 6; i++) assert_true(a.data[i] == (double)v[i]);
  npy_free(&a);
}

static void test_f8_scalar(void **state) {
  (void)state;
  unsigned char b[256];
  const double v = -1234.5678;
  size_t n = make_npy(b, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", &v, 8);
  npy_array a;
  glif_err err;
  assert_int_equal(read_bytes(b, n, &a, &err), 0);
  assert_int_equal(a.dtype, NPY_F64);
  assert_int_equal(a.ndim, 0);
  assert_int_equal(a.size, 1);
  assert_true(a.data[0] == v);
  npy_free(&a);
}

static void test_i1_both_spellings(void **state) {
  (void)state;
  unsigned char b[256];
  const signed char v[4] = {-128, -1, 0, 127};
  const char *dicts[] = {"{'descr': '|i1', 'fortran_order': False, 'shape': (4,), }",
                         "{'descr': '<i1', 'fortran_order': False, 'shape': (4,), }"};
  for (int k = 0; k < 2; k++) {
    size_t n = make_npy(b, 1, dicts[k], v, 4);
    npy_array a;
    glif_err err;
    assert_int_equal(read_bytes(b, n, &a, &err), 0);
    assert_int_equal(a.dtype, NPY_I8);
    assert_true(a.data[0] == -128 && a.data[1] == -1 && a.data[2] == 0 && a.data[3] == 127);
    npy_free(&a);
  }
}

static void test_versions_2_and_3(void **state) {
  (void)state;
  unsigned char b[256];
  const double v[2] = {7, 8};
  for (int major = 2; major <= 3; major++) {
    size_t n = make_npy(b, major, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                        v, sizeof v);
    npy_array a;
    glif_err err;
    assert_int_equal(read_bytes(b, n, &a, &err), 0);
    assert_true(a.data[0] == 7 && a.data[1] == 8);
    npy_free(&a);
  }
}

/* Spacing, key order, no trailing comma, double quotes, Python 2 'L' suffixes. */
static void test_header_spelling(void **state) {
  (void)state;
  unsigned char b[256];
  const float v[2] = {1, 2};
  const char *dicts[] = {
      "{ 'shape' : ( 1 , 2 ) , 'descr':'<f4','fortran_order':False}",
      "{\"fortran_order\": False, \"shape\": (1L, 2L), \"descr\": \"<f4\"}",
      "{'descr': '<f4',\n 'fortran_order': False,\n 'shape': (1, 2,),\n}"};
  for (int k = 0; k < 3; k++) {
    size_t n = make_npy(b, 1, dicts[k], v, sizeof v);
    npy_array a;
    glif_err err;
    assert_int_equal(read_bytes(b, n, &a, &err), 0);
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.shape[1], 2);
    assert_true(a.data[1] == 2.0);
    npy_free(&a);
  }
}

/* Reads a refused byte string; checks the code and a key phrase of the message. */
static void expect_refused(const unsigned char *b, size_t n, int code, const char *phrase) {
  npy_array a;
  glif_err err;
  glif_err_clear(&err);
  int rc = read_bytes(b, n, &a, &err);
  if (rc != code || !strstr(err.msg, phrase))
    fail_msg("got %d '%s', wanted %d and '%s'", rc, err.msg, code, phrase);
  assert_null(a.data);
  assert_true(strstr(err.file, "t.npy") != NULL);
}

static void test_refuse_dtypes(void **state) {
  (void)state;
  unsigned char b[256];
  const double v[2] = {0, 0};
  size_t n;
  n = make_npy(b, 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", v, 16);
  expect_refused(b, n, GLIF_ETYPE, "big-endian");
  n = make_npy(b, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", v, 16);
  expect_refused(b, n, GLIF_ETYPE, "'<i8' is not supported");
  n = make_npy(b, 1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", v, 16);
  expect_refused(b, n, GLIF_ETYPE, "object arrays");
  n = make_npy(b, 1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }",
               v, 16);
  expect_refused(b, n, GLIF_ETYPE, "structured");
  n = make_npy(b, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }", v, 16);
  expect_refused(b, n, GLIF_ETYPE, "Fortran");
}

static void test_refuse_truncated_and_trailing(void **state) {
  (void)state;
  unsigned char b[256];
  const double v[3] = {1, 2, 3};
  size_t n = make_npy(b, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                      v, sizeof v);
  expect_refused(b, n - 1, GLIF_ECORRUPT, "truncated");
  expect_refused(b, n - 24, GLIF_ECORRUPT, "truncated");
  expect_refused(b, 9, GLIF_ECORRUPT, "too short");
  expect_refused(b, 70, GLIF_ECORRUPT, "header length");
  unsigned char c[300];
  memcpy(c, b, n);
  memset(c + n, 0, 8);
  expect_refused(c, n + 8, GLIF_ECORRUPT, "not one complete");
}

/* A shape whose product overflows or dwarfs the file: refused before allocating. */
static void test_refuse_absurd_shape(void **state) {
  (void)state;
  unsigned char b[256];
  const double v[1] = {1};
  size_t n = make_npy(
      b, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000), }",
      v, 8);
  long before = glif_mem_count();
  expect_refused(b, n, GLIF_ECORRUPT, "needs more data");
  assert_true(glif_mem_count() - before <= 1); /* the header text only */
  n = make_npy(b, 1,
               "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }",
               v, 8);
  expect_refused(b, n, GLIF_ECORRUPT, "absurdly large");
  n = make_npy(b, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", v, 8);
  expect_refused(b, n, GLIF_ECORRUPT, "non-negative");
  n = make_npy(b, 1,
               "{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }",
               v, 8);
  expect_refused(b, n, GLIF_ESHAPE, "more than 8 dimensions");
}

static void test_refuse_bad_headers(void **state) {
  (void)state;
  unsigned char b[256];
  const double v[1] = {1};
  size_t n = make_npy(b, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", v, 8);
  b[1] = 'X';
  expect_refused(b, n, GLIF_ECORRUPT, "magic");
  n = make_npy(b, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", v, 8);
  b[6] = 4;
  expect_refused(b, n, GLIF_EVERSION, "4.0");
  n = make_npy(b, 1, "{'descr': '<f8', 'shape': (1,), }", v, 8);
  expect_refused(b, n, GLIF_ECORRUPT, "missing");
  n = make_npy(b, 1, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}",
               v, 8);
  expect_refused(b, n, GLIF_ECORRUPT, "repeated");
  n = make_npy(b, 1, "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,)}", v, 8);
  expect_refused(b, n, GLIF_ECORRUPT, "True or False");
  n = make_npy(b, 1, "['descr', '<f8']", v, 8);
  expect_refused(b, n, GLIF_ECORRUPT, "'{'");
  n = make_npy(b, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,) x", v, 8);
  expect_refused(b, n, GLIF_ECORRUPT, "expected ','");
  expect_refused(b, 0, GLIF_ECORRUPT, "too short");
}

static void test_missing_file(void **state) {
  (void)state;
  npy_array a;
  glif_err err;
  assert_int_equal(npy_read(scratch_path("no-such.npy"), &a, &err), GLIF_EMISSING);
  assert_non_null(strstr(err.msg, "cannot open"));
}

/* The writer produces exactly numpy.save's bytes (checked against numpy 1.24 output:
 * 128-byte header "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"). */
static void test_write_matches_numpy(void **state) {
  (void)state;
  const double v[2] = {1.5, -2.0};
  const int64_t shape[1] = {2};
  glif_err err;
  const char *path = scratch_path("w.npy");
  assert_int_equal(npy_write(path, NPY_F64, 1, shape, v, &err), 0);
  unsigned char want[256];
  size_t n = make_npy(want, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
                      v, sizeof v);
  assert_int_equal(n, 144);
  unsigned char got[256];
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fread(got, 1, sizeof got, f), n);
  fclose(f);
  assert_memory_equal(got, want, n);
  assert_int_equal(leftover_tmp_files(path), 0);
}

static void test_write_read_round_trip(void **state) {
  (void)state;
  const double v[6] = {-128, 1, 2.5, -3, 0, 127};
  const int64_t shape[3] = {1, 2, 3};
  const int dtypes[3] = {NPY_F32, NPY_F64, NPY_I8};
  const double i8[6] = {-128, 1, 2, -3, 0, 127};
  for (int k = 0; k < 3; k++) {
    const double *src = dtypes[k] == NPY_I8 ? i8 : v;
    glif_err err;
    npy_array a;
    const char *path = scratch_path("rt.npy");
    assert_int_equal(npy_write(path, dtypes[k], 3, shape, src, &err), 0);
    assert_int_equal(npy_read(path, &a, &err), 0);
    assert_int_equal(a.dtype, dtypes[k]);
    assert_int_equal(a.ndim, 3);
    for (int i = 0; i < 6; i++) assert_true(a.data[i] == src[i]);
    npy_free(&a);
  }
  /* a scalar */
  glif_err err;
  npy_array a;
  const double s = 0.1;
  assert_int_equal(npy_write(scratch_path("s.npy"), NPY_F64, 0, NULL, &s, &err), 0);
  assert_int_equal(npy_read(scratch_path("s.npy"), &a, &err), 0);
  assert_int_equal(a.ndim, 0);
  assert_true(a.data[0] == 0.1);
  npy_free(&a);
}

static void test_write_refuses_non_int8_and_leaves_nothing(void **state) {
  (void)state;
  const double v[2] = {1, 128};
  const int64_t shape[1] = {2};
  glif_err err;
  const char *path = scratch_path("bad.npy");
  unlink(path);
  assert_int_equal(npy_write(path, NPY_I8, 1, shape, v, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "element 1 = 128"));
  assert_false(file_exists(path));
  assert_int_equal(npy_write("/nonexistent-dir/x.npy", NPY_F64, 1, shape, v, &err),
                   GLIF_EIO);
}

/* npy_read_labels: integer classes in range, one per sample; an int64 file (numpy's
 * default for integers) is refused with the labels' own hint. */
static void test_refuse_missing_and_directories(void **state) {
  (void)state;
  npy_array a;
  glif_err err;
  assert_int_equal(npy_read("/nonexistent/x.npy", &a, &err), GLIF_EMISSING);
  assert_string_equal(err.msg, "cannot open the .npy file: No such file or directory - "
                               "check the path");
  assert_int_equal(npy_read("/tmp", &a, &err), GLIF_EIO);
  assert_string_equal(err.msg, "cannot read the .npy file: it is a directory - give an "
                               "array saved with numpy.save");
  assert_int_equal(npy_read("/dev/null", &a, &err), GLIF_EIO);
  assert_non_null(strstr(err.msg, "it is not a regular file"));
  assert_null(a.data);
}

static void test_read_labels(void **state) {
  (void)state;
  const double y[4] = {0, 9, 3, 3};
  const int64_t shape[1] = {4};
  glif_err err;
  int64_t *got = NULL;
  const char *path = scratch_path("y.npy");
  assert_int_equal(npy_write(path, NPY_I8, 1, shape, y, &err), 0);
  assert_int_equal(npy_read_labels(path, 4, 10, &got, &err), 0);
  assert_int_equal(got[0], 0);
  assert_int_equal(got[1], 9);
  assert_int_equal(got[2], 3);
  assert_int_equal(got[3], 3);
  glif_free(got);
  assert_int_equal(npy_read_labels(path, 5, 10, &got, &err), GLIF_ESHAPE);
  assert_non_null(strstr(err.msg, "labels have shape [4], expected [5]"));
  assert_int_equal(npy_read_labels(path, 4, 9, &got, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "label 1 is 9; labels are integer classes 0 .. 8"));
  const double half[1] = {1.5};
  assert_int_equal(npy_write(path, NPY_F32, 1, (int64_t[1]){1}, half, &err), 0);
  assert_int_equal(npy_read_labels(path, 1, 10, &got, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "label 0 is 1.5"));
  unsigned char b[256];
  const int64_t v[2] = {1, 2};
  size_t n = make_npy(b, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", v,
                      sizeof v);
  assert_int_equal(npy_read_labels(write_bytes("t.npy", b, n), 2, 10, &got, &err),
                   GLIF_ETYPE);
  assert_string_equal(err.msg, "dtype '<i8' is not supported (float32 '<f4', float64 '<f8' "
                               "or int8 '|i1' are) - save the labels with "
                               "y.astype(numpy.int8)");
}

static void test_shape_str(void **state) {
  (void)state;
  char buf[64];
  const int64_t s[3] = {3, 32, 32};
  assert_string_equal(npy_shape_str(3, s, buf, sizeof buf), "[3, 32, 32]");
  assert_string_equal(npy_shape_str(0, s, buf, sizeof buf), "[]");
  assert_string_equal(npy_shape_str(3, s, buf, 6), "[3, 3");
}

static void test_alloc_failure(void **state) {
  (void)state;
  const double v[3] = {1, 2, 3};
  const int64_t shape[1] = {3};
  glif_err err;
  const char *path = scratch_path("af.npy");
  assert_int_equal(npy_write(path, NPY_F64, 1, shape, v, &err), 0);
  for (long n = 0; n < 3; n++) {
    npy_array a;
    glif_mem_fail_after(n);
    int rc = npy_read(path, &a, &err);
    glif_mem_fail_after(-1);
    assert_int_equal(rc, GLIF_ENOMEM);
    assert_null(a.data);
  }
  glif_mem_fail_after(0);
  int rc = npy_write(scratch_path("af2.npy"), NPY_F64, 1, shape, v, &err);
  glif_mem_fail_after(-1);
  assert_int_equal(rc, GLIF_ENOMEM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_f4_2x3),
      cmocka_unit_test(test_f8_scalar),
      cmocka_unit_test(test_i1_both_spellings),
      cmocka_unit_test(test_versions_2_and_3),
      cmocka_unit_test(test_header_spelling),
      cmocka_unit_test(test_refuse_dtypes),
      cmocka_unit_test(test_read_labels),
      cmocka_unit_test(test_refuse_missing_and_directories),
      cmocka_unit_test(test_refuse_truncated_and_trailing),
      cmocka_unit_test(test_refuse_absurd_shape),
      cmocka_unit_test(test_refuse_bad_headers),
      cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_write_matches_numpy),
      cmocka_unit_test(test_write_read_round_trip),
      cmocka_unit_test(test_write_refuses_non_int8_and_leaves_nothing),
      cmocka_unit_test(test_shape_str),
      cmocka_unit_test(test_alloc_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
