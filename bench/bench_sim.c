/*
 * bench_sim.c - simulator throughput: runs samples of an input file on a chip image in
 * one engine on one thread and prints, from the CPU time of the runs alone (not the
 * image or input loading; CPU time, so that other work on a shared machine does not
 * count), the time per inference, synaptic operations per second
 * (synops + macs: every non-zero weight accumulated), packet-hops per second, events,
 * and the peak memory of the process. bench/bench_sim.sh drives it.
 *
 *   bench_sim CHIP.img INPUTS.npy [--samples N] [--mode event|cycle] [--label NAME]
 *             [--ticks]        (one line per tick on stderr, for long runs)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../fabric/image.h"
#include "../fabric/npy.h"
#include "../simulator/sim.h"
#include "../simulator/sim_int.h"

static double clock_s(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double now(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

/* --ticks: progress of long runs, one line per tick. */
static void on_tick(void *ctx, uint32_t tick, const sim_tick *t) {
  (void)ctx;
  fprintf(stderr, "  tick %u: %.1f s CPU, E %llu cycles, %llu packets, %llu hops, %llu "
                  "stall cycles, %llu updates\n",
          tick, clock_s(CLOCK_PROCESS_CPUTIME_ID), (unsigned long long)t->active,
          (unsigned long long)t->n.packets, (unsigned long long)t->n.hops,
          (unsigned long long)t->n.router_stalls, (unsigned long long)t->n.updates);
}

static int fail(const glif_err *err) {
  glif_err_print(err, stderr);
  return 1;
}

int main(int argc, char **argv) {
  int64_t want = 1;
  int mode = SIM_MODE_EVENT;
  const char *label = "run";
  int ticks = 0;
  if (argc < 3) {
    fprintf(stderr, "usage: bench_sim CHIP.img INPUTS.npy [--samples N] [--mode event|cycle] "
                    "[--label NAME]\n");
    return 2;
  }
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--ticks")) {
      ticks = 1;
      continue;
    }
    if (i + 1 >= argc) break;
    if (!strcmp(argv[i], "--samples")) want = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--mode")) mode = !strcmp(argv[++i], "cycle");
    else if (!strcmp(argv[i], "--label")) label = argv[++i];
  }
  glif_err err;
  img_image *img;
  sim_model *m;
  sim_engine *e;
  npy_array x;
  int64_t n;
  double t0 = now();
  if (img_read(argv[1], &img, &err) || sim_model_create(&m, img, NULL, &err) ||
      npy_read(argv[2], &x, &err) || sim_input_samples(m, &x, argv[2], &n, &err) ||
      sim_engine_create(&e, m, mode, &err))
    return fail(&err);
  const double t_load = now() - t0;
  sim_obs obs = {.rec_core = -1, .tick_done = on_tick};
  if (ticks) sim_engine_observe(e, &obs);
  if (want > n) want = n;
  sim_counts total;
  memset(&total, 0, sizeof total);
  uint64_t cycles = 0;
  t0 = now();
  const double w0 = clock_s(CLOCK_MONOTONIC);
  for (int64_t k = 0; k < want; k++) {
    if (sim_engine_run(e, x.data + k * sim_model_sample_size(m), &err)) return fail(&err);
    sim_counts c;
    sim_counts_total(sim_engine_result(e), &c);
    sim_counts_add(&total, &c);
    cycles += sim_engine_result(e)->cycles;
  }
  const double t = now() - t0, wall = clock_s(CLOCK_MONOTONIC) - w0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  const double ops = (double)(total.synops + total.macs);
  printf("%s: %s mode, %lld samples, %.4f s CPU per inference (wall %.4f s; load %.2f s), "
         "%.3g synaptic ops/s (%.4g per inference), %.3g packet-hops/s, %.3g packets/s, "
         "%.3g simulated cycles/s, peak memory %.1f MiB\n",
         label, sim_mode_name(mode), (long long)want, t / (double)want, wall / (double)want,
         t_load, ops / t,
         ops / (double)want, (double)total.hops / t, (double)total.packets / t,
         (double)cycles / t, (double)ru.ru_maxrss / 1024.0);
  sim_engine_destroy(e);
  npy_free(&x);
  sim_model_destroy(m);
  img_free(img);
  return 0;
}
