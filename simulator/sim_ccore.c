/*
 * sim_ccore.c - the C model of one neuron core, evaluated cycle by cycle behind
 * sim_core_ops (sim_core.h). It is what the cycle-stepped oracle runs and what a
 * verilated RTL core replaces in co-simulation, so it is written as hardware would be:
 * an update engine with a literal S-stage pipeline, an input engine with a busy
 * counter, an output engine reading a spike queue, and an input FIFO. Each cycle()
 * call evaluates one cycle on the state at the start of that cycle.
 */
#include <string.h>

#include "../fabric/mem.h"
#include "sim_int.h"

typedef struct cc_stage {
  uint8_t valid;
  uint8_t emit;
  uint32_t neuron;
  int32_t payload;
} cc_stage;

typedef struct cc_emit {
  uint32_t neuron;
  int32_t payload;
} cc_emit;

typedef struct ccore {
  const sim_model *m;
  const sim_mcore *mc;
  sim_core_hooks hooks;
  int32_t *acc, *u;      /* [D * n], [n] */
  uint8_t *s;            /* [n] */
  uint32_t h;            /* tick */
  uint64_t c;            /* the current (local) cycle */
  uint32_t n_act;
  cc_stage *pipe;        /* [S]: the neuron issued in cycle i sits in pipe[i % S] */
  sim_packet *ib;        /* [core_buffer] input FIFO, oldest first */
  uint32_t ib_n;
  uint64_t ie_left;      /* busy cycles the input engine still owes */
  cc_emit *q;            /* [n] spike queue of the tick */
  uint32_t q_head, q_len, q_entry;
  sim_core_tick st;
} ccore;

/* ---- the interface ------------------------------------------------------------------ */

static void cc_reset(void *p) {
  ccore *k = p;
  const uint32_t n = k->mc->n;
  memset(k->acc, 0, sizeof *k->acc * k->m->img->arch.delay_slots * n);
  memset(k->u, 0, sizeof *k->u * n);
  memset(k->s, 0, n);
  k->ib_n = 0;
  k->ie_left = 0;
  k->q_head = k->q_len = k->q_entry = 0;
}

static void cc_set_hooks(void *p, const sim_core_hooks *hooks) {
  ((ccore *)p)->hooks = *hooks;
}

static void cc_tick_begin(void *p, uint32_t tick) {
  ccore *k = p;
  k->h = tick;
  k->c = 0;
  k->n_act = k->mc->act_n[tick];
  memset(k->pipe, 0, sizeof *k->pipe * k->m->img->arch.pipeline_depth);
  k->q_head = k->q_len = k->q_entry = 0;
  memset(&k->st, 0, sizeof k->st);
  k->st.ie_last = k->st.oe_last = -1;
}

static int cc_in_room(const void *p) {
  const ccore *k = p;
  return k->ib_n < k->m->img->arch.core_buffer;
}

static int cc_out_peek(const void *p, sim_packet *pk) {
  const ccore *k = p;
  if (k->q_head == k->q_len) return 0;
  const cc_emit *em = &k->q[k->q_head];
  const img_neuron *nr = &k->mc->ic->neurons[em->neuron];
  const img_fanout *f = &k->mc->ic->fanout[nr->fanout_start + k->q_entry];
  memset(pk, 0, sizeof *pk);
  pk->x = f->x;
  pk->y = f->y;
  pk->axon = f->axon;
  pk->dly = f->delay;
  pk->graded = (f->flags & IMG_FAN_GRADED) != 0;
  pk->payload = pk->graded ? em->payload : 0;
  return 1;
}

/* Output engine: one packet per cycle when the router had room at the start. */
static int oe_cycle(ccore *k, int oe_room) {
  if (k->q_head == k->q_len) return 0;
  if (!oe_room) {
    k->st.n.oe_stalls++;
    return 0;
  }
  k->st.n.packets++;
  k->st.n.oe_busy++;
  k->st.oe_last = (int64_t)k->c;
  const uint32_t count = k->mc->ic->neurons[k->q[k->q_head].neuron].fanout_count;
  if (++k->q_entry == count) {
    k->q_entry = 0;
    k->q_head++;
  }
  return 1;
}

/* Input engine: busy for 1 + ceil(n/L) cycles per packet. */
static void ie_cycle(ccore *k) {
  if (k->ie_left) {
    k->ie_left--;
    k->st.n.ie_busy++;
    k->st.n.in_waits += k->ib_n;
    return;
  }
  if (!k->ib_n) return;
  const sim_packet pk = k->ib[0];
  memmove(k->ib, k->ib + 1, sizeof *k->ib * --k->ib_n);
  sim_acc_packet(k->m, k->mc, k->acc, k->h, &pk, &k->st.n);
  k->st.n.ie_busy++;
  k->st.n.in_waits += k->ib_n;
  k->ie_left = k->mc->row_cycles;
  k->st.ie_last = (int64_t)(k->c + k->mc->row_cycles);
  k->st.ie_end = k->st.ie_last + 1;
}

/* Update engine: issue neuron c (if any), then retire the one issued S - 1 cycles ago. */
static void ue_cycle(ccore *k) {
  const uint32_t S = k->m->img->arch.pipeline_depth;
  if (k->c < k->n_act) {
    const uint32_t j = sim_active(k->mc, k->h, (uint32_t)k->c);
    const nrn_out o = sim_step_neuron(k->m, k->mc, k->acc, k->u, k->s, NULL, j, k->h);
    if (k->hooks.stepped) k->hooks.stepped(k->hooks.ctx, j, k->h, o.next.u, o.next.s);
    k->pipe[k->c % S] = (cc_stage){1, o.emit, j, o.payload};
    k->st.n.updates++;
  }
  if (k->n_act && k->c < (uint64_t)k->n_act + S - 1) k->st.n.ue_busy++;
  cc_stage *done = &k->pipe[(k->c + 1) % S];
  if (!done->valid) return;
  done->valid = 0;
  if (!done->emit) return;
  k->st.n.spikes++;
  if (k->hooks.emit) k->hooks.emit(k->hooks.ctx, done->neuron, k->h, k->c, done->payload);
  if (k->mc->ic->neurons[done->neuron].fanout_count)
    k->q[k->q_len++] = (cc_emit){done->neuron, done->payload};
}

static int cc_cycle(void *p, int oe_room, const sim_packet *in) {
  ccore *k = p;
  const int sent = oe_cycle(k, oe_room);
  ie_cycle(k);
  ue_cycle(k);
  if (in) {
    k->ib[k->ib_n] = *in;
    k->ib[k->ib_n++].t = (uint32_t)(k->c + 1);
  }
  k->c++;
  return sent;
}

static int cc_idle(const void *p) {
  const ccore *k = p;
  const uint64_t ue_end = k->n_act ? k->n_act + k->m->img->arch.pipeline_depth - 1 : 0;
  return k->c >= ue_end && k->q_head == k->q_len && !k->ie_left && !k->ib_n;
}

static void cc_tick_end(void *p, sim_core_tick *out) {
  ccore *k = p;
  k->st.update_phase = k->n_act ? k->n_act + k->m->img->arch.pipeline_depth - 1 : 0;
  *out = k->st;
}

static void cc_state(const void *p, uint32_t neuron, int32_t *u, uint8_t *s) {
  const ccore *k = p;
  *u = k->u[neuron];
  *s = k->s[neuron];
}

static void cc_destroy(void *p) {
  ccore *k = p;
  if (!k) return;
  glif_free(k->acc);
  glif_free(k->u);
  glif_free(k->s);
  glif_free(k->pipe);
  glif_free(k->ib);
  glif_free(k->q);
  glif_free(k);
}

const sim_core_ops sim_ccore_ops = {
    "c-model", cc_destroy,  cc_reset, cc_set_hooks, cc_tick_begin, cc_in_room,
    cc_out_peek, cc_cycle, cc_idle,  cc_tick_end, cc_state};

int sim_ccore_create(const sim_model *m, uint32_t index, void **out, glif_err *err) {
  const glif_arch *a = &m->img->arch;
  ccore *k = glif_calloc(1, sizeof *k);
  *out = NULL;
  if (!k) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  k->m = m;
  k->mc = &m->cores[index];
  const uint32_t n = k->mc->n;
  k->acc = glif_malloc(sizeof *k->acc * a->delay_slots * n);
  k->u = glif_malloc(sizeof *k->u * n);
  k->s = glif_malloc(n);
  k->pipe = glif_calloc(a->pipeline_depth, sizeof *k->pipe);
  k->ib = glif_malloc(sizeof *k->ib * a->core_buffer);
  k->q = glif_malloc(sizeof *k->q * n);
  if (!k->acc || !k->u || !k->s || !k->pipe || !k->ib || !k->q) {
    cc_destroy(k);
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for a core model");
  }
  cc_reset(k);
  *out = k;
  return 0;
}
