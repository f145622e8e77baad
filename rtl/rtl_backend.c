/*
 * rtl_backend.c - sim_core_ops over rtl_core: the verilated core as a drop-in
 * replacement of the simulator's C core model (rtl_backend.h).
 *
 * Only conversions live here: packets (sim_packet <-> rtl_packet), observer hooks (the
 * two hook structs have the same members) and the tick summary (rtl_tick_stats ->
 * sim_core_tick). Every number the simulator reports for a core comes from the RTL:
 * cycle counts from its ports, event counts from its counters.
 */
#include <string.h>

#include "../fabric/mem.h"
#include "rtl_backend.h"
#include "rtl_core.h"

static void be_destroy(void *c) { rtl_core_destroy(c); }
static void be_reset(void *c) { rtl_core_reset(c); }

static void be_set_hooks(void *c, const sim_core_hooks *h) {
  const rtl_hooks r = {h->ctx, h->emit, h->stepped};
  rtl_core_set_hooks(c, &r);
}

static void be_tick_begin(void *c, uint32_t tick) { rtl_core_tick_begin(c, tick); }
static int be_in_room(const void *c) { return rtl_core_in_room(c); }
static int be_idle(const void *c) { return rtl_core_idle(c); }

static int be_out_peek(const void *c, sim_packet *p) {
  rtl_packet r;
  if (!rtl_core_out_peek(c, &r)) return 0;
  memset(p, 0, sizeof *p);
  p->x = r.x;
  p->y = r.y;
  p->axon = r.axon;
  p->dly = r.dly;
  p->graded = r.graded;
  p->payload = r.payload;
  return 1;
}

static int be_cycle(void *c, int oe_room, const sim_packet *in) {
  rtl_packet r;
  if (in) r = (rtl_packet){in->x, in->y, in->axon, in->dly, in->graded, in->payload};
  return rtl_core_cycle(c, oe_room, in ? &r : NULL);
}

static void be_tick_end(void *c, sim_core_tick *out) {
  rtl_tick_stats s;
  rtl_core_tick_end(c, &s);
  memset(out, 0, sizeof *out);
  out->update_phase = s.update_phase;
  out->ie_last = s.ie_last;
  out->oe_last = s.oe_last;
  out->ie_end = s.ie_last >= 0 ? s.ie_last + 1 : 0;
  out->n.synops = s.synops;
  out->n.macs = s.macs;
  out->n.row_reads = s.row_reads;
  out->n.updates = s.updates;
  out->n.spikes = s.spikes;
  out->n.packets = s.packets;
  out->n.oe_stalls = s.oe_stalls;
  out->n.in_waits = s.in_waits;
  out->n.ue_busy = s.ue_busy;
  out->n.ie_busy = s.ie_busy;
  out->n.oe_busy = s.oe_busy;
}

static void be_state(const void *c, uint32_t neuron, int32_t *u, uint8_t *s) {
  rtl_core_state(c, neuron, u, s);
}

static const sim_core_ops rtl_ops = {"rtl",       be_destroy,  be_reset,   be_set_hooks,
                                     be_tick_begin, be_in_room, be_out_peek, be_cycle,
                                     be_idle,     be_tick_end, be_state};

int rtl_backend_core(void *ctx, const sim_model *m, uint32_t index,
                     const sim_core_ops **ops, void **core, glif_err *err) {
  (void)ctx;
  rtl_core *c = NULL;
  int rc = rtl_core_create(&c, sim_model_image(m), index, NULL, err);
  if (rc) return rc;
  *ops = &rtl_ops;
  *core = c;
  return 0;
}
