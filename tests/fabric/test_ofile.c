/*
 * test_ofile.c - output files appear complete or not at all: a committed file has the
 * umask's permissions and exactly what was written; an aborted or failed one leaves no
 * file and no temporary file behind. Text inputs are read whole or refused.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fabric/mem.h"
#include "fabric/ofile.h"

static char dir[] = "/tmp/glif_test_ofile_XXXXXX";

static int entries(void) {
  int n = 0;
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
  if (d) closedir(d);
  return n;
}

static void path_of(char *buf, size_t n, const char *name) {
  snprintf(buf, n, "%s/%s", dir, name);
}

static void test_commit(void **state) {
  char path[256], text[32] = "";
  path_of(path, sizeof path, "out.txt");
  const mode_t old = umask(022);
  glif_ofile o;
  glif_err err;
  assert_int_equal(glif_ofile_open(&o, path, "the output", &err), 0);
  fputs("hello", o.f);
  assert_int_equal(entries(), 1); /* only the temporary file so far */
  assert_int_equal(access(path, F_OK), -1);
  assert_int_equal(glif_ofile_commit(&o, "the output", &err), 0);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0644);
  FILE *f = fopen(path, "r");
  assert_non_null(fgets(text, sizeof text, f));
  fclose(f);
  assert_string_equal(text, "hello");
  assert_int_equal(entries(), 1);
  unlink(path);
  umask(old);
  (void)state;
}

static void test_abort_leaves_nothing(void **state) {
  char path[256];
  path_of(path, sizeof path, "aborted.txt");
  glif_ofile o;
  glif_err err;
  assert_int_equal(glif_ofile_open(&o, path, "the output", &err), 0);
  fputs("partial", o.f);
  glif_ofile_abort(&o);
  glif_ofile_abort(&o); /* released: a second abort is harmless */
  assert_int_equal(entries(), 0);
  (void)state;
}

static void test_missing_folder(void **state) {
  char path[256];
  path_of(path, sizeof path, "no/such/folder/x.json");
  glif_ofile o;
  glif_err err;
  assert_int_equal(glif_ofile_open(&o, path, "the report", &err), GLIF_EIO);
  assert_non_null(strstr(err.msg, "cannot create the report (No such file or directory)"));
  assert_string_equal(err.file, path);
  assert_null(o.f);
  assert_int_equal(entries(), 0);
  (void)state;
}

static void test_failed_commit_removes_the_temporary(void **state) {
  char sub[128], path[256];
  path_of(sub, sizeof sub, "sub");
  assert_int_equal(mkdir(sub, 0755), 0);
  snprintf(path, sizeof path, "%s/x.txt", sub);
  glif_ofile o;
  glif_err err;
  assert_int_equal(glif_ofile_open(&o, path, "the trace", &err), 0);
  char target[256];
  snprintf(target, sizeof target, "%s/x.txt", sub);
  assert_int_equal(mkdir(target, 0755), 0); /* a directory is in the way of the rename */
  char keep[300];
  snprintf(keep, sizeof keep, "%s/x.txt/keep", sub);
  FILE *k = fopen(keep, "w");
  fclose(k);
  assert_int_equal(glif_ofile_commit(&o, "the trace", &err), GLIF_EIO);
  assert_non_null(strstr(err.msg, "cannot write the trace"));
  DIR *d = opendir(sub);
  int n = 0;
  for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
  closedir(d);
  assert_int_equal(n, 1); /* only the directory in the way: the temporary file is gone */
  unlink(keep), rmdir(target), rmdir(sub);
  (void)state;
}

static void test_out_of_memory(void **state) {
  char path[256];
  path_of(path, sizeof path, "oom.txt");
  glif_ofile o;
  glif_err err;
  glif_mem_fail_after(0);
  assert_int_equal(glif_ofile_open(&o, path, "the output", &err), GLIF_ENOMEM);
  glif_mem_fail_after(-1);
  assert_int_equal(entries(), 0);
  assert_int_equal(glif_ofile_write_text(path, "the output", "{}", &err), 0);
  assert_int_equal(entries(), 1);
  unlink(path);
  (void)state;
}

/* glif_read_text: the whole file with a NUL after it, an empty file, and each refusal
 * with its code and message; no allocation is left behind on failure. */
static void test_read_text(void **state) {
  char path[256], *text = (char *)1;
  size_t len = 99;
  glif_err err;
  path_of(path, sizeof path, "in.txt");
  assert_int_equal(glif_ofile_write_text(path, "the input", "ab\ncd", &err), 0);
  assert_int_equal(glif_read_text(path, "the input", "hint", 6, &text, &len, &err), 0);
  assert_int_equal(len, 6);
  assert_string_equal(text, "ab\ncd\n");
  glif_free(text);
  assert_int_equal(glif_read_text(path, "the input", "give less", 5, &text, &len, &err),
                   GLIF_ERANGE);
  assert_null(text);
  assert_string_equal(err.msg, "the file is larger than 5 bytes - is it the input? (give "
                               "less)");
  FILE *f = fopen(path, "wb");
  fclose(f);
  assert_int_equal(glif_read_text(path, "the input", "hint", 5, &text, &len, &err), 0);
  assert_int_equal(len, 0);
  assert_string_equal(text, "");
  glif_free(text);
  unlink(path);
  assert_int_equal(glif_read_text(path, "the input", "give a file", 5, &text, &len, &err),
                   GLIF_EMISSING);
  assert_string_equal(err.msg, "cannot open the input: No such file or directory - give a "
                               "file");
  assert_int_equal(glif_read_text(dir, "the input", "give a file", 5, &text, &len, &err),
                   GLIF_EIO);
  assert_string_equal(err.msg, "cannot read the input: it is a directory - give a file");
  assert_string_equal(err.file, dir);
  assert_int_equal(glif_read_text("/dev/null", "the input", "give a file", 5, &text, &len,
                                  &err), GLIF_EIO);
  assert_string_equal(err.msg, "cannot read the input: it is not a regular file - give a "
                               "file");
  assert_int_equal(glif_ofile_write_text(path, "the input", "0123456789", &err), 0);
  for (long n = 0; n < 3; n++) { /* the first buffer, then a larger one */
    glif_mem_fail_after(n);
    int rc = glif_read_text(path, "the input", "hint", 1 << 20, &text, &len, &err);
    glif_mem_fail_after(-1);
    if (rc == 0) {
      assert_string_equal(text, "0123456789\n");
      glif_free(text);
      break;
    }
    assert_int_equal(rc, GLIF_ENOMEM);
    assert_null(text);
  }
  unlink(path);
  assert_int_equal(entries(), 0);
  (void)state;
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_commit),
      cmocka_unit_test(test_abort_leaves_nothing),
      cmocka_unit_test(test_missing_folder),
      cmocka_unit_test(test_failed_commit_removes_the_temporary),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_read_text),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  rmdir(dir);
  return rc;
}
