/*
 * bench_stream.c - how the chip-image writer and reader scale: writes an image of
 * N cores (default 50,000 cores of 256 x 256 weights, 3.3 GB of crossbars) through the
 * streaming writer, then reads it back, and prints time, throughput and peak memory.
 *
 * Not a test (it takes tens of seconds and GBs of disk); not built by CMake. Build and
 * run it from the repository root after building glif_fabric (docs/chip-image.md):
 *   cc -O2 -std=gnu11 -I. tests/fabric/image/bench_stream.c \
 *      BUILD/fabric/libglif_fabric.a -lyaml -lz -lm -o /tmp/bench_stream
 *   /tmp/bench_stream 50000 /tmp/big.img
 *
 * The network is a chain: core i's neuron j sends to axon j of core i + 1; the last
 * core holds the readouts. Every core reuses the same arrays (only x, y change), so the
 * writer's own memory is what the peak RSS of the write phase shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "fabric/image.h"

#define N 256u
#define T 4u

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds (user + system) so far: steadier than wall time on a shared machine. */
static double cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static double peak_mib(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0;
}

static void make_arch(glif_arch *a) {
  arch_default(a);
  snprintf(a->name, sizeof a->name, "bench-224x224");
  a->mesh_x = a->mesh_y = 224; /* 50,176 cores */
}

/* One core's arrays, shared by every core of the chain. */
typedef struct bench_core {
  img_group group;
  uint32_t gain[T];
  img_neuron neurons[N];
  uint8_t flags[N];
  int8_t *crossbar;
  img_fanout fanout[N];
  img_symbol symbols[N];
  img_core core;
} bench_core;

static void fill_core(bench_core *b) {
  memset(b, 0, sizeof *b);
  b->crossbar = malloc((size_t)N * N);
  uint32_t s = 1;
  for (size_t i = 0; i < (size_t)N * N; i++) {
    s = s * 1664525u + 1013904223u;
    b->crossbar[i] = (int8_t)(s >> 24);
  }
  b->group.gain = b->gain;
  for (uint32_t t = 0; t < T; t++) b->gain[t] = 32768;
  b->group.p = (nrn_param){16384, 8192, 1, 10, 100, 0, 0, NRN_SPIKING};
  for (uint32_t j = 0; j < N; j++) b->neurons[j] = (img_neuron){0, j, 1};
  b->core = (img_core){0, 0, N, N, 1, N, &b->group, b->neurons, b->flags, b->crossbar,
                       b->fanout, b->symbols};
}

/* Turns the shared arrays into core i of n at (x, y). */
static void set_core(bench_core *b, uint32_t i, uint32_t n, const glif_arch *a) {
  int last = i == n - 1;
  b->core.x = (uint16_t)(i % a->mesh_x);
  b->core.y = (uint16_t)(i / a->mesh_x);
  b->group.p.kind = last ? NRN_READOUT : NRN_SPIKING;
  b->group.first_tick = last ? 1 : 0;
  b->core.n_fanout = last ? 0 : N;
  memset(b->flags, i == 0 ? IMG_AXON_GRADED : 0, N);
  for (uint32_t j = 0; j < N; j++) {
    uint32_t next = i + 1;
    b->fanout[j] = (img_fanout){(uint16_t)(next % a->mesh_x), (uint16_t)(next / a->mesh_x),
                                (uint16_t)j, 0, 0};
    b->neurons[j].fanout_count = last ? 0 : 1;
    b->neurons[j].fanout_start = last ? 0 : j;
    b->symbols[j] = (img_symbol){last ? 1u : 0u, last ? j : i * N + j};
  }
}

static int write_head(img_writer *w, uint32_t n, const glif_arch *a, glif_err *err) {
  static uint32_t offsets[N + 1];
  static img_fanout entries[N];
  static img_output outs[N];
  img_layer layers[2];
  layers[0] = (img_layer){"hidden", NRN_SPIKING, 0, (n - 1) * N, (n - 1) * N, 1, 1};
  layers[1] = (img_layer){"out", NRN_READOUT, 1, N, N, 1, 1};
  for (uint32_t i = 0; i <= N; i++) offsets[i] = i;
  for (uint16_t j = 0; j < N; j++) {
    entries[j] = (img_fanout){0, 0, j, 0, IMG_FAN_GRADED};
    outs[j] = (img_output){(uint16_t)((n - 1) % a->mesh_x), (uint16_t)((n - 1) / a->mesh_x),
                           j, 0.01};
  }
  img_input in = {1, 1, N, IMG_ENC_DIRECT, 8, 1.0 / 64, N, N, offsets, entries};
  int rc = img_writer_net(w, T, T + 1, "bench-chain", layers, 2, N, err);
  if (!rc) rc = img_writer_input(w, &in, err);
  if (!rc) rc = img_writer_output(w, outs, N, err);
  return rc;
}

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 50000;
  const char *path = argc > 2 ? argv[2] : "/tmp/bench_stream.img";
  glif_arch a;
  glif_err err;
  img_writer *w;
  bench_core *b = malloc(sizeof *b);
  make_arch(&a);
  fill_core(b);
  double t0 = now(), c0 = cpu(), base = peak_mib();
  int rc = img_writer_open(&w, path, &a, n, &err);
  if (!rc) rc = write_head(w, n, &a, &err);
  for (uint32_t i = 0; !rc && i < n; i++) {
    set_core(b, i, n, &a);
    rc = img_writer_core(w, &b->core, &err);
  }
  if (!rc) rc = img_writer_close(w, &err);
  else img_writer_abort(w);
  if (rc) return glif_err_print(&err, stderr), 1;
  double t1 = now(), c1 = cpu(), write_peak = peak_mib();
  struct stat st;
  stat(path, &st);
  img_image *img;
  if (img_read(path, &img, &err)) return glif_err_print(&err, stderr), 1;
  double t2 = now(), c2 = cpu();
  printf("cores %u, file %.2f GB (crossbars %.2f GB)\n", n, st.st_size / 1e9,
         (double)n * N * N / 1e9);
  printf("write: %.2f s wall, %.2f s CPU, %.0f MB/s, peak RSS %.1f MiB (%.1f MiB "
         "before the writer)\n", t1 - t0, c1 - c0, st.st_size / 1e6 / (t1 - t0),
         write_peak, base);
  printf("read:  %.2f s wall, %.2f s CPU, %.0f MB/s, peak RSS %.1f MiB (decoded image "
         "in memory)\n", t2 - t1, c2 - c1, st.st_size / 1e6 / (t2 - t1), peak_mib());
  img_free(img);
  free(b->crossbar);
  free(b);
  return 0;
}
