/*
 * drc.c - the design-rule checks: does the lowered network fit the architecture?
 *
 *   lower -> DRC -> partition -> place -> route -> emit
 *
 * Every rule works from analytic counts, before any core is filled, so a model that
 * cannot fit fails in seconds. All problems are collected and reported at once (one
 * line each, "DRC <rule>: what (the numbers) - what to do"); facts worth knowing that
 * are not errors (partial sums, parallel synapses, group sharing) become notes in the
 * summary and compile.json. The mesh rule asks the partitioner for its plan, which is
 * analytic too, so it reports the exact number of cores the compile would use.
 *
 * Rules: steps, delay, shift, names, fanin, weight, payload, groups, neurons,
 * crossbar, fanout, mesh (docs/compiler.md lists every message).
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "compile.h"
#include "lower.h"
#include "map.h"

typedef struct drc {
  cc_ctx *ctx;
  glif_err *err;
  int n_errors;
} drc;

/* One problem; the first one sets the error's position (its model layer, if known). */
static void problem(drc *d, int pop, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(drc *d, int pop, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (d->n_errors++ == 0) {
    const ir_model *m = d->ctx->model;
    const ir_pop *p = pop >= 0 ? &d->ctx->net->pops[pop] : NULL;
    ir_pos pos = {0, 0};
    if (m && p && p->layer >= 0 && p->layer < m->n_layers) pos = m->layers[p->layer].pos;
    glif_errf(d->err, GLIF_EFIT, d->ctx->opt ? d->ctx->opt->model_path : NULL, pos.line,
              pos.col, "%s", line);
  } else {
    glif_err_append(d->err, GLIF_EFIT, "%s", line);
  }
}

static const char *num(int64_t v, char *buf) { return lw_group_digits(v, buf, 32); }

static int64_t smax(unsigned bits) { return ((int64_t)1 << (bits - 1)) - 1; }

/* ---- rules on the network ---------------------------------------------------------- */

static void rule_steps(drc *d) {
  const glif_arch *a = &d->ctx->arch;
  if (d->ctx->lowered->T > (int)a->max_steps)
    problem(d, -1, "DRC steps: the model runs T = %d steps, the gain tables hold %u "
            "(max_steps) - use an architecture with max_steps >= %d or fewer timesteps",
            d->ctx->lowered->T, a->max_steps, d->ctx->lowered->T);
}

static void rule_delay(drc *d) {
  const ir_net *net = d->ctx->net;
  const int dmax = (int)d->ctx->arch.delay_slots - 2;
  for (int i = 0; i < net->n_projs; i++) {
    const ir_proj *p = &net->projs[i];
    if (p->dly < 0)
      problem(d, p->dst, "DRC delay: projection '%s' (%s -> %s) has delay %d, below 0 - "
              "this is a bug in the schedule", p->name, net->pops[p->src].name,
              net->pops[p->dst].name, p->dly);
    else if (p->dly > dmax)
      problem(d, p->dst, "DRC delay: projection '%s' (%s -> %s) needs a delay of %d "
              "tick%s, cores have %u delay slots (largest delay %d) - use an architecture "
              "with delay_slots >= %d", p->name, net->pops[p->src].name,
              net->pops[p->dst].name, p->dly, p->dly == 1 ? "" : "s",
              d->ctx->arch.delay_slots, dmax, p->dly + 2);
  }
}

static void rule_shift_names(drc *d) {
  const lw_net *n = d->ctx->lowered;
  const glif_arch *a = &d->ctx->arch;
  for (int i = 0; i < n->n_layers; i++) {
    const lw_layer *L = &n->layers[i];
    if (strlen(L->name) >= IMG_LAYER_NAME_MAX)
      problem(d, L->pop, "DRC names: layer name '%.40s...' has %zu characters, the image "
              "holds %u - shorten it", L->name, strlen(L->name), IMG_LAYER_NAME_MAX - 1);
    for (int s = 0; s < L->n_psets; s++)
      if (L->psets[s].shift > a->shift_max) {
        problem(d, L->pop, "DRC shift: layer '%s' uses weight shift M = %u, cores allow up "
                "to %u - use an architecture with shift_max >= %u", L->name,
                L->psets[s].shift, a->shift_max, L->psets[s].shift);
        break;
      }
  }
}

/* "conv2+bn2, bn4": the distinct projections of a layer's terms, for messages. */
static const char *inputs_of(const lw_layer *L, char *buf, size_t len) {
  size_t at = 0;
  buf[0] = '\0';
  for (int t = 0; t < L->n_terms; t++) {
    const ir_proj *p = L->terms[t].proj;
    int seen = !p || !p->name;
    for (int u = 0; !seen && u < t; u++) seen = L->terms[u].proj == p;
    if (!seen && at < len)
      at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", p->name);
  }
  return buf;
}

/* Fan-in: relays planned by the schedule become a note; anything else that does not
 * fit is an error. */
static void rule_fanin(drc *d, const lw_layer *L) {
  const lw_net *n = d->ctx->lowered;
  const uint32_t axons = d->ctx->arch.axons;
  char b1[32], b2[32], in[200];
  if (L->kind == NRN_RELAY) {
    const lw_layer *T = &n->layers[L->relay_for];
    if (L->fanin_total <= axons)
      lw_note(d->ctx, "DRC fanin: layer '%s' was scheduled with partial sums although its "
              "%s axons per neuron fit the cores' %u; it gets one partial-sum group",
              T->name, num(L->fanin_total, b1), axons);
    else
      lw_note(d->ctx, "DRC fanin: layer '%s' (input %s) needs %s axons per neuron, cores "
              "have %u; it will be split into %d partial-sum groups ('%s', %s relay "
              "neurons)", T->name, inputs_of(L, in, sizeof in), num(L->fanin_total, b1),
              axons, L->n_chunks, L->name, num(L->n, b2));
    if (L->unit_too_big)
      problem(d, L->pop, "DRC fanin: one source channel of layer '%s' alone needs more "
              "than %u axons per neuron (kernel taps x parallel copies), so no partial-sum "
              "split fits - use an architecture with more axons per core", T->name, axons);
    return;
  }
  if (L->relay_layer < 0 && L->fanin > axons)
    problem(d, L->pop, "DRC fanin: layer '%s' needs %s axons per neuron, cores have %u, "
            "and the schedule did not plan partial sums for it (relay = 0) - this is a "
            "bug in the schedule", L->name, num(L->fanin, b1), axons);
}

static void rule_weight(drc *d, const lw_layer *L) {
  char b1[32], b2[32];
  if (L->big_weights)
    lw_note(d->ctx, "DRC weight: layer '%s' has %s weights above the crossbar's +-%d "
            "(largest |w| = %lld): split into parallel synapses, %s extra synapse copies",
            L->name, num(L->big_weights, b1), d->ctx->lowered->wmax, (long long)L->wq_max,
            num(L->copies_extra, b2));
}

static void rule_payload(drc *d) {
  const lw_net *n = d->ctx->lowered;
  const glif_arch *a = &d->ctx->arch;
  const ir_pop *in = &d->ctx->net->pops[0];
  char b1[32], b2[32];
  /* the image's input map says payload_in_bits: the host clamps to that width, so the
   * quantiser must have used exactly it */
  if (in->encoding == IR_ENC_DIRECT && in->payload_bits != (int)a->payload_in_bits)
    problem(d, 0, "DRC payload: the input is quantised to %d-bit payloads, input packets "
            "carry %u bits - quantise for this architecture (payload_in_bits)",
            in->payload_bits, a->payload_in_bits);
  int64_t lim = smax(a->payload_sum_bits);
  if (smax(a->acc_bits) < lim) lim = smax(a->acc_bits);
  if (smax(a->membrane_bits) < lim) lim = smax(a->membrane_bits);
  for (int i = 0; i < n->n_layers; i++) {
    const lw_layer *L = &n->layers[i];
    if (L->kind == NRN_RELAY && L->psum_worst > lim)
      problem(d, L->pop, "DRC payload: a partial sum of '%s' can reach %s membrane units, "
              "relays carry at most %s (payload_sum_bits %u, acc_bits %u, membrane_bits "
              "%u) - use an architecture with payload_sum_bits >= %d and wider "
              "accumulator and membrane", L->name, num(L->psum_worst, b1), num(lim, b2),
              a->payload_sum_bits, a->acc_bits, a->membrane_bits,
              (int)ceil(log2((double)L->psum_worst + 1.0)) + 1);
  }
}

static void rule_groups(drc *d, const lw_layer *L) {
  if (L->n_psets > (int)d->ctx->arch.groups && L->kind != NRN_RELAY)
    lw_note(d->ctx, "DRC groups: layer '%s' has %d parameter sets, cores hold %u groups: "
            "at most %u of its channels share a core", L->name, L->n_psets,
            d->ctx->arch.groups, d->ctx->arch.groups);
}

/* Chip-wide capacities: lower bounds whatever the partition. */
static void rule_capacity(drc *d) {
  const lw_net *n = d->ctx->lowered;
  const glif_arch *a = &d->ctx->arch;
  const int64_t cores = (int64_t)a->mesh_x * a->mesh_y;
  int64_t cells = n->psum_synapses;
  char b1[32], b2[32];
  for (int i = 0; i < n->n_layers; i++)
    cells += n->layers[i].kind == NRN_RELAY || n->layers[i].relay_layer < 0
                 ? n->layers[i].synapses + n->layers[i].copies_extra : 0;
  if (n->neurons > cores * a->neurons)
    problem(d, -1, "DRC neurons: the network has %s neurons (%s of them relays), the chip "
            "holds %s (%lld cores x %u) - use a larger mesh or larger cores",
            num(n->neurons, b1), num(n->relay_neurons, b2),
            lw_group_digits(cores * a->neurons, (char[32]){0}, 32), (long long)cores,
            a->neurons);
  if (cells > cores * (int64_t)a->axons * a->neurons)
    problem(d, -1, "DRC crossbar: the network has %s synapses (parallel copies included), "
            "the chip's crossbars hold %s (%lld cores x %u x %u) - use a larger mesh or "
            "larger cores", num(cells, b1),
            num(cores * (int64_t)a->axons * a->neurons, b2), (long long)cores, a->axons,
            a->neurons);
}

/* ---- rules on the partitioner's plan ---------------------------------------------- */

/* Where the cores go: the three layers with the most, and their tile shapes. */
static void biggest_layers(drc *d) {
  const lw_net *n = d->ctx->lowered;
  const map_result *m = d->ctx->map;
  int top[3] = {-1, -1, -1};
  char b1[32];
  for (int i = 0; i < n->n_layers; i++)
    for (int k = 0; k < 3; k++)
      if (top[k] < 0 || m->plan[i].n_tiles > m->plan[top[k]].n_tiles) {
        for (int j = 2; j > k; j--) top[j] = top[j - 1];
        top[k] = i;
        break;
      }
  for (int k = 0; k < 3 && top[k] >= 0; k++) {
    const map_plan *p = &m->plan[top[k]];
    lw_note(d->ctx, "DRC mesh: layer '%s' takes %s cores (tiles of %d channels x %d x %d, "
            "up to %lld axons)", n->layers[top[k]].name, num(p->n_tiles, b1), p->tc, p->ty,
            p->tx, (long long)p->rows_bound);
  }
}

static void rule_plan(drc *d) {
  const lw_net *n = d->ctx->lowered;
  const map_result *m = d->ctx->map;
  const glif_arch *a = &d->ctx->arch;
  char b1[32], b2[32];
  for (int i = 0; i < n->n_layers; i++) {
    const map_plan *p = &m->plan[i];
    if (p->fanout_limited)
      lw_note(d->ctx, "DRC fanout: layer '%s' has cores of up to %lld fan-out entries (%u "
              "allowed), so its tiles hold %d neurons instead of %lld", n->layers[i].name,
              (long long)p->fanout_max, a->fanout_entries, p->tc * p->ty * p->tx,
              (long long)p->fanout_limited);
    if (p->fail & MAP_FAIL_FANOUT)
      problem(d, n->layers[i].pop, "DRC fanout: a neuron of layer '%s' needs %s fan-out "
              "entries, cores have %u - use an architecture with fanout_entries >= %lld",
              n->layers[i].name, num(p->fanout_max, b1), a->fanout_entries,
              (long long)p->fanout_max);
    else if (p->fail & MAP_FAIL_ROWS && d->n_errors == 0)
      problem(d, n->layers[i].pop, "DRC fanin: a neuron of layer '%s' needs %s axons, "
              "cores have %u - use an architecture with more axons per core",
              n->layers[i].name, num(p->rows_bound, b1), a->axons);
  }
  const int64_t cores = (int64_t)a->mesh_x * a->mesh_y;
  if (m->n_tiles > cores) {
    const int64_t side = (int64_t)ceil(sqrt((double)m->n_tiles));
    problem(d, -1, "DRC mesh: the network needs %s%s cores, the mesh has %s (%u x %u); "
            "use an architecture with a mesh of at least %lld x %lld, or larger cores",
            m->quick ? "at least " : "", num(m->n_tiles, b1), num(cores, b2), a->mesh_x,
            a->mesh_y, (long long)side, (long long)side);
    biggest_layers(d);
  }
}

int cc_pass_drc(cc_ctx *ctx, glif_err *err) {
  if (!ctx->lowered)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "drc: run lower first");
  drc d = {ctx, err, 0};
  rule_steps(&d);
  rule_delay(&d);
  rule_shift_names(&d);
  for (int i = 0; i < ctx->lowered->n_layers; i++) {
    const lw_layer *L = &ctx->lowered->layers[i];
    rule_fanin(&d, L);
    rule_weight(&d, L);
    rule_groups(&d, L);
  }
  rule_payload(&d);
  const int before = d.n_errors;
  rule_capacity(&d);
  /* Planning is analytic: run it even after errors, for the mesh rule; when the chip's
   * capacity is already exceeded, only its fast lower bound. */
  glif_err perr;
  glif_err_clear(&perr);
  if (map_plan_all(ctx, d.n_errors > before, &perr))
    return glif_errf(err, perr.code, NULL, 0, 0, "%s", perr.msg);
  rule_plan(&d);
  return d.n_errors ? err->code : 0;
}
