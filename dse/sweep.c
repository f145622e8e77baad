/*
 * sweep.c - one sweep: check the model and the input once, then evaluate the points
 * (eval.c) on N threads.
 *
 *   options + space -> PREFLIGHT (model loads, input and labels fit it)
 *   -> samples (file or synthetic) -> points of this rank -> threads -> rows
 *
 * Threads take points from a shared counter and write each result into the point's own
 * row, so the rows never depend on the number of threads or on who finished first.
 * Synthetic input (no --input): a fixed-seed random sample (splitmix64), direct
 * encoding uniform in [-range, range] of the model's input layer, spike encoding 0/1
 * with probability 1/4 per element and step; or zeros (docs/dse.md).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../compiler/reference.h"
#include "../fabric/npy.h"
#include "dse_sweep.h"

#define DEFAULT_SAMPLES 8

double dse_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void dse_options_default(dse_options *o) {
  memset(o, 0, sizeof *o);
  o->seed = 1;
  o->jobs = 1;
  o->reuse_front = 1;
  o->golden = 1;
  o->n_ranks = 1;
}

const char *dse_status_name(int status) {
  switch (status) {
  case DSE_FITS: return "fits";
  case DSE_NOFIT: return "does not fit";
  case DSE_INVALID: return "invalid";
  default: return "error";
  }
}

/* ---- preflight: the model, the input and the labels --------------------------------------- */

/* Loads and folds the model for the base architecture (with the deepest gain tables, so
 * a point's max_steps cannot fail the model itself). */
static int preflight(dse_sweep *sw, cc_ctx *ctx, cc_options *opt, glif_err *err) {
  memset(opt, 0, sizeof *opt);
  opt->model_path = sw->o.model_path;
  opt->calibrate_path = sw->o.calibrate_path;
  opt->stop_after = "fold";
  opt->quiet = 1;
  int rc = cc_init(ctx, opt, err);
  if (rc) return rc;
  ctx->arch = sw->base;
  ctx->arch.max_steps = 32;
  if ((rc = cc_run(ctx, err))) return rc;
  snprintf(sw->model_name, sizeof sw->model_name, "%s", ctx->model->name ? ctx->model->name : "model");
  return 0;
}

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static int synthetic(dse_sweep *sw, const cc_ctx *ctx, glif_err *err) {
  const ir_pop *in = &ctx->net->pops[0];
  const double range = ctx->model->layers[in->layer].range;
  const int spikes = in->encoding != IR_ENC_DIRECT;
  const int64_t n = sw->o.samples > 0 ? sw->o.samples : DEFAULT_SAMPLES;
  sw->sample_size = ref_sample_size(ctx->net);
  sw->samples = glif_calloc((size_t)(n * sw->sample_size), sizeof *sw->samples);
  if (!sw->samples) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for the input");
  uint64_t state = sw->o.seed;
  for (int64_t k = 0; !sw->o.synthetic_zeros && k < n * sw->sample_size; k++) {
    const double u = (double)(splitmix64(&state) >> 11) * 0x1.0p-53; /* [0, 1) */
    sw->samples[k] = spikes ? (u < 0.25) : range * (2.0 * u - 1.0);
  }
  sw->n_samples = n;
  snprintf(sw->input_desc, sizeof sw->input_desc, sw->o.synthetic_zeros ? "zeros" :
           "random(seed=%llu)", (unsigned long long)sw->o.seed);
  return 0;
}

static int read_labels(dse_sweep *sw, int64_t n_file, int64_t n_out, glif_err *err) {
  /* all of the file's labels are checked; the sweep uses the first n_samples */
  return npy_read_labels(sw->o.labels_path, n_file, n_out, &sw->labels, err);
}

static int64_t n_outputs(const ir_net *net) {
  int64_t n = 0;
  for (int i = 0; i < net->n_pops; i++) n += net->pops[i].kind == NRN_READOUT ? net->pops[i].n : 0;
  return n;
}

static int file_input(dse_sweep *sw, const cc_ctx *ctx, glif_err *err) {
  npy_array x;
  int64_t n_file = 0;
  int rc = npy_read(sw->o.input_path, &x, err);
  if (rc) return rc;
  if (!(rc = ref_input_samples(ctx->net, &x, sw->o.input_path, &n_file, err))) {
    const int64_t want = sw->o.samples > 0 ? sw->o.samples : DEFAULT_SAMPLES;
    sw->n_samples = want < n_file ? want : n_file;
    sw->sample_size = ref_sample_size(ctx->net);
    sw->samples = glif_malloc(sizeof(double) * (size_t)(sw->n_samples * sw->sample_size + 1));
    if (!sw->samples) rc = glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
    else memcpy(sw->samples, x.data, sizeof(double) * (size_t)(sw->n_samples * sw->sample_size));
  }
  npy_free(&x);
  if (!rc && sw->n_samples == 0)
    rc = glif_errf(err, GLIF_ESHAPE, sw->o.input_path, 0, 0, "the input holds no samples");
  if (!rc && sw->o.labels_path) rc = read_labels(sw, n_file, n_outputs(ctx->net), err);
  snprintf(sw->input_desc, sizeof sw->input_desc, "%s", sw->o.input_path);
  return rc;
}

static int make_tmpdir(dse_sweep *sw, glif_err *err) {
  const char *base = getenv("TMPDIR");
  snprintf(sw->tmpdir, sizeof sw->tmpdir, "%s/glif-dse-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(sw->tmpdir)) {
    const int e = errno;
    sw->tmpdir[0] = '\0';
    return glif_errf(err, GLIF_EIO, NULL, 0, 0, "cannot create a temporary folder for the "
                     "golden traces (%s) - set TMPDIR to a writable folder", strerror(e));
  }
  return 0;
}

/* ---- create and destroy ---------------------------------------------------------------------- */

static int setup(dse_sweep *sw, glif_err *err) {
  cc_options opt;
  cc_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  (void)dse_area_builtin(); /* fitted here, before any worker thread reads it */
  int rc = arch_resolve(sw->o.arch ? sw->o.arch : "glif-256", &sw->base, err);
  if (!rc) rc = dse_space_count(sw->space, &sw->n_points, err);
  if (!rc) rc = preflight(sw, &ctx, &opt, err);
  if (!rc) rc = sw->o.input_path ? file_input(sw, &ctx, err) : synthetic(sw, &ctx, err);
  if (ctx.arena) cc_destroy(&ctx);
  if (!rc && !(sw->rows = glif_calloc((size_t)sw->n_points, sizeof *sw->rows)))
    rc = glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for %lld rows", (long long)sw->n_points);
  if (!rc) rc = make_tmpdir(sw, err);
  if (!rc) rc = dse_fcache_create(&sw->fcache, &sw->o, sw->tmpdir, sw->samples, sw->n_samples, err);
  return rc;
}

int dse_sweep_create(dse_sweep **out, const dse_options *o, const dse_space *s, glif_err *err) {
  dse_sweep *sw = glif_calloc(1, sizeof *sw);
  if (!sw) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  sw->o = *o;
  if (sw->o.jobs < 1) sw->o.jobs = 1;
  if (sw->o.n_ranks < 1) sw->o.n_ranks = 1;
  sw->space = s;
  pthread_mutex_init(&sw->mu, NULL);
  int rc = setup(sw, err);
  if (rc) dse_sweep_destroy(sw), sw = NULL;
  *out = sw;
  return rc;
}

void dse_sweep_destroy(dse_sweep *sw) {
  if (!sw) return;
  dse_fcache_destroy(sw->fcache);
  if (sw->tmpdir[0]) rmdir(sw->tmpdir);
  glif_free(sw->rows);
  glif_free(sw->samples);
  glif_free(sw->labels);
  glif_free(sw->todo);
  pthread_mutex_destroy(&sw->mu);
  glif_free(sw);
}

int64_t dse_sweep_n_rows(const dse_sweep *sw) { return sw->n_points; }
dse_row *dse_sweep_rows(dse_sweep *sw) { return sw->rows; }
const dse_space *dse_sweep_space(const dse_sweep *sw) { return sw->space; }
const char *dse_sweep_input_desc(const dse_sweep *sw) { return sw->input_desc; }
const char *dse_sweep_model_name(const dse_sweep *sw) { return sw->model_name; }
const glif_arch *dse_sweep_base(const dse_sweep *sw) { return &sw->base; }
int dse_sweep_has_labels(const dse_sweep *sw) { return sw->labels != NULL; }

/* ---- running -------------------------------------------------------------------------------- */

/* Lists this rank's points and announces the valid ones to the front-end cache. */
static int plan(dse_sweep *sw, glif_err *err) {
  sw->todo = glif_malloc(sizeof *sw->todo * (size_t)(sw->n_points + 1));
  if (!sw->todo) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  for (int64_t i = 0; i < sw->n_points; i++) {
    if (!dse_rank_owns(i, sw->o.rank, sw->o.n_ranks)) continue;
    sw->todo[sw->n_todo++] = i;
    glif_arch a;
    glif_err e;
    if (dse_space_arch(sw->space, &sw->base, i, &a, &e)) continue;
    int rc = dse_fcache_expect(sw->fcache, &a, err);
    if (rc) return rc;
  }
  return 0;
}

static void progress(dse_sweep *sw) {
  if (!sw->o.progress) return;
  fprintf(stderr, "\rdse: %lld of %lld points, %lld fit, %.0f s ", (long long)sw->done,
          (long long)sw->n_todo, (long long)sw->fits, dse_now() - sw->t_start);
  if (sw->done == sw->n_todo) fputc('\n', stderr);
  fflush(stderr);
}

static void *worker(void *arg) {
  dse_sweep *sw = arg;
  for (;;) {
    pthread_mutex_lock(&sw->mu);
    const int64_t k = sw->failed || sw->next >= sw->n_todo ? -1 : sw->next++;
    pthread_mutex_unlock(&sw->mu);
    if (k < 0) return NULL;
    glif_err e;
    glif_err_clear(&e);
    const int64_t i = sw->todo[k];
    int rc = dse_sweep_point(sw, i, &sw->rows[i], &e);
    pthread_mutex_lock(&sw->mu);
    if (rc && !sw->failed) sw->failed = 1, sw->fatal = e;
    sw->done++;
    sw->fits += sw->rows[i].status == DSE_FITS;
    progress(sw);
    pthread_mutex_unlock(&sw->mu);
  }
}

int dse_sweep_run(dse_sweep *sw, glif_err *err) {
  if (sw->todo)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "dse_sweep_run: a sweep runs once");
  int rc = plan(sw, err);
  if (rc) return rc;
  sw->t_start = dse_now();
  const int extra = sw->o.jobs - 1 < sw->n_todo ? sw->o.jobs - 1 : (int)sw->n_todo;
  pthread_t *th = glif_calloc((size_t)extra + 1, sizeof *th);
  if (!th) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  int started = 0;
  while (started < extra && !pthread_create(&th[started], NULL, worker, sw)) started++;
  worker(sw);
  for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
  glif_free(th);
  if (sw->failed) {
    *err = sw->fatal;
    return err->code ? err->code : GLIF_EINTERNAL;
  }
  return 0;
}
