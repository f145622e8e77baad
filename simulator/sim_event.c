/*
 * sim_event.c - the event-driven engine (the default mode of `glif run`).
 *
 * Executes docs/timing.md cycle for cycle without visiting idle cycles: every
 * component (a router, a core's input engine, a core's output engine, the host) sleeps
 * in an event calendar (sim_cal.c) until the cycle it can next act in, and a component
 * blocked by a full buffer sleeps until that buffer's reader frees a slot. The update
 * engine runs in bulk at cycle 0 of a tick (its accumulator slot is never written
 * during the tick); only the times at which its emissions reach the spike queue
 * matter, and those are i + S.
 *
 * "Decisions look at the state at the start of the cycle" holds without a second
 * phase: every buffer has exactly one writer and one reader, a reader pops at most once
 * per cycle and remembers the cycle (pop_at), and a writer computes the occupancy at
 * the start of the cycle as count + (pop_at == now). A packet written in cycle c is
 * only visible from c + 1 (its time t says so). So components of one cycle can run in
 * any order; the calendar's order is deterministic anyway.
 */
#include <string.h>

#include "../fabric/mem.h"
#include "sim_int.h"

/* Time. The calendar runs in global cycles (since the start of the inference); packets
 * carry tick-local cycles (32 bits: a tick is refused beyond 2^31 cycles); pop cycles
 * are tick-local too, valid only while their stamp is the current tick + 1. */

/* A router and its five input buffers in one block: this 64-byte header, then the
 * rings, B packets per input (input p's slot i at ring(rt)[p * B + i]). Everything one
 * hop touches is in two such blocks: the router's and its neighbour's. */
typedef struct ev_router {
  uint32_t stamp;            /* tick + 1 for which pop_at is valid */
  uint32_t pop_at[P_COUNT];  /* tick-local cycle of each input's last pop */
  int32_t core;              /* core index at this position, -1 */
  uint16_t x, y;
  uint16_t head[P_COUNT], count[P_COUNT];
  uint8_t waiter[P_COUNT];   /* input p's writer sleeps until p pops */
  uint8_t last[P_COUNT];     /* per output port: the input port granted last */
  uint8_t busy;              /* bit p: input buffer p holds packets */
} ev_router;

_Static_assert(sizeof(ev_router) <= 64, "a router header is one cache line");
#define RT_HEADER 64u

/* An accumulation the input engine owes: applied at the end of the tick (or when the
 * log fills), grouped by core in pop order. */
typedef struct ev_acc {
  uint32_t core;
  uint16_t axon;
  uint8_t dly, graded;
  int32_t payload;
} ev_acc;

#define ACC_LOG (1u << 18) /* entries per flush: 3 MiB, a few hundred per core */

typedef struct ev_emit {
  uint32_t start, count;     /* the neuron's fan-out entries */
  int32_t payload;
  uint64_t ready;            /* first (global) cycle its first packet can be sent */
} ev_emit;

typedef struct ev_core {
  sim_packet *ib;            /* [core_buffer] input ring */
  uint32_t ib_head, ib_count;
  uint32_t ib_stamp, ib_pop_at; /* tick + 1, tick-local cycle of the last pop */
  uint8_t ib_waiter;         /* the router sleeps until the ring pops */
  uint64_t ie_free;          /* first (global) cycle the input engine is free */
  ev_emit *q;                /* [n] spike queue of the tick */
  uint32_t q_head, q_len, q_entry; /* next packet: entry q_entry of q[q_head] */
  uint64_t oe_free;          /* first (global) cycle the output engine may send */
  int32_t *acc;              /* [D * n] */
  int32_t *u;                /* [n] */
  uint8_t *s;                /* [n] */
} ev_core;

struct sim_ev {
  sim_cal cal;
  unsigned char *rmem;       /* allocation holding the router blocks */
  unsigned char *rbase;      /* first block, 64-byte aligned */
  size_t rstride;            /* bytes per router block */
  uint32_t B, R, X;          /* router buffer, latency, mesh_x */
  uint32_t io;               /* the I/O router */
  sim_packet *ib_store;      /* core input rings */
  ev_core *core;             /* [n_cores] */
  sim_counts *tc;            /* [n_pos] counts of the current tick */
  uint32_t *touched;         /* [n_pos] positions with counts this tick */
  uint32_t *stamp;           /* [n_pos] tick + 1 when in touched */
  uint32_t n_touched;
  uint32_t h;                /* current tick */
  uint64_t base;             /* global cycle of the tick's cycle 0 */
  uint64_t end;              /* E as a global cycle */
  uint64_t ie_end;           /* latest end of an accumulation (global) */
  uint32_t hs_next, hs_end;  /* host packets of this tick */
  uint64_t hs_free;
  int64_t rec_ie_last, rec_oe_last; /* recorded core, tick-local */
  uint32_t id_oe, id_ie, id_host;   /* component id bases */
  int too_long;              /* a tick went beyond 2^31 cycles */
  ev_acc *log, *sorted;      /* [ACC_LOG] accumulations owed, and their per-core order */
  uint32_t n_log;
  uint32_t *per_core;        /* [n_cores + 1] counting-sort offsets */
};

static inline ev_router *RT(const sim_ev *v, uint32_t r) {
  return (ev_router *)(v->rbase + (size_t)r * v->rstride);
}

static inline sim_packet *ring(const sim_ev *v, ev_router *rt, int p) {
  return (sim_packet *)((unsigned char *)rt + RT_HEADER) + (size_t)p * v->B;
}

/* Packets input p of rt held at the start of tick-local cycle lc (one pop per cycle,
 * whose slot is free from the next cycle). */
static inline uint32_t held(const sim_ev *v, const ev_router *rt, int p, uint32_t lc) {
  return rt->count[p] + (rt->stamp == v->h + 1 && rt->pop_at[p] == lc);
}

static inline uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static inline uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Round robin (docs/timing.md): the first candidate after `last` in the order Local,
 * North, East, South, West, i.e. the lowest candidate above `last`, else the lowest. */
static inline int rr_pick(uint32_t cand, uint32_t last) {
  const uint32_t above = cand & (0x1Eu << last) & 0x1Fu;
  return __builtin_ctz(above ? above : cand);
}

/* ---- small helpers ------------------------------------------------------------------ */

static sim_counts *cnt(sim_engine *e, uint32_t pos) {
  sim_ev *v = e->ev;
  if (v->stamp[pos] != v->h + 1) {
    v->stamp[pos] = v->h + 1;
    v->touched[v->n_touched++] = pos;
  }
  return &v->tc[pos];
}

/* Output port for a packet at router rt (XY routing). */
static inline int route(const ev_router *rt, const sim_packet *p) {
  if (p->x != rt->x) return p->x > rt->x ? P_E : P_W;
  if (p->y != rt->y) return p->y > rt->y ? P_S : P_N;
  return P_L;
}

/* The router through output o of r (o is not Local), and the input it enters there. */
static inline uint32_t neighbour(const sim_ev *v, uint32_t r, int o, int *in) {
  static const int opposite[P_COUNT] = {P_L, P_S, P_W, P_N, P_E};
  *in = opposite[o];
  return o == P_E ? r + 1 : o == P_W ? r - 1 : o == P_S ? r + v->X : r - v->X;
}

/* Puts pk into input p of router r (eligible from pk.t); wakes r for a new head. */
static void router_push(sim_engine *e, uint32_t r, int p, const sim_packet *pk) {
  sim_ev *v = e->ev;
  ev_router *rt = RT(v, r);
  uint32_t i = rt->head[p] + rt->count[p];
  ring(v, rt, p)[i >= v->B ? i - v->B : i] = *pk;
  if (rt->count[p]++ == 0) {
    rt->busy |= (uint8_t)(1u << p);
    sim_cal_schedule(&v->cal, r, v->base + pk->t);
  }
}

/* Pops the head of input p of rt in tick-local cycle lc. */
static sim_packet router_pop(const sim_ev *v, ev_router *rt, int p, uint32_t lc) {
  const sim_packet pk = ring(v, rt, p)[rt->head[p]];
  rt->head[p] = (uint16_t)(rt->head[p] + 1u == v->B ? 0 : rt->head[p] + 1u);
  if (--rt->count[p] == 0) rt->busy &= (uint8_t)~(1u << p);
  if (rt->stamp != v->h + 1) {
    rt->stamp = v->h + 1;
    memset(rt->pop_at, 0xff, sizeof rt->pop_at);
  }
  rt->pop_at[p] = lc;
  return pk;
}

/* The component that writes input p of router r, woken after a pop: the core's output
 * engine (Local), the host (West of x = 0: only the I/O router's is ever written), or
 * the neighbour in direction p. */
static uint32_t writer_of(const sim_ev *v, const ev_router *rt, uint32_t r, int p) {
  int in;
  if (p == P_L) return v->id_oe + (uint32_t)rt->core;
  if (p == P_W && rt->x == 0) return v->id_host;
  return neighbour(v, r, p, &in);
}

/* ---- routers ------------------------------------------------------------------------ */

static void eject(sim_engine *e, const ev_router *rt, sim_packet pk, uint64_t c) {
  sim_ev *v = e->ev;
  ev_core *k = &v->core[rt->core];
  const uint32_t Bc = e->m->img->arch.core_buffer;
  pk.t = (uint32_t)(c + 1 - v->base);
  const uint32_t i = k->ib_head + k->ib_count;
  k->ib[i >= Bc ? i - Bc : i] = pk;
  k->ib_count++;
  if (e->obs && e->obs->rec_core == rt->core && e->obs->rec_in)
    e->obs->rec_in(e->obs->ctx, v->h, c - v->base, &pk);
  sim_cal_schedule(&v->cal, v->id_ie + (uint32_t)rt->core, max64(k->ie_free, c + 1));
}

/* Moves the head of input p of router r out through output o in cycle c. */
static void grant(sim_engine *e, uint32_t r, int p, int o, uint64_t c) {
  sim_ev *v = e->ev;
  ev_router *rt = RT(v, r);
  const uint32_t lc = (uint32_t)(c - v->base);
  sim_packet pk = router_pop(v, rt, p, lc);
  sim_counts *n = cnt(e, r);
  n->router_stalls += lc - pk.t;
  if (rt->waiter[p]) {
    rt->waiter[p] = 0;
    sim_cal_schedule(&v->cal, writer_of(v, rt, r, p), c + 1);
  }
  if (p == P_L && e->obs && e->obs->rec_core == rt->core && e->obs->rec_local)
    e->obs->rec_local(e->obs->ctx, v->h, lc + 1, -1);
  if (o == P_L) {
    eject(e, rt, pk, c);
    return;
  }
  int in;
  const uint32_t nb = neighbour(v, r, o, &in);
  pk.t = lc + v->R;
  router_push(e, nb, in, &pk);
  n->hops++;
  e->res.links[(size_t)r * 4 + (uint32_t)(o - 1)]++;
}

/* Room for one more packet at the start of cycle c behind output o of router r; when
 * there is none, the writer registers to be woken by the pop (or retries next cycle if
 * the pop already happened in c). */
static int downstream_room(sim_engine *e, const ev_router *rt, uint32_t r, int o, uint64_t c,
                           uint64_t *next) {
  sim_ev *v = e->ev;
  const uint32_t lc = (uint32_t)(c - v->base);
  if (o == P_L) {
    ev_core *k = &v->core[rt->core];
    const int popped = k->ib_stamp == v->h + 1 && k->ib_pop_at == lc;
    if (k->ib_count + popped < e->m->img->arch.core_buffer) return 1;
    if (popped) *next = min64(*next, c + 1);
    else k->ib_waiter = 1;
    return 0;
  }
  int in;
  ev_router *d = RT(v, neighbour(v, r, o, &in));
  const uint32_t have = held(v, d, in, lc);
  if (have < v->B) return 1;
  if (have > d->count[in]) *next = min64(*next, c + 1);
  else d->waiter[in] = 1;
  return 0;
}

/* Switch allocation of router r in cycle c (docs/timing.md), and its next wake-up:
 * the eligibility of a head that is not yet eligible, the next cycle for a head that
 * lost arbitration or follows a granted one; a head blocked by a full downstream
 * buffer sleeps until that buffer's reader pops. */
static void router_run(sim_engine *e, uint32_t r, uint64_t c) {
  sim_ev *v = e->ev;
  ev_router *rt = RT(v, r);
  const uint32_t lc = (uint32_t)(c - v->base);
  uint8_t cand[P_COUNT] = {0}, outs = 0;
  uint64_t next = UINT64_MAX;
  for (uint32_t m = rt->busy; m; m &= m - 1) {
    const int p = __builtin_ctz(m);
    const sim_packet *hd = &ring(v, rt, p)[rt->head[p]];
    if (hd->t > lc) {
      next = min64(next, v->base + hd->t);
      continue;
    }
    const int o = route(rt, hd);
    cand[o] |= (uint8_t)(1u << p);
    outs |= (uint8_t)(1u << o);
  }
  for (uint32_t m = outs; m; m &= m - 1) {
    const int o = __builtin_ctz(m);
    if (!downstream_room(e, rt, r, o, c, &next)) continue;
    const int w = rr_pick(cand[o], rt->last[o]);
    rt->last[o] = (uint8_t)w;
    if (cand[o] != (1u << w)) next = min64(next, c + 1); /* the losers retry */
    grant(e, r, w, o, c);
    if (rt->count[w]) next = min64(next, max64(c + 1, v->base + ring(v, rt, w)[rt->head[w]].t));
  }
  if (next != UINT64_MAX) sim_cal_schedule(&v->cal, r, next);
}

/* ---- core engines ------------------------------------------------------------------- */

/* Applies the owed accumulations, core by core, each core's in the order its input
 * engine popped them (the order per-add saturation depends on). The slots written are
 * read only by later ticks, so when within the tick this happens does not matter; doing
 * it per core keeps that core's crossbar and accumulators in cache. */
static void flush(sim_engine *e) {
  sim_ev *v = e->ev;
  const sim_model *m = e->m;
  if (!v->n_log) return;
  memset(v->per_core, 0, sizeof *v->per_core * (m->n_cores + 1));
  for (uint32_t i = 0; i < v->n_log; i++) v->per_core[v->log[i].core + 1]++;
  for (uint32_t c = 0; c < m->n_cores; c++) v->per_core[c + 1] += v->per_core[c];
  for (uint32_t i = 0; i < v->n_log; i++) v->sorted[v->per_core[v->log[i].core]++] = v->log[i];
  for (uint32_t i = 0; i < v->n_log; i++) {
    const ev_acc *a = &v->sorted[i];
    const sim_mcore *mc = &m->cores[a->core];
    const sim_packet pk = {.axon = a->axon, .dly = a->dly, .graded = a->graded,
                           .payload = a->payload};
    sim_acc_packet(m, mc, v->core[a->core].acc, v->h, &pk, cnt(e, mc->pos));
  }
  v->n_log = 0;
}

static void owe(sim_engine *e, uint32_t ci, const sim_packet *pk) {
  sim_ev *v = e->ev;
  if (v->n_log == ACC_LOG) flush(e);
  v->log[v->n_log++] = (ev_acc){ci, pk->axon, pk->dly, pk->graded, pk->payload};
}

static void ie_run(sim_engine *e, uint32_t ci, uint64_t c) {
  sim_ev *v = e->ev;
  ev_core *k = &v->core[ci];
  const sim_mcore *mc = &e->m->cores[ci];
  const uint32_t Bc = e->m->img->arch.core_buffer, lc = (uint32_t)(c - v->base);
  if (!k->ib_count) return;
  const uint64_t t = v->base + k->ib[k->ib_head].t;
  if (k->ie_free > c || t > c) {
    sim_cal_schedule(&v->cal, v->id_ie + ci, max64(k->ie_free, t));
    return;
  }
  const sim_packet pk = k->ib[k->ib_head];
  k->ib_head = k->ib_head + 1 == Bc ? 0 : k->ib_head + 1;
  k->ib_count--;
  k->ib_stamp = v->h + 1;
  k->ib_pop_at = lc;
  if (k->ib_waiter) {
    k->ib_waiter = 0;
    sim_cal_schedule(&v->cal, mc->pos, c + 1);
  }
  sim_counts *n = cnt(e, mc->pos);
  owe(e, ci, &pk);
  n->in_waits += lc - pk.t;
  n->ie_busy += 1u + mc->row_cycles;
  k->ie_free = c + 1 + mc->row_cycles;
  v->end = max64(v->end, k->ie_free);
  v->ie_end = max64(v->ie_end, k->ie_free);
  if (e->obs && e->obs->rec_core == (int32_t)ci) v->rec_ie_last = (int64_t)(k->ie_free - 1 - v->base);
  if (k->ib_count)
    sim_cal_schedule(&v->cal, v->id_ie + ci, max64(k->ie_free, v->base + k->ib[k->ib_head].t));
}

/* Room in input p of router r at the start of cycle c for a writer (OE or host) with
 * component id `self`; without room the writer sleeps until the pop. */
static int inject_room(sim_engine *e, uint32_t r, int p, uint64_t c, uint32_t self) {
  sim_ev *v = e->ev;
  ev_router *rt = RT(v, r);
  const uint32_t have = held(v, rt, p, (uint32_t)(c - v->base));
  if (have < v->B) return 1;
  if (have > rt->count[p]) sim_cal_schedule(&v->cal, self, c + 1);
  else rt->waiter[p] = 1;
  return 0;
}

/* Sends pk into input port p of router r in cycle c (OE: Local, host: West). */
static void inject(sim_engine *e, uint32_t r, int p, sim_packet pk, uint64_t c) {
  pk.t = (uint32_t)(c - e->ev->base) + e->ev->R;
  router_push(e, r, p, &pk);
}

static void oe_send(sim_engine *e, uint32_t ci, uint64_t c, uint64_t ready) {
  sim_ev *v = e->ev;
  ev_core *k = &v->core[ci];
  const sim_mcore *mc = &e->m->cores[ci];
  const ev_emit *em = &k->q[k->q_head];
  const img_fanout *f = &mc->ic->fanout[em->start + k->q_entry];
  sim_packet pk = {.x = f->x, .y = f->y, .axon = f->axon, .dly = f->delay,
                   .graded = (uint8_t)(f->flags & IMG_FAN_GRADED)};
  pk.payload = pk.graded ? em->payload : 0;
  inject(e, mc->pos, P_L, pk, c);
  sim_counts *n = cnt(e, mc->pos);
  n->packets++;
  n->oe_busy++;
  n->oe_stalls += c - ready;
  k->oe_free = c + 1;
  if (e->obs && e->obs->rec_core == (int32_t)ci) {
    v->rec_oe_last = (int64_t)(c - v->base);
    if (e->obs->rec_out) e->obs->rec_out(e->obs->ctx, v->h, c - v->base, &pk);
    if (e->obs->rec_local) e->obs->rec_local(e->obs->ctx, v->h, c + 1 - v->base, +1);
  }
  if (++k->q_entry == em->count) {
    k->q_entry = 0;
    k->q_head++;
  }
  /* the next send comes a cycle later, after the rest of this cycle's events: fetch its
   * fan-out entry now (the image's tables are far larger than the caches) */
  if (k->q_head < k->q_len)
    __builtin_prefetch(&mc->ic->fanout[k->q[k->q_head].start + k->q_entry]);
}

static void oe_run(sim_engine *e, uint32_t ci, uint64_t c) {
  sim_ev *v = e->ev;
  ev_core *k = &v->core[ci];
  if (k->q_head == k->q_len) return;
  const uint64_t ready = max64(k->q[k->q_head].ready, k->oe_free);
  if (ready > c) {
    sim_cal_schedule(&v->cal, v->id_oe + ci, ready);
    return;
  }
  if (!inject_room(e, e->m->cores[ci].pos, P_L, c, v->id_oe + ci)) return;
  oe_send(e, ci, c, ready);
  if (k->q_head < k->q_len)
    sim_cal_schedule(&v->cal, v->id_oe + ci, max64(k->q[k->q_head].ready, c + 1));
}

static void host_run(sim_engine *e, uint64_t c) {
  sim_ev *v = e->ev;
  if (v->hs_next == v->hs_end) return;
  const uint64_t ready = v->hs_free;
  if (ready > c) {
    sim_cal_schedule(&v->cal, v->id_host, ready);
    return;
  }
  if (!inject_room(e, v->io, P_W, c, v->id_host)) return;
  inject(e, v->io, P_W, e->host.pk[v->hs_next++], c);
  e->res.io.packets++;
  e->res.io.oe_busy++;
  e->res.io.oe_stalls += c - ready;
  sim_counts *tn = &e->res.ticks[v->h].n;
  tn->packets++;
  tn->oe_busy++;
  tn->oe_stalls += c - ready;
  v->hs_free = c + 1;
  if (v->hs_next < v->hs_end) sim_cal_schedule(&v->cal, v->id_host, c + 1);
}

/* ---- update engine and ticks --------------------------------------------------------- */

/* Steps every active neuron of core ci at cycle 0 of the tick; queues emissions. */
static void ue_run(sim_engine *e, uint32_t ci) {
  sim_ev *v = e->ev;
  const sim_model *m = e->m;
  const sim_mcore *mc = &m->cores[ci];
  ev_core *k = &v->core[ci];
  const uint32_t h = v->h, n_act = mc->act_n[h], S = m->img->arch.pipeline_depth;
  const sim_obs *obs = e->obs;
  sim_counts *n = cnt(e, mc->pos);
  k->q_head = k->q_len = k->q_entry = 0;
  k->oe_free = v->base;
  for (uint32_t i = 0; i < n_act; i++) {
    const uint32_t j = sim_active(mc, h, i);
    const nrn_out o = sim_step_neuron(m, mc, k->acc, k->u, k->s, e->cap, j, h);
    if (obs && obs->rec_core == (int32_t)ci && obs->rec_stepped)
      obs->rec_stepped(obs->ctx, h, j, o.next.u, o.next.s);
    if (!o.emit) continue;
    n->spikes++;
    if (obs && obs->emit) obs->emit(obs->ctx, ci, j, h, i + S - 1, o.payload);
    const img_neuron *nr = &mc->ic->neurons[j];
    if (nr->fanout_count)
      k->q[k->q_len++] = (ev_emit){nr->fanout_start, nr->fanout_count, o.payload, v->base + i + S};
  }
  n->updates += n_act;
  n->ue_busy += n_act + S - 1;
  if (v->base + n_act + S - 1 > v->end) v->end = v->base + n_act + S - 1;
  if (k->q_len) sim_cal_schedule(&v->cal, v->id_oe + ci, k->q[0].ready);
}

static void dispatch(sim_engine *e, uint32_t id, uint64_t c) {
  const sim_ev *v = e->ev;
  if (id < v->id_oe) router_run(e, id, c);
  else if (id < v->id_ie) oe_run(e, id - v->id_oe, c);
  else if (id < v->id_host) ie_run(e, id - v->id_ie, c);
  else host_run(e, c);
}

static void tick_start(sim_engine *e, uint32_t h) {
  sim_ev *v = e->ev;
  const sim_model *m = e->m;
  v->h = h;
  v->n_touched = 0;
  v->end = v->ie_end = v->base;
  v->rec_ie_last = v->rec_oe_last = -1;
  v->cal.now = v->base;
  sim_host_range(&e->host, m->img->T, h, &v->hs_next, &v->hs_end);
  v->hs_free = v->base;
  if (v->hs_next < v->hs_end) sim_cal_schedule(&v->cal, v->id_host, v->base);
  uint64_t up = 0;
  for (uint32_t k = m->tick_off[h]; k < m->tick_off[h + 1]; k++) {
    const uint32_t ci = m->tick_cores[k];
    ue_run(e, ci);
    const uint64_t len = m->cores[ci].act_n[h] + m->img->arch.pipeline_depth - 1;
    if (len > up) up = len;
  }
  e->res.ticks[h].update_phase = up;
}

static void record_tick(sim_engine *e) {
  const sim_ev *v = e->ev;
  const int32_t ci = e->obs->rec_core;
  const sim_mcore *mc = &e->m->cores[ci];
  sim_core_tick ph;
  memset(&ph, 0, sizeof ph);
  ph.update_phase = mc->act_n[v->h] ? mc->act_n[v->h] + e->m->img->arch.pipeline_depth - 1 : 0;
  ph.ie_last = v->rec_ie_last;
  ph.oe_last = v->rec_oe_last;
  ph.ie_end = v->rec_ie_last + 1;
  ph.n = v->stamp[mc->pos] == v->h + 1 ? v->tc[mc->pos] : ph.n;
  ph.n.hops = ph.n.router_stalls = 0;
  e->obs->rec_tick(e->obs->ctx, v->h, &ph);
}

static void tick_finish(sim_engine *e) {
  sim_ev *v = e->ev;
  sim_tick *t = &e->res.ticks[v->h];
  flush(e);
  if (e->obs && e->obs->rec_core >= 0 && e->obs->rec_tick) record_tick(e);
  for (uint32_t k = 0; k < v->n_touched; k++) {
    const uint32_t pos = v->touched[k];
    sim_counts_add(&e->res.cores[pos], &v->tc[pos]);
    sim_counts_add(&t->n, &v->tc[pos]);
    memset(&v->tc[pos], 0, sizeof v->tc[pos]);
  }
  t->active = v->end - v->base;
  if (t->active >= (1ull << 31)) v->too_long = 1;
  t->latency = t->active + e->m->arch.barrier_cycles;
  t->delivery_end = v->ie_end - v->base;
  e->res.cycles += t->latency;
  if (e->obs && e->obs->tick_done) e->obs->tick_done(e->obs->ctx, v->h, t);
  v->base += t->latency;
}

/* ---- life cycle ---------------------------------------------------------------------- */

static void reset(sim_engine *e) {
  sim_ev *v = e->ev;
  const sim_model *m = e->m;
  const uint32_t D = m->img->arch.delay_slots;
  for (uint32_t i = 0; i < m->n_cores; i++) {
    ev_core *k = &v->core[i];
    const uint32_t n = m->cores[i].n;
    memset(k->acc, 0, sizeof *k->acc * D * n);
    memset(k->u, 0, sizeof *k->u * n);
    memset(k->s, 0, n);
    k->ib_head = k->ib_count = k->ib_stamp = k->ib_waiter = 0;
    k->ie_free = k->oe_free = 0;
    k->q_head = k->q_len = k->q_entry = 0;
  }
  for (uint32_t r = 0; r < m->n_pos; r++) {
    ev_router *rt = RT(v, r);
    rt->stamp = 0;
    rt->busy = 0;
    for (int p = 0; p < P_COUNT; p++) {
      rt->head[p] = rt->count[p] = rt->waiter[p] = 0;
      rt->last[p] = P_W; /* as if West had been granted last: Local wins first */
    }
    v->stamp[r] = 0;
  }
  sim_cal_reset(&v->cal, 0);
  v->base = 0;
  v->too_long = 0;
  v->n_log = 0;
}

int sim_ev_run(sim_engine *e, glif_err *err) {
  reset(e);
  for (uint32_t h = 0; h < e->m->img->n_ticks; h++) {
    tick_start(e, h);
    for (int32_t id; (id = sim_cal_pop(&e->ev->cal)) >= 0;)
      dispatch(e, (uint32_t)id, e->ev->cal.now);
    tick_finish(e);
    if (e->ev->too_long)
      return glif_errf(err, GLIF_ERANGE, NULL, 0, 0, "tick %u lasts %llu cycles, more than "
                       "the simulator's 2^31 - the network floods its mesh", h,
                       (unsigned long long)e->res.ticks[h].active);
  }
  return 0;
}

static int alloc_cores(sim_engine *e) {
  sim_ev *v = e->ev;
  const sim_model *m = e->m;
  const uint32_t D = m->img->arch.delay_slots, Bc = m->img->arch.core_buffer;
  v->ib_store = glif_malloc(sizeof *v->ib_store * Bc * (m->n_cores ? m->n_cores : 1));
  if (!v->ib_store) return GLIF_ENOMEM;
  for (uint32_t i = 0; i < m->n_cores; i++) {
    ev_core *k = &v->core[i];
    const uint32_t n = m->cores[i].n;
    k->ib = v->ib_store + (size_t)i * Bc;
    k->acc = glif_malloc(sizeof *k->acc * D * n);
    k->u = glif_malloc(sizeof *k->u * n);
    k->s = glif_malloc(n);
    k->q = glif_malloc(sizeof *k->q * n);
    if (!k->acc || !k->u || !k->s || !k->q) return GLIF_ENOMEM;
  }
  return 0;
}

static int alloc_routers(sim_engine *e) {
  sim_ev *v = e->ev;
  const sim_model *m = e->m;
  const glif_arch *a = &m->img->arch;
  v->B = a->router_buffer;
  v->R = a->router_latency;
  v->X = a->mesh_x;
  v->io = a->io_y * a->mesh_x + a->io_x;
  v->rstride = (RT_HEADER + sizeof(sim_packet) * P_COUNT * v->B + 63) & ~(size_t)63;
  v->rmem = glif_malloc(v->rstride * m->n_pos + 64);
  if (!v->rmem) return GLIF_ENOMEM;
  v->rbase = v->rmem + ((64 - ((uintptr_t)v->rmem & 63)) & 63);
  for (uint32_t r = 0; r < m->n_pos; r++) {
    ev_router *rt = RT(v, r);
    memset(rt, 0, sizeof *rt);
    rt->x = (uint16_t)(r % a->mesh_x);
    rt->y = (uint16_t)(r / a->mesh_x);
    rt->core = m->core_at[r];
  }
  return 0;
}

int sim_ev_create(sim_engine *e, glif_err *err) {
  const sim_model *m = e->m;
  sim_ev *v = e->ev = glif_calloc(1, sizeof *v);
  if (!v) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  v->id_oe = m->n_pos;
  v->id_ie = m->n_pos + m->n_cores;
  v->id_host = m->n_pos + 2 * m->n_cores;
  v->core = glif_calloc(m->n_cores ? m->n_cores : 1, sizeof *v->core);
  v->tc = glif_calloc(m->n_pos, sizeof *v->tc);
  v->touched = glif_malloc(sizeof *v->touched * m->n_pos);
  v->stamp = glif_calloc(m->n_pos, sizeof *v->stamp);
  v->log = glif_malloc(sizeof *v->log * ACC_LOG);
  v->sorted = glif_malloc(sizeof *v->sorted * ACC_LOG);
  v->per_core = glif_malloc(sizeof *v->per_core * (m->n_cores + 1));
  if (!v->core || !v->tc || !v->touched || !v->stamp || !v->log || !v->sorted ||
      !v->per_core || alloc_routers(e) || alloc_cores(e) ||
      sim_cal_init(&v->cal, v->id_host + 1, m->horizon))
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0,
                     "out of memory for the event-driven engine (%u routers, %u cores)",
                     m->n_pos, m->n_cores);
  return 0;
}

void sim_ev_destroy(sim_engine *e) {
  sim_ev *v = e->ev;
  if (!v) return;
  for (uint32_t i = 0; v->core && i < e->m->n_cores; i++) {
    glif_free(v->core[i].acc);
    glif_free(v->core[i].u);
    glif_free(v->core[i].s);
    glif_free(v->core[i].q);
  }
  sim_cal_free(&v->cal);
  glif_free(v->rmem);
  glif_free(v->ib_store);
  glif_free(v->core);
  glif_free(v->tc);
  glif_free(v->touched);
  glif_free(v->stamp);
  glif_free(v->log);
  glif_free(v->sorted);
  glif_free(v->per_core);
  glif_free(v);
  e->ev = NULL;
}
