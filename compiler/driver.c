/*
 * driver.c - the compiler driver: the list of passes and the loop that runs them.
 * Everything a pass needs is in cc_ctx; every pass has the same signature.
 */
#include "compile.h"
#include "front.h"
#include "lower.h"
#include "map.h"

#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Invariant checks run between passes in debug builds (QBE's ssacheck). */
static int check_folded(const cc_ctx *c, glif_err *e) {
  return front_check_net(c->net, &c->arch, FRONT_FOLDED, e);
}
static int check_quantised(const cc_ctx *c, glif_err *e) {
  return front_check_net(c->net, &c->arch, FRONT_QUANTISED, e);
}
static int check_scheduled(const cc_ctx *c, glif_err *e) {
  return front_check_net(c->net, &c->arch, FRONT_SCHEDULED, e);
}

const cc_pass cc_passes[] = {
    {"load", cc_pass_load, cc_dump_model, NULL},
    {"check", cc_pass_check, cc_dump_model, NULL},
    {"fold", cc_pass_fold, cc_dump_net, check_folded},
    {"quantise", cc_pass_quantise, cc_dump_net, check_quantised},
    {"schedule", cc_pass_schedule, cc_dump_net, check_scheduled},
    {"lower", cc_pass_lower, cc_dump_lowered, lw_check},
    {"drc", cc_pass_drc, NULL, NULL},
    {"partition", cc_pass_partition, cc_dump_map, map_check},
    {"place", cc_pass_place, cc_dump_map, map_check},
    {"route", cc_pass_route, cc_dump_map, map_check},
    {"emit", cc_pass_emit, NULL, NULL},
    {NULL, NULL, NULL, NULL},
};

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t peak_rss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (size_t)ru.ru_maxrss;
}

int cc_init(cc_ctx *ctx, const cc_options *opt, glif_err *err) {
  memset(ctx, 0, sizeof *ctx);
  ctx->opt = opt;
  int rc = arch_resolve(opt->arch_path ? opt->arch_path : "glif-256", &ctx->arch, err);
  if (rc) return rc;
  ctx->arena = glif_arena_create(0);
  if (!ctx->arena)
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory creating the arena");
  return 0;
}

void cc_destroy(cc_ctx *ctx) {
  glif_arena_destroy(ctx->arena);
  ctx->arena = NULL;
}

static int known_pass(const char *name) {
  if (!strcmp(name, "all")) return 1;
  for (const cc_pass *p = cc_passes; p->name; p++)
    if (!strcmp(p->name, name)) return 1;
  return 0;
}

/* Runs passes in order until (and including) `last`. */
static int run_until(cc_ctx *ctx, const char *last, glif_err *err) {
  const cc_options *opt = ctx->opt;
  FILE *dump_out = opt->dump_out ? opt->dump_out : stdout;
  if (opt->dump && !known_pass(opt->dump))
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0,
                     "--dump=%s is not a pass - use one of load, check, fold, "
                     "quantise, schedule, lower, drc, partition, place, route, all",
                     opt->dump);
  for (int i = 0; cc_passes[i].name; i++) {
    const cc_pass *p = &cc_passes[i];
    double t0 = now_seconds();
    int rc = p->run(ctx, err);
    ctx->stats[i].seconds = now_seconds() - t0;
    ctx->stats[i].arena_bytes = glif_arena_used(ctx->arena);
    ctx->stats[i].peak_rss_kb = peak_rss_kb();
    ctx->n_passes_run = i + 1;
    if (rc) return rc;
#ifndef NDEBUG
    if (p->check && (rc = p->check(ctx, err))) return rc;
#endif
    if (opt->dump && p->dump &&
        (!strcmp(opt->dump, "all") || !strcmp(opt->dump, p->name))) {
      fprintf(dump_out, "## after %s\n", p->name);
      p->dump(ctx, dump_out);
    }
    if (!strcmp(p->name, last)) break;
  }
  return 0;
}

int cc_run(cc_ctx *ctx, glif_err *err) {
  const char *last = ctx->opt->stop_after ? ctx->opt->stop_after
                     : ctx->opt->out_path ? "emit"
                                          : "route";
  if (!known_pass(last) || !strcmp(last, "all"))
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0, "--stop-after=%s is not a pass", last);
  return run_until(ctx, last, err);
}

int cc_run_front(cc_ctx *ctx, glif_err *err) { return run_until(ctx, "schedule", err); }
