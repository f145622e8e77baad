/*
 * test_timing.c - cycle counts of tiny fabrics, computed by hand from docs/timing.md
 * (each test derives its numbers in a comment), checked in the event-driven engine
 * and, through ck_both, equal in the cycle-stepped engine.
 *
 * Default architecture (glif-256): S = 3 pipeline stages, R = 2 cycles per router,
 * L = 16 lanes, B = 4 packets per router buffer, Bc = 4 per core buffer, D = 4 delay
 * slots, barrier 100 cycles. A 16-neuron core reads a row in ceil(16/16) = 1 cycle, so
 * its input engine is busy 2 cycles per packet.
 */
#include <math.h>

#include "sim_check.h"
#include "sim_fixture.h"

/* Neuron that fires at every active step: no memory (k = 0), x' = bias = 10 > 5. */
static img_group firing(uint32_t first_tick) {
  return fx_group_spiking(0, 5, 10, first_tick);
}

static img_group readout(uint32_t first_tick) {
  img_group g = fx_group_spiking(FX_ONE, 0, 0, first_tick);
  g.p.kind = NRN_READOUT;
  return g;
}

/* ---- one packet over h hops ------------------------------------------------------------ */

/* Source (0,0), one neuron, fires in tick 0: issued in cycle 0, ready at the end of
 * cycle S-1 = 2, sent in cycle c = 3. Destination (h, 0), 16 readout neurons active
 * from tick 1, weight 1 on axon 0. The packet is in the destination's input buffer
 * from c + 1 + (h+1)R = 6 + 2h and is accumulated in cycles 6+2h .. 7+2h, so
 * E = 8 + 2h. Tick 1: 16 updates, E = 16 + S - 1 = 18. */
static void one_packet(uint16_t h) {
  fx f;
  fx_init(&f, 4, 1, 1, 2);
  img_core *a = fx_core_add(&f, 0, 0, 1, 0, 1);
  fx_set_group(a, 0, firing(0));
  fx_fan(&f, a, 0, h, 0, 0, 0, 0);
  img_core *b = fx_core_add(&f, h, 0, 16, 1, 1);
  fx_set_group(b, 0, readout(1));
  memset(b->crossbar, 1, 16);
  f.out[0] = (img_output){h, 0, 0, 0.5};
  f.img.n_outputs = 1;
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  const double x[1] = {0};
  ck_run k;
  ck_both(&k, &f.img, x);
  const sim_result *r = k.r;
  assert_int_equal(r->ticks[0].active, 8 + 2 * h);
  assert_int_equal(r->ticks[0].latency, 108 + 2 * h);
  assert_int_equal(r->ticks[0].update_phase, 3);
  assert_int_equal(r->ticks[0].delivery_end, 8 + 2 * h);
  assert_int_equal(r->ticks[1].active, 18);
  assert_int_equal(r->cycles, 108 + 2 * h + 118);
  const sim_counts *n = &r->ticks[0].n;
  assert_int_equal(n->updates, 1);
  assert_int_equal(n->spikes, 1);
  assert_int_equal(n->packets, 1);
  assert_int_equal(n->hops, h);
  assert_int_equal(n->row_reads, 1);
  assert_int_equal(n->synops, 16);
  assert_int_equal(n->macs, 0);
  assert_int_equal(n->router_stalls + n->oe_stalls + n->in_waits, 0);
  assert_int_equal(n->ue_busy, 3);
  assert_int_equal(n->ie_busy, 2);
  assert_int_equal(n->oe_busy, 1);
  for (uint16_t x0 = 0; x0 < 4; x0++)
    assert_int_equal(r->links[x0 * 4 + SIM_LINK_E], x0 < h);
  /* the readout integrated w << 0 = 1 once: u = 1, output 0.5 */
  assert_int_equal(r->readout_u[0], 1);
  assert_true(r->outputs[0] == 0.5);
  ck_end(&k);
  fx_free(&f);
}

static void test_one_packet_one_hop(void **s) { (void)s; one_packet(1); }
static void test_one_packet_three_hops(void **s) { (void)s; one_packet(3); }

/* Zero hops: a core sending to itself. Source = destination core (0,0) with 16
 * neurons: neuron 0 fires (its own group), 15 others are readouts that never fire.
 * n_act = 16: neuron 0 is issued in cycle 0, sent in cycle 3, in the buffer from
 * 3 + 1 + R = 6, accumulated 6..7: E = max(8, 16 + 3 - 1 = 18) = 18 - the update
 * phase dominates. */
static void test_self_packet(void **s) {
  (void)s;
  fx f;
  fx_init(&f, 2, 2, 1, 1);
  img_core *a = fx_core_add(&f, 0, 0, 16, 1, 2);
  fx_set_group(a, 0, firing(0));
  fx_set_group(a, 1, readout(0));
  for (uint32_t j = 1; j < 16; j++) a->neurons[j].group = 1;
  fx_fan(&f, a, 0, 0, 0, 0, 0, 0);
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  const double x[1] = {0};
  ck_run k;
  ck_both(&k, &f.img, x);
  assert_int_equal(k.r->ticks[0].active, 18);
  assert_int_equal(k.r->ticks[0].delivery_end, 8);
  assert_int_equal(k.r->ticks[0].n.hops, 0);
  assert_int_equal(k.r->ticks[0].n.row_reads, 1);
  ck_end(&k);
  fx_free(&f);
}

/* ---- contention ------------------------------------------------------------------------- */

/* A (0,0) sends in cycle 3 to D (2,0): (0,0).L from 4, eligible 5, granted east,
 * (1,0).W from 6, eligible 7. B (1,0) has 3 active neurons; neuron 2 fires, is issued
 * in cycle 2, ready at 4, sent in 5 to D: (1,0).L from 6, eligible 7. In cycle 7 the
 * east output of (1,0) has two candidates, Local and West; its round-robin pointer
 * starts as if West had been granted last, so Local (B's packet) wins and A's packet
 * stalls one cycle. B's: (2,0).W from 8, eligible 9, ejected 9, in D's buffer from 10,
 * accumulated 10..11. A's: granted 8, (2,0).W from 9, eligible 10, ejected 10, in D's
 * buffer from 11, waits one cycle for the input engine, accumulated 12..13: E = 14. */
static void test_two_packets_contend(void **s) {
  (void)s;
  fx f;
  fx_init(&f, 3, 1, 1, 2);
  img_core *a = fx_core_add(&f, 0, 0, 1, 0, 1);
  fx_set_group(a, 0, firing(0));
  fx_fan(&f, a, 0, 2, 0, 0, 0, 0);
  img_core *b = fx_core_add(&f, 1, 0, 3, 0, 2);
  fx_set_group(b, 1, firing(0));
  b->neurons[2].group = 1;
  fx_fan(&f, b, 2, 2, 0, 1, 0, 0);
  img_core *d = fx_core_add(&f, 2, 0, 16, 2, 1);
  fx_set_group(d, 0, readout(1));
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  const double x[1] = {0};
  ck_run k;
  ck_both(&k, &f.img, x);
  const sim_result *r = k.r;
  assert_int_equal(r->ticks[0].active, 14);
  assert_int_equal(r->ticks[0].update_phase, 5);
  assert_int_equal(r->cores[0].hops, 1);
  assert_int_equal(r->cores[1].hops, 2);
  assert_int_equal(r->cores[1].router_stalls, 1);
  assert_int_equal(r->cores[0].router_stalls + r->cores[2].router_stalls, 0);
  assert_int_equal(r->cores[2].in_waits, 1);
  assert_int_equal(r->cores[2].row_reads, 2);
  assert_int_equal(r->cores[2].ie_busy, 4);
  assert_int_equal(r->links[0 * 4 + SIM_LINK_E], 1);
  assert_int_equal(r->links[1 * 4 + SIM_LINK_E], 2);
  ck_end(&k);
  fx_free(&f);
}

/* ---- back-pressure ------------------------------------------------------------------------ */

/* A (0,0): one neuron with 10 fan-out entries to axons 0..9 of B (1,0), a 64-neuron
 * core (row read ceil(64/16) = 4 cycles: 5 cycles per packet). Uncontended, packet i
 * is sent in cycle 3+i, leaves (0,0) in 5+i, leaves (1,0) in 7+i and is in B's
 * buffer from 8+i. B's input engine pops packet m in cycle 8+5m and is never starved,
 * so E = 8 + 10*5 = 58.
 * B's buffer (4) holds packets 1..4 by cycle 12 and is full at the start of 12 and
 * 13 (packet 1 is popped in 13, free from 14): packet 5 leaves (1,0) in 14 instead
 * of 12 (2 stall cycles); packet i >= 5 then leaves in 5i - 11, one cycle after pop
 * i - 4: stalls 2, 6, 10, 14 and, for packet 9 which also reached (1,0) one cycle
 * late, 17: 49 at (1,0). Packet 9 waits one cycle at (0,0): (1,0).W holds 4 at the
 * start of 14 (packets 5..8; packet 5 leaves in 14). Input waits: pop - arrival =
 * 0, 4, 8, 12, 16, then 18 five times: 130. The output engine never stalls. */
static void test_back_pressure(void **s) {
  (void)s;
  fx f;
  fx_init(&f, 2, 1, 1, 2);
  img_core *a = fx_core_add(&f, 0, 0, 1, 0, 1);
  fx_set_group(a, 0, firing(0));
  for (uint16_t ax = 0; ax < 10; ax++) fx_fan(&f, a, 0, 1, 0, ax, 0, 0);
  img_core *b = fx_core_add(&f, 1, 0, 64, 10, 1);
  fx_set_group(b, 0, readout(1));
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  const double x[1] = {0};
  ck_run k;
  ck_both(&k, &f.img, x);
  const sim_result *r = k.r;
  assert_int_equal(r->ticks[0].active, 58);
  assert_int_equal(r->cores[0].router_stalls, 1);
  assert_int_equal(r->cores[1].router_stalls, 49);
  assert_int_equal(r->cores[1].in_waits, 130);
  assert_int_equal(r->cores[0].oe_stalls, 0);
  assert_int_equal(r->cores[0].packets, 10);
  assert_int_equal(r->cores[1].row_reads, 10);
  assert_int_equal(r->cores[1].ie_busy, 50);
  ck_end(&k);
  fx_free(&f);
}

/* The same with one-packet buffers everywhere (B = Bc = 1): now the output engine
 * stalls too. Packet i can only enter a buffer once the previous one has left it, so
 * the whole chain moves at the pace of B's input engine; the totals are checked
 * against the cycle-stepped engine and against E = 8 + 10*5 = 58, which still holds
 * (the input engine is never starved: a packet is always one hop away). */
static void test_back_pressure_tiny_buffers(void **s) {
  (void)s;
  fx f;
  fx_init(&f, 2, 1, 1, 2);
  f.img.arch.router_buffer = 1;
  f.img.arch.core_buffer = 1;
  img_core *a = fx_core_add(&f, 0, 0, 1, 0, 1);
  fx_set_group(a, 0, firing(0));
  for (uint16_t ax = 0; ax < 10; ax++) fx_fan(&f, a, 0, 1, 0, ax, 0, 0);
  img_core *b = fx_core_add(&f, 1, 0, 64, 10, 1);
  fx_set_group(b, 0, readout(1));
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  const double x[1] = {0};
  ck_run k;
  ck_both(&k, &f.img, x);
  assert_int_equal(k.r->ticks[0].active, 58);
  assert_true(k.r->cores[0].oe_stalls > 0);
  ck_end(&k);
  fx_free(&f);
}

/* ---- host input -------------------------------------------------------------------------- */

/* I/O port at the west input of (0,0). Element 0 = 3.0 -> payload 3 to A (0,0) axon 0;
 * element 1 = 0 sends nothing; element 2 = -2.0 -> payload -2 to C (2,1) axon 0. The
 * host sends one packet per cycle from cycle 0: element 0 in cycle 0 (0 hops: in A's
 * buffer from 0 + 1 + R = 3, accumulated 3..4), element 2 in cycle 1 (3 hops: in C's
 * buffer from 1 + 1 + 4R = 10, accumulated 10..11): E(tick 0) = 12. Step 2's packets
 * go out again in tick 1 (direct encoding repeats the image), whose update phase
 * (16 + 2 = 18) dominates; tick 2 has no host input. A's readout integrates 3 per
 * step (weight 1): u = 6 after its last step (tick 2); C's, with weight 2: -8. */
static void test_host_injection(void **s) {
  (void)s;
  fx f;
  fx_init(&f, 3, 2, 2, 3);
  img_core *a = fx_core_add(&f, 0, 0, 16, 2, 1);
  fx_set_group(a, 0, readout(1));
  a->axon_flags[0] = a->axon_flags[1] = IMG_AXON_GRADED;
  a->crossbar[0] = 1;
  img_core *c = fx_core_add(&f, 2, 1, 16, 1, 1);
  fx_set_group(c, 0, readout(1));
  c->axon_flags[0] = IMG_AXON_GRADED;
  c->crossbar[0] = 2;
  fx_input(&f, 0, 0, 0, 0, 0, 1);
  fx_input(&f, 1, 0, 0, 1, 0, 1);
  fx_input(&f, 2, 2, 1, 0, 0, 1);
  f.out[0] = (img_output){0, 0, 0, 0.5};
  f.out[1] = (img_output){2, 1, 0, 0.25};
  f.img.n_outputs = 2;
  fx_finish(&f, 3, IMG_ENC_DIRECT, 1.0);
  const double x[3] = {3.0, 0.0, -2.0};
  ck_run k;
  ck_both(&k, &f.img, x);
  const sim_result *r = k.r;
  assert_int_equal(r->ticks[0].active, 12);
  assert_int_equal(r->ticks[1].active, 18);
  assert_int_equal(r->ticks[2].active, 18);
  assert_int_equal(r->io.packets, 4);
  assert_int_equal(r->ticks[0].n.packets, 2);
  assert_int_equal(r->ticks[2].n.packets, 0);
  assert_int_equal(r->ticks[0].n.hops, 3);
  assert_int_equal(r->ticks[0].n.macs, 2);
  assert_int_equal(r->readout_u[0], 6);
  assert_int_equal(r->readout_u[1], -8);
  assert_true(r->outputs[0] == 3.0);
  assert_true(r->outputs[1] == -2.0);
  assert_int_equal(r->predicted, 0);
  ck_end(&k);
  fx_free(&f);
}

/* Payload quantisation: round half away from zero, clamp to +-(2^(P-1) - 1) = +-127. */
static void test_host_quantisation(void **s) {
  (void)s;
  fx f;
  fx_init(&f, 1, 1, 1, 2);
  img_core *a = fx_core_add(&f, 0, 0, 1, 6, 1);
  fx_set_group(a, 0, readout(1));
  for (int i = 0; i < 6; i++) {
    a->axon_flags[i] = IMG_AXON_GRADED;
    fx_input(&f, (uint32_t)i, 0, 0, (uint16_t)i, 0, 1);
  }
  fx_finish(&f, 6, IMG_ENC_DIRECT, 0.5);
  sim_model *m;
  glif_err err;
  assert_int_equal(sim_model_create(&m, &f.img, NULL, &err), 0);
  sim_host h;
  assert_int_equal(sim_host_create(&h, m, &err), 0);
  const double x[6] = {1.25, -1.25, 0.2, 1000.0, -1000.0, 0.3};
  /* /0.5: 2.5 -> 3, -2.5 -> -3, 0.4 -> 0 (nothing sent), 2000 -> 127, -127, 0.6 -> 1 */
  assert_int_equal(sim_host_fill(&h, m, x, &err), 0);
  uint32_t b, e;
  sim_host_range(&h, 1, 0, &b, &e);
  assert_int_equal(e - b, 5);
  const int32_t want[5] = {3, -3, 127, -127, 1};
  const uint16_t axon[5] = {0, 1, 3, 4, 5};
  for (int i = 0; i < 5; i++) {
    assert_int_equal(h.pk[b + i].payload, want[i]);
    assert_int_equal(h.pk[b + i].axon, axon[i]);
    assert_int_equal(h.pk[b + i].graded, 1);
  }
  sim_host_range(&h, 1, 1, &b, &e);
  assert_int_equal(e - b, 0);
  const double bad[6] = {0, 0, NAN, 0, 0, 0};
  assert_int_equal(sim_host_fill(&h, m, bad, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "input element 2"));
  sim_host_destroy(&h);
  sim_model_destroy(m);
  fx_free(&f);
}

/* ---- update phase ------------------------------------------------------------------------- */

/* n_act neurons and no spikes: the tick ends with the update phase, n_act + S - 1. */
static void update_phase(uint32_t n, uint32_t S) {
  fx f;
  fx_init(&f, 1, 1, 1, 1);
  f.img.arch.pipeline_depth = S;
  fx_core_add(&f, 0, 0, n, 0, 1);
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  const double x[1] = {0};
  ck_run k;
  ck_both(&k, &f.img, x);
  assert_int_equal(k.r->ticks[0].active, n + S - 1);
  assert_int_equal(k.r->ticks[0].update_phase, n + S - 1);
  assert_int_equal(k.r->ticks[0].n.ue_busy, n + S - 1);
  assert_int_equal(k.r->ticks[0].n.updates, n);
  assert_int_equal(k.r->ticks[0].delivery_end, 0);
  ck_end(&k);
  fx_free(&f);
}

static void test_update_phase(void **s) {
  (void)s;
  update_phase(10, 3);
  update_phase(1, 1);
  update_phase(200, 16);
}

/* A tick without active neurons or input: E = 0, latency = the barrier alone. */
static void test_empty_tick(void **s) {
  (void)s;
  fx f;
  fx_init(&f, 1, 1, 1, 3);
  fx_core_add(&f, 0, 0, 4, 0, 1); /* active in tick 0 only */
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  const double x[1] = {0};
  ck_run k;
  ck_both(&k, &f.img, x);
  assert_int_equal(k.r->ticks[0].active, 6);
  assert_int_equal(k.r->ticks[1].active, 0);
  assert_int_equal(k.r->ticks[1].latency, 100);
  assert_int_equal(k.r->ticks[2].latency, 100);
  assert_int_equal(k.r->cycles, 306);
  ck_end(&k);
  fx_free(&f);
}

/* ---- delays and windows --------------------------------------------------------------------- */

/* A (0,0) fires only at its first step (gain 0 afterwards, no memory) and sends to B
 * (1,0) with delay dly. B (no memory, theta 0) fires exactly when it integrates the
 * packet: in tick 0 + 1 + dly, from slot (1 + dly) mod D. */
static void delayed(uint8_t dly) {
  fx f;
  fx_init(&f, 2, 1, 6, 6);
  img_core *a = fx_core_add(&f, 0, 0, 1, 0, 1);
  fx_set_group(a, 0, firing(0));
  for (int t = 1; t < 32; t++) a->groups[0].gain[t] = 0;
  fx_fan(&f, a, 0, 1, 0, 0, dly, 0);
  img_core *b = fx_core_add(&f, 1, 0, 1, 1, 1);
  fx_set_group(b, 0, fx_group_spiking(0, 0, 0, 0));
  b->crossbar[0] = 1;
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  const double x[1] = {0};
  ck_run k;
  ck_both(&k, &f.img, x);
  assert_int_equal(k.log.n, 2);
  assert_int_equal(k.log.ev[0].core, 0);
  assert_int_equal(k.log.ev[0].tick, 0);
  assert_int_equal(k.log.ev[0].cycle, 2); /* issued in 0, ready at the end of S-1 */
  assert_int_equal(k.log.ev[1].core, 1);
  assert_int_equal(k.log.ev[1].tick, 1 + dly);
  ck_end(&k);
  fx_free(&f);
}

static void test_delay_slots(void **s) {
  (void)s;
  delayed(0);
  delayed(1);
  delayed(2); /* the largest delay of D = 4 slots */
}

/* A group with first_tick 2 and T = 3 is stepped in ticks 2, 3, 4 only; its neuron
 * (firing at every active step) emits exactly then. */
static void test_window_boundaries(void **s) {
  (void)s;
  fx f;
  fx_init(&f, 1, 1, 3, 6);
  img_core *a = fx_core_add(&f, 0, 0, 5, 0, 2);
  fx_set_group(a, 0, firing(2));
  fx_set_group(a, 1, fx_group_spiking(0, 5, 10, 0));
  a->neurons[4].group = 1; /* neuron 4: window 0 .. 2 */
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  const double x[1] = {0};
  ck_run k;
  ck_both(&k, &f.img, x);
  const uint64_t updates[6] = {1, 1, 5, 4, 4, 0};
  for (int h = 0; h < 6; h++) {
    assert_int_equal(k.r->ticks[h].n.updates, updates[h]);
    assert_int_equal(k.r->ticks[h].n.spikes, updates[h]);
  }
  /* tick 3: neurons 0..3 active (4 updates), issued in cycles 0..3 */
  assert_int_equal(k.r->ticks[3].active, 4 + 2);
  ck_end(&k);
  fx_free(&f);
}

/* Saturating accumulation, per packet: two packets of w << M = 100 << 6 = 6400 into a
 * 14-bit accumulator (-8192 .. 8191): the first adds 6400, the second saturates. */
static void test_saturation(void **s) {
  (void)s;
  fx f;
  fx_init(&f, 2, 1, 1, 2);
  f.img.arch.acc_bits = 14;
  img_core *a = fx_core_add(&f, 0, 0, 1, 0, 1);
  fx_set_group(a, 0, firing(0));
  fx_fan(&f, a, 0, 1, 0, 0, 0, 0);
  fx_fan(&f, a, 0, 1, 0, 1, 0, 0);
  img_core *b = fx_core_add(&f, 1, 0, 2, 2, 1);
  img_group g = readout(1);
  g.shift = 6;
  fx_set_group(b, 0, g);
  b->crossbar[0] = 100;  /* axon 0, neuron 0 */
  b->crossbar[1] = -100; /* axon 0, neuron 1 */
  b->crossbar[2] = 100;
  b->crossbar[3] = -100;
  f.out[0] = (img_output){1, 0, 0, 1.0};
  f.out[1] = (img_output){1, 0, 1, 1.0};
  f.img.n_outputs = 2;
  fx_finish(&f, 1, IMG_ENC_DIRECT, 1.0);
  const double x[1] = {0};
  ck_run k;
  ck_both(&k, &f.img, x);
  assert_int_equal(k.r->readout_u[0], 8191);
  assert_int_equal(k.r->readout_u[1], -8192);
  assert_int_equal(k.r->ticks[0].n.synops, 4);
  ck_end(&k);
  fx_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_packet_one_hop),
      cmocka_unit_test(test_one_packet_three_hops),
      cmocka_unit_test(test_self_packet),
      cmocka_unit_test(test_two_packets_contend),
      cmocka_unit_test(test_back_pressure),
      cmocka_unit_test(test_back_pressure_tiny_buffers),
      cmocka_unit_test(test_host_injection),
      cmocka_unit_test(test_host_quantisation),
      cmocka_unit_test(test_update_phase),
      cmocka_unit_test(test_empty_tick),
      cmocka_unit_test(test_delay_slots),
      cmocka_unit_test(test_window_boundaries),
      cmocka_unit_test(test_saturation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
