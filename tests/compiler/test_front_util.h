/*
 * test_front_util.h - helpers shared by the front-end tests (tests/compiler/test_*.c):
 * a scratch folder per test program under the build tree, writing small files, and
 * running the front end on a model written inline.
 *
 * Header-only (static functions) so that each test stays one executable of one file.
 */
#ifndef TEST_FRONT_UTIL_H
#define TEST_FRONT_UTIL_H

#define _XOPEN_SOURCE 700 /* POSIX 2008 with nftw */
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compiler/compile.h"
#include "compiler/front.h"
#include "fabric/npy.h"

#define TEST_UNUSED __attribute__((unused))

TEST_UNUSED static char scratch_dir_path[512];

TEST_UNUSED static int scratch_remove_one(const char *path, const struct stat *st, int flag,
                              struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

/* At exit: the scratch folder goes, unless GLIF_KEEP_SCRATCH is set (to look at it). */
TEST_UNUSED static void scratch_remove(void) {
  if (scratch_dir_path[0] && !getenv("GLIF_KEEP_SCRATCH"))
    nftw(scratch_dir_path, scratch_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A scratch folder GLIF_BINARY_DIR/tests/<name>.<pid>; created on first use, removed
 * when the test program exits. */
TEST_UNUSED static const char *scratch_dir(const char *name) {
  if (!scratch_dir_path[0]) {
    char base[400];
    snprintf(base, sizeof base, "%s/tests", GLIF_BINARY_DIR);
    mkdir(base, 0777);
    snprintf(scratch_dir_path, sizeof scratch_dir_path, "%s/%s.%d", base, name,
             (int)getpid());
    mkdir(scratch_dir_path, 0777);
    atexit(scratch_remove);
  }
  return scratch_dir_path;
}

/* Path of `file` inside the scratch folder (a rotating static buffer). */
TEST_UNUSED static const char *scratch_path(const char *file) {
  static char bufs[8][600];
  static int next;
  char *b = bufs[next++ % 8];
  snprintf(b, 600, "%s/%s", scratch_dir("front"), file);
  return b;
}

/* Writes n bytes to the scratch file `file`; returns its path. */
TEST_UNUSED static const char *write_bytes(const char *file, const void *bytes, size_t n) {
  const char *path = scratch_path(file);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, n, f), n);
  fclose(f);
  return path;
}

TEST_UNUSED static const char *write_text(const char *file, const char *text) {
  return write_bytes(file, text, strlen(text));
}

TEST_UNUSED static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Number of entries of the folder holding `path` whose name starts with the base
 * name of path followed by ".tmp": leftover temporary files. */

#include <dirent.h>
TEST_UNUSED static int leftover_tmp_files(const char *path) {
  char dir[600], base[300];
  const char *slash = strrchr(path, '/');
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
  snprintf(base, sizeof base, "%s.tmp", slash ? slash + 1 : path);
  DIR *d = opendir(dir);
  int n = 0;
  if (!d) return 0;
  for (struct dirent *e; (e = readdir(d));)
    if (!strncmp(e->d_name, base, strlen(base))) n++;
  closedir(d);
  return n;
}

/* Runs the front end (load .. schedule, or up to `stop`) on a model file. On success
 * the caller owns ctx (cc_destroy). On failure ctx is destroyed and the code returned. */
TEST_UNUSED static int run_front_opts(cc_ctx *ctx, cc_options *opt, const char *model,
                          const glif_arch *arch, const char *stop, glif_err *err) {
  memset(opt, 0, sizeof *opt);
  opt->model_path = model;
  opt->stop_after = stop ? stop : "schedule";
  glif_err_clear(err);
  int rc = cc_init(ctx, opt, err);
  if (rc) return rc;
  if (arch) ctx->arch = *arch;
  rc = cc_run(ctx, err);
  if (rc) {
    cc_destroy(ctx);
    return rc;
  }
  /* every front end a test drives is also checked against the ir_net invariants */
  const char *s = opt->stop_after;
  const int stage = !strcmp(s, "fold") ? FRONT_FOLDED : !strcmp(s, "quantise") ? FRONT_QUANTISED
                                                                                : FRONT_SCHEDULED;
  glif_err bad;
  if ((!strcmp(s, "fold") || !strcmp(s, "quantise") || !strcmp(s, "schedule")) &&
      front_check_net(ctx->net, &ctx->arch, stage, &bad))
    fail_msg("%s: %s", model, bad.msg);
  return 0;
}

/* ---- a growing text buffer (model YAML written by tests) ------------------------ */

typedef struct mb {
  char *s;
  size_t len, cap;
} mb;

TEST_UNUSED static void put(mb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
TEST_UNUSED static void put(mb *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = b->s ? vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap) : -1;
    va_end(ap);
    if (n >= 0 && (size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return;
    }
    b->cap = b->cap * 2 + (n > 0 ? (size_t)n : 0) + 1024;
    b->s = realloc(b->s, b->cap);
    assert_non_null(b->s);
  }
}

/* ---- a seeded random source (explicit seeds: tests are deterministic) ----------- */

static uint64_t rng_state;
TEST_UNUSED static double urand(void) { /* uniform [0, 1) */
  rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(rng_state >> 11) / 9007199254740992.0;
}
TEST_UNUSED static double uni(double lo, double hi) { return lo + (hi - lo) * urand(); }

#endif /* TEST_FRONT_UTIL_H */
