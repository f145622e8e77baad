/*
 * sim_core.h - one neuron core behind a small cycle-level interface.
 *
 * Pipeline position: inside the simulator. The cycle-stepped engine (sim_cycle.c) keeps
 * the mesh, the routers and the host in C and talks to every core only through
 * sim_core_ops, so a verilated RTL core (rtl/, issue 6) can replace the C core model
 * (sim_ccore.c) core by core. The protocol is the one of docs/timing.md:
 *
 *   tick_begin(tick)                 the next cycle is cycle 0 of tick `tick`
 *   in every cycle c, in this order:
 *     in_room()                      the input buffer has room at the START of c
 *     out_peek(&p)                   the packet the output engine offers in c, if any
 *     cycle(oe_room, in)             evaluates c and moves to c + 1: the output engine
 *                                    sends its packet iff oe_room (the router's local
 *                                    input buffer had room at the start of c); `in`, when
 *                                    not NULL, is the packet the router hands over in c
 *                                    (granted because in_room() said so): it is in the
 *                                    input buffer from c + 1
 *     idle()                         asked at the start of a cycle: every engine idle,
 *                                    buffer and spike queue empty
 *   tick_end(&stats)                 phase lengths and event counts of the tick
 *
 * The core reports what an outside observer needs through sim_core_hooks: every
 * emission with its cycle (end of the neuron's last pipeline stage) and every neuron
 * state after its update.
 */
#ifndef GLIF_SIM_CORE_H
#define GLIF_SIM_CORE_H

#include <stdint.h>

#include "../fabric/err.h"
#include "../fabric/image.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A packet as it travels: destination, axon, delay, kind and payload (the wire
 * fields), plus one bookkeeping time that is not on the wire. */
typedef struct sim_packet {
  uint16_t x, y;    /* destination core */
  uint16_t axon;    /* destination axon (crossbar row) */
  uint8_t dly;      /* accumulated in tick h + 1 + dly, slot (h + 1 + dly) mod D */
  uint8_t graded;   /* 1: adds w * payload; 0: a binary spike adds w << M */
  int32_t payload;  /* graded payload (0 for binary packets) */
  uint32_t t;       /* simulator bookkeeping, tick-local: in a router buffer the cycle it
                       becomes eligible, in a core buffer the cycle it is present from */
} sim_packet;

IMG_STATIC_ASSERT(sizeof(sim_packet) == 16, "a packet is 16 bytes");

/* What a core did in one tick. Cycles are local to the tick. */
typedef struct sim_core_tick {
  uint64_t update_phase;  /* n_act + S - 1, 0 when no neuron was active */
  int64_t ie_last;        /* last busy cycle of the input engine, -1 if none */
  int64_t oe_last;        /* last cycle the output engine sent, -1 if none */
  int64_t ie_end;         /* first cycle the input engine is free after its last
                             packet (ie_last + 1), 0 if none */
  sim_counts n;           /* core events of the tick (router fields stay 0) */
} sim_core_tick;

/* Observer callbacks a core calls (any may be NULL). */
typedef struct sim_core_hooks {
  void *ctx;
  /* neuron emitted (spike or graded payload) in tick, ready at the end of cycle */
  void (*emit)(void *ctx, uint32_t neuron, uint32_t tick, uint64_t cycle,
               int32_t payload);
  /* neuron was stepped in tick; u and s are its state after the step */
  void (*stepped)(void *ctx, uint32_t neuron, uint32_t tick, int32_t u, uint8_t s);
} sim_core_hooks;

typedef struct sim_core_ops {
  const char *name;
  void (*destroy)(void *core);
  void (*reset)(void *core);  /* clean state: u = s = 0, empty accumulators */
  void (*set_hooks)(void *core, const sim_core_hooks *hooks);
  void (*tick_begin)(void *core, uint32_t tick);
  int (*in_room)(const void *core);
  int (*out_peek)(const void *core, sim_packet *p);
  int (*cycle)(void *core, int oe_room, const sim_packet *in);
  int (*idle)(const void *core);
  void (*tick_end)(void *core, sim_core_tick *out);
  /* state readback of one neuron (its u and previous-spike bit) */
  void (*state)(const void *core, uint32_t neuron, int32_t *u, uint8_t *s);
} sim_core_ops;

/* The C model of a core: img->cores[index] under model m. */
extern const sim_core_ops sim_ccore_ops;
int sim_ccore_create(const sim_model *m, uint32_t index, void **core, glif_err *err);

/* Replaces the core at (x, y) of a cycle-mode engine by another implementation (the
 * engine takes ownership and calls ops->destroy). GLIF_EUSAGE in event mode or when
 * (x, y) holds no core. */
int sim_engine_replace_core(sim_engine *e, uint32_t x, uint32_t y,
                            const sim_core_ops *ops, void *core, glif_err *err);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_SIM_CORE_H */
