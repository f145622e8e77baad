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

/* A FIFO of packets with one writer and one reader. */
typedef struct ev_buf {
  sim_packet *pk;        /* [cap] ring */
  uint64_t pop_at;       /* cycle of the last pop; its slot is free from pop_at + 1 */
  uint32_t cap, head, count;
  uint32_t writer;       /* component woken when a full buffer frees a slot */
  uint8_t waiter;        /* the writer found the buffer full and sleeps until a pop */
} ev_buf;

typedef struct ev_router {
  ev_buf in[P_COUNT];    /* input buffers: Local, North, East, South, West */
  ev_buf *down[P_COUNT]; /* where each output leads: a neighbour's input buffer, or
                            the core's input buffer (Local); NULL: no link */
  uint32_t next[P_COUNT];/* the component reading it: neighbour router or core IE */
  int32_t core;          /* core index at this position, -1 */
  uint16_t x, y;
  uint8_t last[P_COUNT]; /* per output port: the input port granted last */
  uint8_t busy;          /* bit p: input buffer p holds packets */
} ev_router;

typedef struct ev_emit {
  uint32_t neuron;
  int32_t payload;
  uint64_t ready;        /* first cycle its first packet can be sent */
} ev_emit;

typedef struct ev_core {
  int32_t *acc;          /* [D * n] */
  int32_t *u;            /* [n] */
  uint8_t *s;            /* [n] */
  ev_buf ib;             /* input buffer, core_buffer packets */
  uint64_t ie_free;      /* first cycle the input engine is free */
  ev_emit *q;            /* [n] spike queue of the tick */
  uint32_t q_head, q_len, q_entry; /* next packet: entry q_entry of q[q_head] */
  uint64_t oe_free;      /* first cycle the output engine may send again */
} ev_core;

struct sim_ev {
  sim_cal cal;
  ev_router *rt;         /* [n_pos] */
  sim_packet *store;     /* storage of every buffer */
  ev_core *core;         /* [n_cores] */
  sim_counts *tc;        /* [n_pos] counts of the current tick */
  uint32_t *touched;     /* [n_pos] positions with counts this tick */
  uint32_t *stamp;       /* [n_pos] tick + 1 when in touched */
  uint32_t n_touched;
  uint32_t h;            /* current tick */
  uint64_t base;         /* global cycle of the tick's cycle 0 */
  uint64_t end;          /* E as a global cycle */
  uint64_t ie_end;       /* latest end of an accumulation (global) */
  uint32_t hs_next, hs_end; /* host packets of this tick */
  uint64_t hs_free;
  int64_t rec_ie_last, rec_oe_last; /* recorded core, tick-local */
  uint32_t id_oe, id_ie, id_host;   /* component id bases */
};

#define NOW_ROOM(b, c) ((b)->count + ((b)->pop_at == (c)) < (b)->cap)

/* Round robin (docs/timing.md): the first candidate after `last` in the order Local,
 * North, East, South, West, i.e. the lowest candidate above `last`, else the lowest. */
static int rr_pick(uint32_t cand, uint32_t last) {
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

static void buf_push(ev_buf *b, const sim_packet *p) {
  uint32_t i = b->head + b->count;
  b->pk[i >= b->cap ? i - b->cap : i] = *p;
  b->count++;
}

static sim_packet buf_pop(ev_buf *b, uint64_t c) {
  sim_packet p = b->pk[b->head];
  b->head = b->head + 1 == b->cap ? 0 : b->head + 1;
  b->count--;
  b->pop_at = c;
  return p;
}

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Output port for a packet at router rt (XY routing). */
static int route(const ev_router *rt, const sim_packet *p) {
  if (p->x != rt->x) return p->x > rt->x ? P_E : P_W;
  if (p->y != rt->y) return p->y > rt->y ? P_S : P_N;
  return P_L;
}

/* Puts pk into input port p of router r, eligible from pk.t; wakes r for a new head. */
static void router_push(sim_engine *e, uint32_t r, int p, const sim_packet *pk) {
  ev_router *rt = &e->ev->rt[r];
  buf_push(&rt->in[p], pk);
  if (rt->in[p].count == 1) {
    rt->busy |= (uint8_t)(1u << p);
    sim_cal_schedule(&e->ev->cal, r, pk->t);
  }
}

/* ---- routers ------------------------------------------------------------------------ */

static void eject(sim_engine *e, ev_router *rt, sim_packet pk, uint64_t c) {
  sim_ev *v = e->ev;
  ev_core *k = &v->core[rt->core];
  pk.t = c + 1;
  buf_push(&k->ib, &pk);
  if (e->obs && e->obs->rec_core == rt->core && e->obs->rec_in)
    e->obs->rec_in(e->obs->ctx, v->h, c - v->base, &pk);
  sim_cal_schedule(&v->cal, rt->next[P_L], max64(k->ie_free, c + 1));
}

/* Moves the head of input port p of router r out through output o in cycle c. */
static void grant(sim_engine *e, uint32_t r, int p, int o, uint64_t c) {
  static const int opposite[P_COUNT] = {P_L, P_S, P_W, P_N, P_E};
  sim_ev *v = e->ev;
  ev_router *rt = &v->rt[r];
  ev_buf *src = &rt->in[p];
  sim_packet pk = buf_pop(src, c);
  sim_counts *n = cnt(e, r);
  if (!src->count) rt->busy &= (uint8_t)~(1u << p);
  n->router_stalls += c - pk.t;
  if (src->waiter) {
    src->waiter = 0;
    sim_cal_schedule(&v->cal, src->writer, c + 1);
  }
  if (p == P_L && e->obs && e->obs->rec_core == rt->core && e->obs->rec_local)
    e->obs->rec_local(e->obs->ctx, v->h, c + 1 - v->base, -1);
  if (o == P_L) {
    eject(e, rt, pk, c);
    return;
  }
  pk.t = c + e->m->img->arch.router_latency;
  router_push(e, rt->next[o], opposite[o], &pk);
  n->hops++;
  e->res.links[(size_t)r * 4 + (uint32_t)(o - 1)]++;
}

/* Switch allocation of router r in cycle c (docs/timing.md), and its next wake-up:
 * the eligibility of a head that is not yet eligible, the next cycle for a head that
 * lost arbitration or follows a granted one; a head blocked by a full downstream
 * buffer sleeps until that buffer's reader pops (ev_buf.waiter). */
static void router_run(sim_engine *e, uint32_t r, uint64_t c) {
  ev_router *rt = &e->ev->rt[r];
  uint8_t cand[P_COUNT] = {0}, outs = 0;
  uint64_t next = UINT64_MAX;
  for (uint32_t m = rt->busy; m; m &= m - 1) {
    const int p = __builtin_ctz(m);
    const sim_packet *h = &rt->in[p].pk[rt->in[p].head];
    if (h->t > c) {
      next = h->t < next ? h->t : next;
      continue;
    }
    const int o = route(rt, h);
    cand[o] |= (uint8_t)(1u << p);
    outs |= (uint8_t)(1u << o);
  }
  for (uint32_t m = outs; m; m &= m - 1) {
    const int o = __builtin_ctz(m);
    ev_buf *d = rt->down[o];
    if (!NOW_ROOM(d, c)) { /* full: sleep until its reader pops */
      if (d->pop_at == c) next = c + 1 < next ? c + 1 : next;
      else d->waiter = 1;
      continue;
    }
    const int w = rr_pick(cand[o], rt->last[o]);
    rt->last[o] = (uint8_t)w;
    if (cand[o] != (1u << w)) next = c + 1 < next ? c + 1 : next; /* losers retry */
    grant(e, r, w, o, c);
    const ev_buf *b = &rt->in[w];
    if (b->count) next = max64(c + 1, b->pk[b->head].t) < next ? max64(c + 1, b->pk[b->head].t) : next;
  }
  if (next != UINT64_MAX) sim_cal_schedule(&e->ev->cal, r, next);
}

/* ---- core engines ------------------------------------------------------------------- */

static void ie_run(sim_engine *e, uint32_t ci, uint64_t c) {
  sim_ev *v = e->ev;
  ev_core *k = &v->core[ci];
  const sim_mcore *mc = &e->m->cores[ci];
  if (!k->ib.count) return;
  const uint64_t t = k->ib.pk[k->ib.head].t;
  if (k->ie_free > c || t > c) {
    sim_cal_schedule(&v->cal, v->id_ie + ci, k->ie_free > t ? k->ie_free : t);
    return;
  }
  const sim_packet pk = buf_pop(&k->ib, c);
  if (k->ib.waiter) {
    k->ib.waiter = 0;
    sim_cal_schedule(&v->cal, k->ib.writer, c + 1);
  }
  sim_counts *n = cnt(e, mc->pos);
  sim_acc_packet(e->m, mc, k->acc, v->h, &pk, n);
  n->in_waits += c - pk.t;
  n->ie_busy += 1u + mc->row_cycles;
  k->ie_free = c + 1 + mc->row_cycles;
  if (k->ie_free > v->end) v->end = k->ie_free;
  if (k->ie_free > v->ie_end) v->ie_end = k->ie_free;
  if (e->obs && e->obs->rec_core == (int32_t)ci) v->rec_ie_last = (int64_t)(k->ie_free - 1 - v->base);
  if (k->ib.count) {
    const uint64_t h = k->ib.pk[k->ib.head].t;
    sim_cal_schedule(&v->cal, v->id_ie + ci, h > k->ie_free ? h : k->ie_free);
  }
}

/* Sends pk into input port p of router r in cycle c (OE: Local, host: West). */
static void inject(sim_engine *e, uint32_t r, int p, sim_packet pk, uint64_t c) {
  pk.t = c + e->m->img->arch.router_latency;
  router_push(e, r, p, &pk);
}

static void oe_send(sim_engine *e, uint32_t ci, uint64_t c, uint64_t ready) {
  sim_ev *v = e->ev;
  ev_core *k = &v->core[ci];
  const sim_mcore *mc = &e->m->cores[ci];
  const ev_emit *em = &k->q[k->q_head];
  const img_neuron *nr = &mc->ic->neurons[em->neuron];
  const img_fanout *f = &mc->ic->fanout[nr->fanout_start + k->q_entry];
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
  if (++k->q_entry == nr->fanout_count) {
    k->q_entry = 0;
    k->q_head++;
  }
}

static void oe_run(sim_engine *e, uint32_t ci, uint64_t c) {
  sim_ev *v = e->ev;
  ev_core *k = &v->core[ci];
  if (k->q_head == k->q_len) return;
  const uint64_t er = k->q[k->q_head].ready;
  const uint64_t ready = er > k->oe_free ? er : k->oe_free;
  if (ready > c) {
    sim_cal_schedule(&v->cal, v->id_oe + ci, ready);
    return;
  }
  ev_buf *b = &v->rt[e->m->cores[ci].pos].in[P_L];
  if (!NOW_ROOM(b, c)) {
    if (b->pop_at == c) sim_cal_schedule(&v->cal, v->id_oe + ci, c + 1);
    else b->waiter = 1;
    return;
  }
  oe_send(e, ci, c, ready);
  if (k->q_head < k->q_len) {
    const uint64_t nr = k->q[k->q_head].ready;
    sim_cal_schedule(&v->cal, v->id_oe + ci, nr > c + 1 ? nr : c + 1);
  }
}

static void host_run(sim_engine *e, uint64_t c) {
  sim_ev *v = e->ev;
  const glif_arch *a = &e->m->img->arch;
  if (v->hs_next == v->hs_end) return;
  const uint64_t ready = v->hs_free;
  if (ready > c) {
    sim_cal_schedule(&v->cal, v->id_host, ready);
    return;
  }
  const uint32_t r = a->io_y * a->mesh_x + a->io_x;
  ev_buf *b = &v->rt[r].in[P_W];
  if (!NOW_ROOM(b, c)) {
    if (b->pop_at == c) sim_cal_schedule(&v->cal, v->id_host, c + 1);
    else b->waiter = 1;
    return;
  }
  inject(e, r, P_W, e->host.pk[v->hs_next++], c);
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
    if (mc->ic->neurons[j].fanout_count)
      k->q[k->q_len++] = (ev_emit){j, o.payload, v->base + i + S};
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
  if (e->obs && e->obs->rec_core >= 0 && e->obs->rec_tick) record_tick(e);
  for (uint32_t k = 0; k < v->n_touched; k++) {
    const uint32_t pos = v->touched[k];
    sim_counts_add(&e->res.cores[pos], &v->tc[pos]);
    sim_counts_add(&t->n, &v->tc[pos]);
    memset(&v->tc[pos], 0, sizeof v->tc[pos]);
  }
  t->active = v->end - v->base;
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
    k->ib.head = k->ib.count = k->ib.waiter = 0;
    k->ib.pop_at = UINT64_MAX;
    k->ie_free = k->oe_free = 0;
    k->q_head = k->q_len = k->q_entry = 0;
  }
  for (uint32_t r = 0; r < m->n_pos; r++) {
    for (int p = 0; p < P_COUNT; p++) {
      ev_buf *b = &v->rt[r].in[p];
      b->head = b->count = b->waiter = 0;
      b->pop_at = UINT64_MAX;
      v->rt[r].last[p] = P_W;
    }
    v->rt[r].busy = 0;
    v->stamp[r] = 0;
  }
  sim_cal_reset(&v->cal, 0);
  v->base = 0;
}

int sim_ev_run(sim_engine *e, glif_err *err) {
  (void)err;
  reset(e);
  for (uint32_t h = 0; h < e->m->img->n_ticks; h++) {
    tick_start(e, h);
    for (int32_t id; (id = sim_cal_pop(&e->ev->cal)) >= 0;)
      dispatch(e, (uint32_t)id, e->ev->cal.now);
    tick_finish(e);
  }
  return 0;
}

static int alloc_cores(sim_engine *e) {
  sim_ev *v = e->ev;
  const sim_model *m = e->m;
  const uint32_t D = m->img->arch.delay_slots;
  for (uint32_t i = 0; i < m->n_cores; i++) {
    ev_core *k = &v->core[i];
    const uint32_t n = m->cores[i].n;
    k->acc = glif_malloc(sizeof *k->acc * D * n);
    k->u = glif_malloc(sizeof *k->u * n);
    k->s = glif_malloc(n);
    k->q = glif_malloc(sizeof *k->q * n);
    if (!k->acc || !k->u || !k->s || !k->q) return GLIF_ENOMEM;
  }
  return 0;
}

/* The component that writes input port p of router r (woken after a pop): the core's
 * output engine (Local), the host (West of the I/O router), else the neighbour in
 * direction p. */
static uint32_t writer_of(const sim_engine *e, uint32_t r, int p) {
  const glif_arch *a = &e->m->img->arch;
  const sim_ev *v = e->ev;
  switch (p) {
  case P_L: return e->m->core_at[r] >= 0 ? v->id_oe + (uint32_t)e->m->core_at[r] : r;
  case P_N: return r - a->mesh_x;
  case P_S: return r + a->mesh_x;
  case P_E: return r + 1;
  default: return r % a->mesh_x ? r - 1 : v->id_host;
  }
}

/* Output o of router r: the buffer it feeds and the component reading it. */
static void link_output(sim_engine *e, uint32_t r, int o) {
  static const int opposite[P_COUNT] = {P_L, P_S, P_W, P_N, P_E};
  sim_ev *v = e->ev;
  const glif_arch *a = &e->m->img->arch;
  ev_router *rt = &v->rt[r];
  const uint32_t x = r % a->mesh_x, y = r / a->mesh_x;
  int64_t nb = -1;
  if (o == P_N && y > 0) nb = r - a->mesh_x;
  if (o == P_S && y + 1 < a->mesh_y) nb = r + a->mesh_x;
  if (o == P_E && x + 1 < a->mesh_x) nb = r + 1;
  if (o == P_W && x > 0) nb = r - 1;
  if (o == P_L && rt->core >= 0) {
    rt->down[o] = &v->core[rt->core].ib;
    rt->next[o] = v->id_ie + (uint32_t)rt->core;
  } else if (nb >= 0) {
    rt->down[o] = &v->rt[nb].in[opposite[o]];
    rt->next[o] = (uint32_t)nb;
  }
}

static int alloc_routers(sim_engine *e) {
  sim_ev *v = e->ev;
  const sim_model *m = e->m;
  const glif_arch *a = &m->img->arch;
  const uint64_t per = (uint64_t)P_COUNT * a->router_buffer;
  v->store = glif_malloc(sizeof *v->store * (per * m->n_pos + (uint64_t)a->core_buffer * m->n_cores));
  if (!v->store) return GLIF_ENOMEM;
  sim_packet *s = v->store;
  for (uint32_t r = 0; r < m->n_pos; r++) {
    ev_router *rt = &v->rt[r];
    rt->x = (uint16_t)(r % a->mesh_x);
    rt->y = (uint16_t)(r / a->mesh_x);
    rt->core = m->core_at[r];
    for (int p = 0; p < P_COUNT; p++, s += a->router_buffer) {
      rt->in[p].pk = s;
      rt->in[p].cap = a->router_buffer;
      rt->in[p].writer = writer_of(e, r, p);
    }
  }
  for (uint32_t i = 0; i < m->n_cores; i++, s += a->core_buffer) {
    v->core[i].ib.pk = s;
    v->core[i].ib.cap = a->core_buffer;
    v->core[i].ib.writer = m->cores[i].pos;
  }
  for (uint32_t r = 0; r < m->n_pos; r++)
    for (int o = 0; o < P_COUNT; o++) link_output(e, r, o);
  return 0;
}

int sim_ev_create(sim_engine *e, glif_err *err) {
  const sim_model *m = e->m;
  sim_ev *v = e->ev = glif_calloc(1, sizeof *v);
  if (!v) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  v->id_oe = m->n_pos;
  v->id_ie = m->n_pos + m->n_cores;
  v->id_host = m->n_pos + 2 * m->n_cores;
  v->rt = glif_calloc(m->n_pos, sizeof *v->rt);
  v->core = glif_calloc(m->n_cores ? m->n_cores : 1, sizeof *v->core);
  v->tc = glif_calloc(m->n_pos, sizeof *v->tc);
  v->touched = glif_malloc(sizeof *v->touched * m->n_pos);
  v->stamp = glif_calloc(m->n_pos, sizeof *v->stamp);
  if (!v->rt || !v->core || !v->tc || !v->touched || !v->stamp ||
      alloc_routers(e) || alloc_cores(e) ||
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
  glif_free(v->rt);
  glif_free(v->store);
  glif_free(v->core);
  glif_free(v->tc);
  glif_free(v->touched);
  glif_free(v->stamp);
  glif_free(v);
  e->ev = NULL;
}
