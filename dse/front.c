/*
 * front.c - front ends shared between points, and their golden traces.
 *
 *   point architecture -> FRONT END (load .. schedule, cached) -> back end per point
 *
 * The front end (load, check, fold, quantise, schedule) reads only some architecture
 * fields: the widths (quantisation), core.axons (the schedule plans partial sums from
 * it) and core.max_steps (the loader checks T). Points that agree on every field except
 * those listed in `shape_only` below (mesh, I/O port, core sizes that only the back end
 * reads, router, timing, energy) get the same front end, built once and then only read
 * (the back end's passes take the net as const). The list names what is known to be
 * safe rather than what is known to matter, so a field added to the architecture later
 * splits the cache until someone checks it. --no-reuse builds a fresh front end for
 * every point; a test checks that both give identical rows.
 */
#include <string.h>
#include <unistd.h>

#include "dse_int.h"

/* Fields the front end never reads. */
static const char *const shape_only[] = {
    "mesh.x", "mesh.y", "io_port.x", "io_port.y", "core.neurons", "core.delay_slots",
    "core.groups", "core.fanout_entries", "core.lanes", "core.pipeline_depth",
    "core.input_buffer", "router.latency", "router.buffer", NULL};

static int front_blind(const arch_field *f) {
  char path[80];
  if (!f->structural) return 1; /* timing and energy */
  snprintf(path, sizeof path, "%s.%s", f->section, f->key);
  for (int i = 0; shape_only[i]; i++)
    if (!strcmp(shape_only[i], path)) return 1;
  return 0;
}

int dse_front_same(const glif_arch *a, const glif_arch *b) {
  size_t n;
  const arch_field *f = arch_fields(&n);
  for (size_t i = 0; i < n; i++)
    if (!front_blind(&f[i]) && arch_field_get(a, &f[i]) != arch_field_get(b, &f[i])) return 0;
  return 1;
}

/* ---- the cache ---------------------------------------------------------------------------- */

typedef struct entry {
  glif_arch key;
  int64_t expected, released;
  int state;            /* 0 not built, 1 building, 2 built */
  dse_front *front;
} entry;

struct dse_fcache {
  const dse_options *o;
  const char *tmpdir;
  const double *samples;
  int64_t n_samples;
  pthread_mutex_t mu;
  pthread_cond_t built;
  entry *e;
  int n, cap;
  int64_t serial;       /* names golden trace files */
};

int dse_fcache_create(dse_fcache **out, const dse_options *o, const char *tmpdir,
                      const double *samples, int64_t n_samples, glif_err *err) {
  dse_fcache *c = glif_calloc(1, sizeof *c);
  if (!c) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  c->o = o, c->tmpdir = tmpdir, c->samples = samples, c->n_samples = n_samples;
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->built, NULL);
  *out = c;
  return 0;
}

static void front_free(dse_front *f) {
  if (!f) return;
  if (f->golden_path) unlink(f->golden_path);
  glif_free(f->golden_path);
  if (f->ctx.arena) cc_destroy(&f->ctx);
  glif_free(f);
}

void dse_fcache_destroy(dse_fcache *c) {
  if (!c) return;
  for (int i = 0; i < c->n; i++) front_free(c->e[i].front);
  glif_free(c->e);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->built);
  glif_free(c);
}

static entry *find(dse_fcache *c, const glif_arch *a) {
  for (int i = 0; i < c->n; i++)
    if (dse_front_same(&c->e[i].key, a)) return &c->e[i];
  return NULL;
}

int dse_fcache_expect(dse_fcache *c, const glif_arch *a, glif_err *err) {
  entry *e = c->o->reuse_front ? find(c, a) : NULL;
  if (!e) {
    if (c->n == c->cap) {
      int cap = c->cap ? 2 * c->cap : 8;
      entry *p = glif_realloc(c->e, (size_t)cap * sizeof *p);
      if (!p) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
      c->e = p, c->cap = cap;
    }
    e = &c->e[c->n++];
    memset(e, 0, sizeof *e);
    e->key = *a;
  }
  e->expected++;
  return 0;
}

/* ---- building one front end --------------------------------------------------------------- */

static int build_golden(dse_fcache *c, dse_front *f, int64_t serial) {
  char path[4096 + 64];
  snprintf(path, sizeof path, "%s/golden-%lld.trace", c->tmpdir, (long long)serial);
  f->golden_path = glif_strdup(path);
  if (!f->golden_path) return glif_errf(&f->golden_err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  f->golden_rc = dse_golden_trace(f, c->samples, c->n_samples, path, &f->golden_err);
  return f->golden_rc == GLIF_ENOMEM ? GLIF_ENOMEM : 0;
}

/* Builds the front end of key a; only out-of-memory is returned, other failures are
 * kept in the front end (the points using it do not fit). */
static int build(dse_fcache *c, const glif_arch *a, int64_t serial, dse_front **out,
                 glif_err *err) {
  dse_front *f = glif_calloc(1, sizeof *f);
  if (!f) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  f->opt.model_path = c->o->model_path;
  f->opt.calibrate_path = c->o->calibrate_path;
  f->opt.quiet = 1;
  glif_err_clear(&f->err);
  f->rc = cc_init(&f->ctx, &f->opt, &f->err);
  if (!f->rc) {
    f->ctx.arch = *a;
    f->rc = cc_run_front(&f->ctx, &f->err);
  }
  int rc = f->rc == GLIF_ENOMEM ? glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "%s", f->err.msg) : 0;
  if (!rc && !f->rc && c->o->golden && (rc = build_golden(c, f, serial)))
    glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory writing the golden trace");
  if (rc) front_free(f), f = NULL;
  *out = f;
  return rc;
}

int dse_fcache_get(dse_fcache *c, const glif_arch *a, dse_front **out, glif_err *err) {
  if (!c->o->reuse_front) {
    pthread_mutex_lock(&c->mu);
    const int64_t serial = c->serial++;
    pthread_mutex_unlock(&c->mu);
    return build(c, a, serial, out, err);
  }
  pthread_mutex_lock(&c->mu);
  entry *e = find(c, a);
  while (e && e->state == 1) pthread_cond_wait(&c->built, &c->mu), e = find(c, a);
  if (!e || e->state == 2) {
    pthread_mutex_unlock(&c->mu);
    *out = e ? e->front : NULL;
    return e && e->front ? 0 : glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "dse: a point "
                                         "asked for a front end it did not announce");
  }
  e->state = 1;
  const int idx = (int)(e - c->e), serial = idx;
  pthread_mutex_unlock(&c->mu);
  dse_front *f = NULL;
  int rc = build(c, a, serial, &f, err);
  pthread_mutex_lock(&c->mu);
  c->e[idx].front = f, c->e[idx].state = 2;
  pthread_cond_broadcast(&c->built);
  pthread_mutex_unlock(&c->mu);
  *out = f;
  return rc;
}

void dse_fcache_release(dse_fcache *c, dse_front *f) {
  if (!f) return;
  if (!c->o->reuse_front) {
    front_free(f);
    return;
  }
  pthread_mutex_lock(&c->mu);
  for (int i = 0; i < c->n; i++)
    if (c->e[i].front == f && ++c->e[i].released == c->e[i].expected) {
      front_free(f); /* its last point is done: give the memory back */
      c->e[i].front = NULL;
    }
  pthread_mutex_unlock(&c->mu);
}
