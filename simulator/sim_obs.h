/*
 * sim_obs.h - what the simulator observes while it runs, beyond its counters: spike
 * traces (docs/trace-format.md), spike VCDs and core records for RTL replay
 * (docs/simulator.md). Internal to simulator/.
 *
 * Threads run samples on their own engines; each in-flight sample owns a sim_slot
 * whose observer hooks (sim_obs) collect that sample's spikes, emission cycles and
 * record lines. The batch runner then writes the slots to the files in sample order,
 * so the files never depend on the number of threads.
 */
#ifndef GLIF_SIM_OBS_H
#define GLIF_SIM_OBS_H

#include <stdint.h>
#include <stdio.h>

#include "../fabric/ofile.h"
#include "../fabric/trace.h"
#include "sim_int.h"

/* Where every traced neuron lives, derived once (read-only, shared by threads). */
typedef struct sim_layout {
  const sim_model *m;
  uint32_t n_tl;         /* traced layers: the NET layers that are not relays */
  uint32_t *tl_net;      /* [n_tl] NET layer index of each traced layer */
  int32_t *net_tl;       /* [n_layers] traced layer index, -1 for relays */
  uint64_t *bit_off;     /* [n_tl] first bit of a spiking layer's [T][n] bitmap */
  uint64_t n_bits;
  uint64_t *ru_off;      /* [n_tl] first value of a readout layer's membranes */
  uint64_t n_ru;
  int32_t rec_core;      /* core index recorded, -1 none */
  int want_trace, want_vcd;
} sim_layout;

int sim_layout_create(sim_layout *l, const sim_model *m, const sim_batch_opts *o,
                      glif_err *err);
void sim_layout_destroy(sim_layout *l);

typedef struct sim_vev {  /* one emission, for the VCD */
  uint32_t tick, layer, index;
  uint64_t cycle;        /* local to the tick */
} sim_vev;

typedef struct sim_rin {  /* one record event of the current tick */
  uint64_t cycle;
  int64_t a, b;          /* kind-specific (see sim_record.c) */
  sim_packet p;
} sim_rin;

/* The observations of one in-flight sample. */
typedef struct sim_slot {
  const sim_layout *l;
  int64_t sample;
  int rc;                /* first error while collecting (GLIF_ENOMEM) */
  uint64_t *bits;        /* [n_bits / 64] spikes per (layer, step, neuron) */
  int32_t *ru;           /* [n_ru] readout membranes after their last step */
  uint64_t *tick_lat;    /* [n_ticks] tick latencies, for VCD times */
  sim_vev *ev;           /* VCD emissions */
  size_t n_ev, cap_ev;
  /* record: the current tick's events, then the formatted text of the sample */
  sim_rin *rin[5];       /* in, out, local, emit, state */
  size_t n_rin[5], cap_rin[5];
  char *text;
  size_t n_text, cap_text;
  sim_obs obs;           /* hooks with ctx = this slot */
} sim_slot;

int sim_slot_init(sim_slot *s, const sim_layout *l);
void sim_slot_free(sim_slot *s);
/* Clears the slot for sample k and returns the hooks to attach to the engine. */
const sim_obs *sim_slot_begin(sim_slot *s, int64_t k);
/* Takes what only the finished run knows (readouts, tick latencies). */
void sim_slot_finish(sim_slot *s, const sim_engine *e);

/* The rec_tick hook (sim_record.c): formats the recorded core's tick into the slot's
 * record text; ctx is the slot. */
void sim_record_tick(void *ctx, uint32_t tick, const sim_core_tick *ph);
/* Appends printf-style text to the slot's record buffer. */
void sim_slot_printf(sim_slot *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- output files, written in sample order ----------------------------------------- */

/* Files are written through glif_ofile (fabric/ofile.h): temporary file, then rename,
 * so a failed run leaves no partial file. */

int sim_trace_header(trace_writer *tw, const sim_layout *l);
int sim_trace_sample(trace_writer *tw, const sim_slot *s);

typedef struct sim_vcd sim_vcd;
int sim_vcd_open(sim_vcd **v, const char *path, const sim_layout *l, glif_err *err);
int sim_vcd_sample(sim_vcd *v, const sim_slot *s);
int sim_vcd_close(sim_vcd *v, glif_err *err);
void sim_vcd_abort(sim_vcd *v);

int sim_record_header(FILE *f, const sim_layout *l, const char *image_path);

#endif /* GLIF_SIM_OBS_H */
