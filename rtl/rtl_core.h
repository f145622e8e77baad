/*
 * rtl_core.h - a verilated glif_core, loaded with one core of a chip image and stepped
 * cycle by cycle through the same protocol as the simulator's core model.
 *
 * Pipeline position: the bridge between the RTL (rtl/glif_core.v) and the C world. The
 * RTL simulation backend (`glif run --backend rtl`) puts one rtl_core in place of each
 * C core model while the mesh and the routers stay in C; the co-simulation tests drive
 * it against recorded packet streams. The configuration writes (rtl_config_words) are
 * plain C and shared with the SystemC testbench.
 *
 * Protocol (docs/timing.md; docs/rtl.md has the port-level view):
 *   rtl_core_tick_begin(c, h)     the next cycle is cycle 0 of tick h
 *   in every cycle, in this order:
 *     rtl_core_in_room(c)         the input buffer has room at the start of the cycle
 *     rtl_core_out_peek(c, &p)    the packet the output engine offers in the cycle
 *     rtl_core_cycle(c, room, in) clocks the cycle: the offered packet is sent iff room;
 *                                 `in` (may be NULL) enters the input buffer
 *     rtl_core_idle(c)            asked at the start of a cycle
 *   rtl_core_tick_end(c, &stats)  phase lengths and event counts of the tick
 */
#ifndef GLIF_RTL_CORE_H
#define GLIF_RTL_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "../fabric/err.h"
#include "../fabric/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The parameters a glif_core model was verilated with (rtl/glif_core.v). */
typedef struct rtl_params {
  uint32_t n, axons, d, g, tmax, e, l, s, bc;  /* sizes (N, AXONS, D, G, TMAX, E, L, S, BC) */
  uint32_t w, v, a, f, mmax, p, pw;           /* widths in bits; mmax = largest shift */
  uint32_t xw, yw, tw;                         /* mesh coordinate and tick number bits */
} rtl_params;

/* Configuration tables (the core's cfg_table port). */
enum rtl_table {
  RTL_T_CTRL = 0,    /* field 0: n_neurons, field 1: T */
  RTL_T_GROUP = 1,   /* addr g; fields 0 k, 1 ks, 2 d, 3 r, 4 theta, 5 bias, 6 kind,
                        7 shift, 8 first_tick */
  RTL_T_GAIN = 2,    /* addr (g << 16) | t: gain of logical step t + 1 */
  RTL_T_NEURON = 3,  /* addr j; fields 0 group, 1 fanout_start, 2 fanout_count */
  RTL_T_AXON = 4,    /* addr a: flags (bit 0 graded) */
  RTL_T_WEIGHT = 5,  /* addr (a << 16) | j: weight of axon a on column j */
  RTL_T_FANOUT = 6   /* addr e; fields 0 x, 1 y, 2 axon, 3 delay, 4 flags */
};

/* One write of the configuration port. */
typedef struct rtl_cfg {
  uint8_t table, field;
  uint32_t addr, data;
} rtl_cfg;

/* 0 when core `index` of img can run on an RTL core built with p: the architecture's
 * timing-relevant fields (D, L, S, Bc, widths) equal the parameters and every table
 * fits; else GLIF_EARCH naming the first field that differs and how to rebuild. */
int rtl_check_fit(const rtl_params *p, const img_image *img, uint32_t index,
                  glif_err *err);

/* The configuration writes that load core `index` of img, in a valid order (groups
 * before neurons: a neuron's group write copies the group's shift). *words is
 * allocated with glif_malloc; the caller frees it with glif_free. */
int rtl_config_words(const img_image *img, uint32_t index, rtl_cfg **words, size_t *n,
                     glif_err *err);

/* A packet as it crosses the core's ports. */
typedef struct rtl_packet {
  uint16_t x, y;     /* destination core (output port only) */
  uint16_t axon;     /* destination axon */
  uint8_t dly;       /* accumulated in tick h + 1 + dly */
  uint8_t graded;    /* 1: adds w * payload; 0: a binary spike adds w << M */
  int32_t payload;   /* graded payload (0 for binary packets) */
} rtl_packet;

/* What the core did in one tick (cycles local to the tick). */
typedef struct rtl_tick_stats {
  uint64_t update_phase;  /* n_act + S - 1 (last busy cycle of the UE + 1), 0 if none */
  int64_t ie_last;        /* last busy cycle of the input engine, -1 if none */
  int64_t oe_last;        /* last cycle a packet was sent, -1 if none */
  uint64_t cycles;        /* cycles clocked in the tick */
  uint64_t ue_busy, ie_busy, oe_busy;  /* busy cycles of each engine */
  uint64_t oe_stalls;     /* cycles a packet was offered but the router had no room */
  uint64_t in_waits;      /* packet-cycles spent in the input buffer */
  /* event counters of the RTL (differences of its free-running counters) */
  uint64_t synops, macs, row_reads, updates, spikes, packets;
} rtl_tick_stats;

/* Observer callbacks (either may be NULL). Called during rtl_core_cycle at the state
 * write-back of a neuron (end of its last pipeline stage). */
typedef struct rtl_hooks {
  void *ctx;
  void (*emit)(void *ctx, uint32_t neuron, uint32_t tick, uint64_t cycle,
               int32_t payload);
  void (*stepped)(void *ctx, uint32_t neuron, uint32_t tick, int32_t u, uint8_t s);
} rtl_hooks;

typedef struct rtl_core rtl_core;

/* The parameters of the glif_core model linked into this library. */
const rtl_params *rtl_core_params(void);

/* Builds a verilated core loaded with core `index` of img (checked with rtl_check_fit)
 * and cleared. vcd_path, when not NULL, receives a VCD of every cycle. */
int rtl_core_create(rtl_core **c, const img_image *img, uint32_t index,
                    const char *vcd_path, glif_err *err);
void rtl_core_destroy(rtl_core *c);

/* Clean state: u = s = 0 and empty accumulators (the core's clear engine: N cycles,
 * outside any tick). */
void rtl_core_reset(rtl_core *c);
void rtl_core_set_hooks(rtl_core *c, const rtl_hooks *hooks);
void rtl_core_tick_begin(rtl_core *c, uint32_t tick);
int rtl_core_in_room(const rtl_core *c);
int rtl_core_out_peek(const rtl_core *c, rtl_packet *p);
/* Returns 1 when the offered packet was sent in this cycle. */
int rtl_core_cycle(rtl_core *c, int oe_room, const rtl_packet *in);
int rtl_core_idle(const rtl_core *c);
void rtl_core_tick_end(rtl_core *c, rtl_tick_stats *out);
/* State readback (the core's debug port): membrane and previous-spike bit. */
void rtl_core_state(const rtl_core *c, uint32_t neuron, int32_t *u, uint8_t *s);
/* The core's sticky error bits (glif_core `err`): 0 when none. */
uint32_t rtl_core_errors(const rtl_core *c);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_RTL_CORE_H */
