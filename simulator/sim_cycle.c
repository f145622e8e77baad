/*
 * sim_cycle.c - the cycle-stepped engine (`glif run --mode cycle`): the slow, simple
 * oracle of the event-driven engine, and the harness an RTL core plugs into.
 *
 * Every cycle it evaluates every component literally in two phases: first every
 * decision on a snapshot of the state at the start of the cycle (buffer occupancies,
 * core input room), then every move. Cores are reached only through sim_core_ops
 * (sim_ccore.c by default). Nothing here is shared with sim_event.c except the model
 * tables, the accumulation and the neuron step (inside the core), so the two engines
 * check each other. Its cost is cycles x (routers + cores): fine for tests and small
 * fabrics, never for ResNet-19.
 */
#include <string.h>

#include "../fabric/mem.h"
#include "sim_int.h"

typedef struct cy_fifo {
  sim_packet *pk;        /* [cap], oldest first */
  uint32_t n, cap;
} cy_fifo;

typedef struct cy_move {
  uint32_t r;            /* router */
  uint8_t in, out;       /* ports */
} cy_move;

typedef struct cy_hook {
  sim_engine *e;
  uint32_t ci;
} cy_hook;

struct sim_cy {
  cy_fifo *in;           /* [n_pos * 5] router input buffers */
  uint8_t *last;         /* [n_pos * 5] round-robin: input granted last per output */
  uint32_t *snap;        /* [n_pos * 5] occupancy at the start of the cycle */
  void **core;           /* [n_cores] */
  const sim_core_ops **ops;
  cy_hook *hook;         /* [n_cores] */
  uint8_t *room;         /* [n_cores] core input room at the start of the cycle */
  sim_packet *hand;      /* [n_cores] packet handed to the core this cycle */
  uint8_t *has_hand;     /* [n_cores] */
  cy_move *mv;           /* [n_pos * 5] */
  sim_counts *tc;        /* [n_pos] counts of the tick */
  uint32_t h;
  uint32_t hs_next, hs_end;
};

#define BUF(v, r, p) (&(v)->in[(size_t)(r) * P_COUNT + (p)])

/* ---- hooks from the cores ----------------------------------------------------------- */

static void hook_emit(void *ctx, uint32_t neuron, uint32_t tick, uint64_t cycle,
                      int32_t payload) {
  const cy_hook *hk = ctx;
  const sim_obs *obs = hk->e->obs;
  if (obs && obs->emit) obs->emit(obs->ctx, hk->ci, neuron, tick, cycle, payload);
}

/* Captures readout membranes after their last step (the core only reports states). */
static void hook_stepped(void *ctx, uint32_t neuron, uint32_t tick, int32_t u, uint8_t s) {
  const cy_hook *hk = ctx;
  sim_engine *e = hk->e;
  const sim_mcore *mc = &e->m->cores[hk->ci];
  const img_group *g = &mc->ic->groups[mc->ic->neurons[neuron].group];
  if (g->p.kind == NRN_READOUT && tick == g->first_tick + e->m->img->T - 1)
    e->cap[mc->cap_off + neuron] = u;
  const sim_obs *obs = e->obs;
  if (obs && obs->rec_core == (int32_t)hk->ci && obs->rec_stepped)
    obs->rec_stepped(obs->ctx, tick, neuron, u, s);
}

/* ---- the mesh ----------------------------------------------------------------------- */

static int route(const sim_model *m, uint32_t r, const sim_packet *p) {
  const uint32_t x = r % m->img->arch.mesh_x, y = r / m->img->arch.mesh_x;
  if (p->x > x) return P_E;
  if (p->x < x) return P_W;
  if (p->y > y) return P_S;
  if (p->y < y) return P_N;
  return P_L;
}

/* Router and input port a packet leaving r through output o enters. */
static void next_hop(const sim_model *m, uint32_t r, int o, uint32_t *nr, int *np) {
  const uint32_t X = m->img->arch.mesh_x;
  switch (o) {
  case P_N: *nr = r - X; *np = P_S; break;
  case P_S: *nr = r + X; *np = P_N; break;
  case P_E: *nr = r + 1; *np = P_W; break;
  default: *nr = r - 1; *np = P_E; break;
  }
}

static int downstream_room(const sim_engine *e, uint32_t r, int o) {
  const sim_cy *v = e->cy;
  if (o == P_L) return v->room[e->m->core_at[r]];
  uint32_t nr;
  int np;
  next_hop(e->m, r, o, &nr, &np);
  return v->snap[(size_t)nr * P_COUNT + np] < e->m->img->arch.router_buffer;
}

/* Switch allocation of router r in cycle c: appends its grants to the move list. */
static uint32_t allocate(sim_engine *e, uint32_t r, uint64_t c, uint32_t nmv) {
  sim_cy *v = e->cy;
  for (int o = 0; o < P_COUNT; o++) {
    uint8_t *last = &v->last[(size_t)r * P_COUNT + o];
    for (int k = 1; k <= P_COUNT; k++) {
      const int p = (*last + k) % P_COUNT;
      const cy_fifo *b = BUF(v, r, p);
      if (!b->n || b->pk[0].t > c || route(e->m, r, &b->pk[0]) != o) continue;
      if (downstream_room(e, r, o)) { /* the first candidate after `last` wins */
        v->mv[nmv++] = (cy_move){r, (uint8_t)p, (uint8_t)o};
        *last = (uint8_t)p;
      }
      break; /* full downstream: no candidate of this output is granted */
    }
  }
  return nmv;
}

/* One stall cycle for every eligible packet of router r that does not move now. */
static void count_stalls(sim_engine *e, uint32_t r, uint64_t c, const uint8_t *moving) {
  sim_cy *v = e->cy;
  for (int p = 0; p < P_COUNT; p++) {
    const cy_fifo *b = BUF(v, r, p);
    for (uint32_t i = 0; i < b->n; i++)
      if (b->pk[i].t <= c && !(i == 0 && moving[p])) v->tc[r].router_stalls++;
  }
}

static sim_packet fifo_pop(cy_fifo *b) {
  sim_packet p = b->pk[0];
  memmove(b->pk, b->pk + 1, sizeof *b->pk * --b->n);
  return p;
}

static void fifo_push(cy_fifo *b, sim_packet p, uint64_t t) {
  p.t = (uint32_t)t; /* tick-local */
  b->pk[b->n++] = p;
}

static void note_local(sim_engine *e, uint32_t r, uint64_t from, int delta) {
  const sim_obs *obs = e->obs;
  if (obs && obs->rec_core >= 0 && obs->rec_core == e->m->core_at[r] && obs->rec_local)
    obs->rec_local(obs->ctx, e->cy->h, from, delta);
}

static void apply_move(sim_engine *e, const cy_move *mv, uint64_t c) {
  sim_cy *v = e->cy;
  const uint32_t R = e->m->img->arch.router_latency;
  sim_packet p = fifo_pop(BUF(v, mv->r, mv->in));
  if (mv->in == P_L) note_local(e, mv->r, c + 1, -1);
  if (mv->out == P_L) {
    const int32_t ci = e->m->core_at[mv->r];
    v->hand[ci] = p;
    v->has_hand[ci] = 1;
    if (e->obs && e->obs->rec_core == ci && e->obs->rec_in) e->obs->rec_in(e->obs->ctx, v->h, c, &p);
    return;
  }
  uint32_t nr;
  int np;
  next_hop(e->m, mv->r, mv->out, &nr, &np);
  fifo_push(BUF(v, nr, np), p, c + R);
  v->tc[mv->r].hops++;
  e->res.links[(size_t)mv->r * 4 + (uint32_t)(mv->out - 1)]++;
}

/* ---- one cycle ----------------------------------------------------------------------- */

static void snapshot(sim_engine *e) {
  sim_cy *v = e->cy;
  for (size_t b = 0; b < (size_t)e->m->n_pos * P_COUNT; b++) v->snap[b] = v->in[b].n;
  for (uint32_t i = 0; i < e->m->n_cores; i++) {
    v->room[i] = (uint8_t)v->ops[i]->in_room(v->core[i]);
    v->has_hand[i] = 0;
  }
}

/* The host's decision in cycle c: 1 when it sends. */
static int host_decide(sim_engine *e, uint64_t c) {
  sim_cy *v = e->cy;
  const glif_arch *a = &e->m->img->arch;
  if (v->hs_next == v->hs_end) return 0;
  const uint32_t io = a->io_y * a->mesh_x + a->io_x;
  if (v->snap[(size_t)io * P_COUNT + P_W] < a->router_buffer) return 1;
  e->res.io.oe_stalls++;
  e->res.ticks[v->h].n.oe_stalls++;
  (void)c;
  return 0;
}

static void host_send(sim_engine *e, uint64_t c) {
  sim_cy *v = e->cy;
  const glif_arch *a = &e->m->img->arch;
  const uint32_t io = a->io_y * a->mesh_x + a->io_x;
  fifo_push(BUF(v, io, P_W), e->host.pk[v->hs_next++], c + a->router_latency);
  e->res.io.packets++;
  e->res.io.oe_busy++;
  e->res.ticks[v->h].n.packets++;
  e->res.ticks[v->h].n.oe_busy++;
}

static void cores_cycle(sim_engine *e, uint64_t c) {
  sim_cy *v = e->cy;
  const glif_arch *a = &e->m->img->arch;
  for (uint32_t i = 0; i < e->m->n_cores; i++) {
    const uint32_t pos = e->m->cores[i].pos;
    const int oe_room = v->snap[(size_t)pos * P_COUNT + P_L] < a->router_buffer;
    sim_packet out;
    const int offered = v->ops[i]->out_peek(v->core[i], &out);
    const int sent = v->ops[i]->cycle(v->core[i], oe_room, v->has_hand[i] ? &v->hand[i] : NULL);
    if (!sent) continue;
    if (!offered) out = (sim_packet){0, 0, 0, 0, 0, 0, 0}; /* a core must offer first */
    fifo_push(BUF(v, pos, P_L), out, c + a->router_latency);
    note_local(e, pos, c + 1, +1);
    if (e->obs && e->obs->rec_core == (int32_t)i && e->obs->rec_out)
      e->obs->rec_out(e->obs->ctx, v->h, c, &out);
  }
}

static void step(sim_engine *e, uint64_t c) {
  sim_cy *v = e->cy;
  const sim_model *m = e->m;
  snapshot(e);
  const int host = host_decide(e, c);
  uint32_t nmv = 0;
  for (uint32_t r = 0; r < m->n_pos; r++) {
    const uint32_t first = nmv;
    uint8_t moving[P_COUNT] = {0};
    nmv = allocate(e, r, c, nmv);
    for (uint32_t k = first; k < nmv; k++) moving[v->mv[k].in] = 1;
    count_stalls(e, r, c, moving);
  }
  for (uint32_t k = 0; k < nmv; k++) apply_move(e, &v->mv[k], c);
  cores_cycle(e, c);
  if (host) host_send(e, c);
}

static int all_idle(const sim_engine *e) {
  const sim_cy *v = e->cy;
  if (v->hs_next != v->hs_end) return 0;
  for (size_t b = 0; b < (size_t)e->m->n_pos * P_COUNT; b++)
    if (v->in[b].n) return 0;
  for (uint32_t i = 0; i < e->m->n_cores; i++)
    if (!v->ops[i]->idle(v->core[i])) return 0;
  return 1;
}

/* ---- ticks --------------------------------------------------------------------------- */

static void finish_cores(sim_engine *e, sim_tick *t) {
  sim_cy *v = e->cy;
  const sim_model *m = e->m;
  for (uint32_t i = 0; i < m->n_cores; i++) {
    sim_core_tick st;
    v->ops[i]->tick_end(v->core[i], &st);
    st.n.hops = st.n.router_stalls = 0;
    sim_counts_add(&v->tc[m->cores[i].pos], &st.n);
    if (st.update_phase > t->update_phase) t->update_phase = st.update_phase;
    if ((uint64_t)st.ie_end > t->delivery_end) t->delivery_end = (uint64_t)st.ie_end;
    if (e->obs && e->obs->rec_core == (int32_t)i && e->obs->rec_tick)
      e->obs->rec_tick(e->obs->ctx, v->h, &st);
  }
  for (uint32_t r = 0; r < m->n_pos; r++) {
    sim_counts_add(&e->res.cores[r], &v->tc[r]);
    sim_counts_add(&t->n, &v->tc[r]);
    memset(&v->tc[r], 0, sizeof v->tc[r]);
  }
}

static void run_tick(sim_engine *e, uint32_t h) {
  sim_cy *v = e->cy;
  sim_tick *t = &e->res.ticks[h];
  v->h = h;
  sim_host_range(&e->host, e->m->img->T, h, &v->hs_next, &v->hs_end);
  for (uint32_t i = 0; i < e->m->n_cores; i++) v->ops[i]->tick_begin(v->core[i], h);
  uint64_t c = 0;
  while (!all_idle(e)) step(e, c++);
  finish_cores(e, t);
  t->active = c;
  t->latency = c + e->m->arch.barrier_cycles;
  e->res.cycles += t->latency;
  if (e->obs && e->obs->tick_done) e->obs->tick_done(e->obs->ctx, h, t);
}

int sim_cy_run(sim_engine *e, glif_err *err) {
  sim_cy *v = e->cy;
  (void)err;
  for (uint32_t i = 0; i < e->m->n_cores; i++) v->ops[i]->reset(v->core[i]);
  for (size_t b = 0; b < (size_t)e->m->n_pos * P_COUNT; b++) {
    v->in[b].n = 0;
    v->last[b] = P_W; /* as if West had been granted last: Local wins first */
  }
  for (uint32_t h = 0; h < e->m->img->n_ticks; h++) run_tick(e, h);
  return 0;
}

/* ---- life cycle ---------------------------------------------------------------------- */

static void bind(sim_engine *e, uint32_t i) {
  sim_cy *v = e->cy;
  v->hook[i] = (cy_hook){e, i};
  const sim_core_hooks hk = {&v->hook[i], hook_emit, hook_stepped};
  v->ops[i]->set_hooks(v->core[i], &hk);
}

static int alloc_mesh(sim_engine *e) {
  sim_cy *v = e->cy;
  const sim_model *m = e->m;
  const size_t nb = (size_t)m->n_pos * P_COUNT, nc = m->n_cores ? m->n_cores : 1;
  v->in = glif_calloc(nb, sizeof *v->in);
  v->last = glif_calloc(nb, 1);
  v->snap = glif_calloc(nb, sizeof *v->snap);
  v->mv = glif_calloc(nb, sizeof *v->mv);
  v->tc = glif_calloc(m->n_pos, sizeof *v->tc);
  v->core = glif_calloc(nc, sizeof *v->core);
  v->ops = glif_calloc(nc, sizeof *v->ops);
  v->hook = glif_calloc(nc, sizeof *v->hook);
  v->room = glif_calloc(nc, 1);
  v->hand = glif_calloc(nc, sizeof *v->hand);
  v->has_hand = glif_calloc(nc, 1);
  if (!v->in || !v->last || !v->snap || !v->mv || !v->tc || !v->core || !v->ops ||
      !v->hook || !v->room || !v->hand || !v->has_hand)
    return GLIF_ENOMEM;
  for (size_t b = 0; b < nb; b++) {
    v->in[b].cap = m->img->arch.router_buffer;
    v->in[b].pk = glif_malloc(sizeof *v->in[b].pk * v->in[b].cap);
    if (!v->in[b].pk) return GLIF_ENOMEM;
  }
  return 0;
}

int sim_cy_create(sim_engine *e, glif_err *err) {
  int rc;
  sim_cy *v = e->cy = glif_calloc(1, sizeof *v);
  if (!v || alloc_mesh(e))
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0,
                     "out of memory for the cycle-stepped engine (%u routers)", e->m->n_pos);
  for (uint32_t i = 0; i < e->m->n_cores; i++) {
    if ((rc = sim_ccore_create(e->m, i, &v->core[i], err))) return rc;
    v->ops[i] = &sim_ccore_ops;
    bind(e, i);
  }
  return 0;
}

void sim_cy_destroy(sim_engine *e) {
  sim_cy *v = e->cy;
  if (!v) return;
  for (size_t b = 0; v->in && b < (size_t)e->m->n_pos * P_COUNT; b++) glif_free(v->in[b].pk);
  for (uint32_t i = 0; v->core && v->ops && i < e->m->n_cores; i++)
    if (v->core[i]) v->ops[i]->destroy(v->core[i]);
  glif_free(v->in);
  glif_free(v->last);
  glif_free(v->snap);
  glif_free(v->mv);
  glif_free(v->tc);
  glif_free(v->core);
  glif_free(v->ops);
  glif_free(v->hook);
  glif_free(v->room);
  glif_free(v->hand);
  glif_free(v->has_hand);
  glif_free(v);
  e->cy = NULL;
}

int sim_cy_replace_core(sim_engine *e, uint32_t ci, const sim_core_ops *ops, void *impl,
                        glif_err *err) {
  sim_cy *v = e->cy;
  (void)err;
  if (v->core[ci]) v->ops[ci]->destroy(v->core[ci]);
  v->core[ci] = impl;
  v->ops[ci] = ops;
  bind(e, ci);
  return 0;
}

const char *sim_cy_core_name(const sim_engine *e) {
  const sim_cy *v = e->cy;
  return e->m->n_cores && v->ops[0] ? v->ops[0]->name : sim_ccore_ops.name;
}
