/*
 * dse_int.h - what the files of dse/ share and nobody else needs: the design space's
 * inner structure (space.c builds it, spec.c fills it from YAML), the front-end cache
 * and the golden traces (front.c), point evaluation (eval.c) and small utilities.
 */
#ifndef GLIF_DSE_INT_H
#define GLIF_DSE_INT_H

#include <pthread.h>

#include "../compiler/compile.h"
#include "../fabric/mem.h"
#include "dse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where a piece of the space was written: a YAML position or a command-line option. */
typedef struct dse_src {
  const char *file;  /* spec file, or NULL for the command line */
  int line, col;     /* 1-based, 0 = unknown */
  const char *what;  /* "--sweep core.neurons=0" (command line) or "" */
} dse_src;

/* Formats an error at src: "file:line:col: msg" or "--sweep X: msg". */
int dse_src_err(glif_err *err, int code, const dse_src *src, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Builders used by the command-line parser and the YAML loader (space.c). */
int dse_space_axis_items(dse_space *s, const char *fields, const char *const *items,
                         int n_items, const dse_src *src, glif_err *err);
int dse_space_tie_fields(dse_space *s, const char *dst, const char *src_field,
                         const dse_src *src, glif_err *err);
/* An explicit point from (field, value) pairs; field "mesh" takes XxY. */
int dse_space_point_pairs(dse_space *s, const char *const *fields,
                          const char *const *values, int n, const dse_src *src,
                          glif_err *err);
/* Remembers a string for the space's lifetime (the spec's arch: value). */
const char *dse_space_keep(dse_space *s, const char *text);

/* Shortest exact text of a field value ("512", "0.25"). */
void dse_value_text(const arch_field *f, double v, char *buf, size_t size);

/* Copies the first line of msg into out. */
void dse_first_line(const char *msg, char *out, size_t size);

double dse_now(void); /* monotonic seconds */

/* ---- front ends shared between points ------------------------------------------------- */

/* A front end (load .. schedule) for one combination of the fields it reads, and the
 * golden model's trace of the sweep's samples under it. Read-only once built. */
typedef struct dse_front {
  cc_options opt;
  cc_ctx ctx;          /* arena holds model and net; ctx.arch is the key architecture */
  int rc;              /* 0, or the error the front end failed with */
  glif_err err;
  char *golden_path;   /* golden trace file in the sweep's temporary folder, or NULL */
  int golden_rc;
  glif_err golden_err;
} dse_front;

typedef struct dse_fcache dse_fcache;

/* users[i] = how many points will ask for the front end of key class i: the cache
 * frees a front end when its last user released it. */
int dse_fcache_create(dse_fcache **c, const dse_options *o, const char *tmpdir,
                      const double *samples, int64_t n_samples, glif_err *err);
void dse_fcache_destroy(dse_fcache *c);
/* Registers that one more point will use the front end of architecture a. */
int dse_fcache_expect(dse_fcache *c, const glif_arch *a, glif_err *err);
/* The front end for a (built on first use; other threads wait for it). */
int dse_fcache_get(dse_fcache *c, const glif_arch *a, dse_front **f, glif_err *err);
void dse_fcache_release(dse_fcache *c, dse_front *f);
/* 1 when a and b give the same front end (every field the front end reads is equal). */
int dse_front_same(const glif_arch *a, const glif_arch *b);

/* ---- golden comparison (golden.c) -------------------------------------------------- */

typedef struct dse_agree {
  int64_t samples_equal;  /* samples whose every trace line is equal */
  uint64_t matched;       /* spikes in both traces */
  uint64_t either;        /* spikes in at least one */
} dse_agree;

/* Compares two trace files of docs/trace-format.md, sample by sample. */
int dse_trace_compare(const char *golden, const char *chip, dse_agree *out, glif_err *err);

/* Writes the golden model's trace of samples under front end f to path. */
int dse_golden_trace(const dse_front *f, const double *samples, int64_t n,
                     const char *path, glif_err *err);

/* ---- image size (image.h layout) ---------------------------------------------------- */

/* Bytes the image file of img would have (fabric/image.h, computed without writing). */
uint64_t dse_image_bytes(const img_image *img);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_DSE_INT_H */
