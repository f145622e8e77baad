/*
 * test_core.cpp - directed tests of the verilated neuron core (rtl/glif_core.v) with
 * cycle counts worked out by hand from docs/timing.md. Every test runs three core
 * models on the same packets and compares them cycle by cycle: the RTL, the simulator's
 * C core model (simulator/sim_ccore.c through sim_core_ops) and a small C++ reference
 * written from docs/timing.md alone (core_ref.hpp); then the same on random
 * configurations and packet streams.
 *
 * Two builds of the core: Vglif_core with the default (glif-256) parameters, the one
 * the RTL backend uses (L = 16, S = 3, Bc = 4, D = 4), and Vcore_small with S = 1, a
 * non-power-of-two D (3) and L (6), Bc = 2 and narrow widths, where saturation and
 * back-pressure happen all the time.
 */
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <cmocka.h>
}

#include "Vcore_small.h"
#include "Vcore_small_params.h"
#include "Vglif_core.h"
#include "Vglif_core_params.h"
#include "core_fixture.hpp"
#include "core_ref.hpp"
#include "fabric/mem.h"
#include "rtl_drive.hpp"
#include "simulator/sim_core.h"

namespace {

const rtl_params kBig = RTL_PARAMS_OF(Vglif_core);
const rtl_params kSmall = RTL_PARAMS_OF(Vcore_small);
const uint32_t kOne = 1u << 15;  // 1.0 in UQ1.15 (the default F)

// The simulator's C core model (sim_ccore) behind the same interface as rtl::Driver.
class SimCore {
 public:
  explicit SimCore(const img_image *img) {
    glif_err err;
    if (sim_model_create(&m_, img, NULL, &err) || sim_ccore_create(m_, 0, &core_, &err))
      fail_msg("the simulator refused the test image: %s", err.msg);
  }
  ~SimCore() {
    if (core_) sim_ccore_ops.destroy(core_);
    sim_model_destroy(m_);
  }
  SimCore(const SimCore &) = delete;
  SimCore &operator=(const SimCore &) = delete;
  void reset() { sim_ccore_ops.reset(core_); }
  void set_hooks(const rtl_hooks *h) {
    const sim_core_hooks k = {h->ctx, h->emit, h->stepped};
    sim_ccore_ops.set_hooks(core_, &k);
  }
  void tick_begin(uint32_t h) {
    c_ = 0;
    sim_ccore_ops.tick_begin(core_, h);
  }
  bool in_room() const { return sim_ccore_ops.in_room(core_); }
  bool idle() const { return sim_ccore_ops.idle(core_); }
  bool out_peek(rtl_packet *p) const {
    sim_packet q;
    if (!sim_ccore_ops.out_peek(core_, &q)) return false;
    *p = rtl_packet{q.x, q.y, q.axon, q.dly, q.graded, q.payload};
    return true;
  }
  bool cycle(bool room, const rtl_packet *in) {
    sim_packet q{};
    if (in) q = sim_packet{in->x, in->y, in->axon, in->dly, in->graded, in->payload, 0};
    c_++;
    return sim_ccore_ops.cycle(core_, room, in ? &q : nullptr);
  }
  void tick_end(rtl_tick_stats *o) {
    sim_core_tick t;
    sim_ccore_ops.tick_end(core_, &t);
    *o = rtl_tick_stats{t.update_phase, t.ie_last, t.oe_last, c_, t.n.ue_busy, t.n.ie_busy,
                        t.n.oe_busy, t.n.oe_stalls, t.n.in_waits, t.n.synops, t.n.macs,
                        t.n.row_reads, t.n.updates, t.n.spikes, t.n.packets};
  }
  void state(uint32_t j, int32_t *u, uint8_t *s) const { sim_ccore_ops.state(core_, j, u, s); }

 private:
  sim_model *m_ = nullptr;
  void *core_ = nullptr;
  uint64_t c_ = 0;
};

// The RTL core, the simulator's core model and the reference, loaded with the same
// image, run side by side.
template <class M>
struct Pair {
  rtl::Driver<rtl::CcModel<M>> rtl;
  ref::Core ref;
  SimCore sim;
  fx::Log lr, lf, ls;
  const img_image *img;

  Pair(const rtl_params &p, fx::CoreImage &ci)
      : rtl(p), ref(p, ci.image(), 0), sim(&ci.img), img(&ci.img) {
    rtl_cfg *w = nullptr;
    size_t n = 0;
    glif_err err;
    assert_int_equal(rtl_check_fit(&p, img, 0, &err), 0);
    assert_int_equal(rtl_config_words(img, 0, &w, &n, &err), 0);
    rtl.configure(w, n);
    glif_free(w);
    rtl.reset();
    ref.reset();
    sim.reset();
    const rtl_hooks hr = lr.hooks(), hf = lf.hooks(), hs = ls.hooks();
    rtl.set_hooks(&hr);
    ref.set_hooks(&hf);
    sim.set_hooks(&hs);
  }

  // One tick on all three; everything observable must agree. Returns the RTL's trace.
  template <class Ready>
  fx::TickTrace tick(uint32_t h, const std::vector<fx::Arrival> &arr, Ready ready) {
    for (fx::Log *l : {&lr, &lf, &ls}) l->lines.clear(), l->emits.clear();
    const fx::TickTrace a = fx::run_tick(rtl, h, arr, ready);
    const fx::TickTrace b = fx::run_tick(ref, h, arr, ready);
    const fx::TickTrace c = fx::run_tick(sim, h, arr, ready);
    compare(h, a, b, lf, ref);
    compare(h, a, c, ls, sim);
    return a;
  }

  template <class X>
  void compare(uint32_t h, const fx::TickTrace &a, const fx::TickTrace &b, const fx::Log &lb,
               X &other) {
    assert_int_equal(a.violations, 0);
    assert_string_equal(fx::stats_str(a.st).c_str(), fx::stats_str(b.st).c_str());
    assert_true(a.room == b.room);
    assert_true(a.idle == b.idle);
    assert_true(a.sent == b.sent);
    assert_true(a.accepted == b.accepted);
    assert_true(a.out_cycle == b.out_cycle);
    assert_int_equal(a.out.size(), b.out.size());
    for (size_t i = 0; i < a.out.size(); i++)
      assert_string_equal(fx::packet_str(a.out[i]).c_str(), fx::packet_str(b.out[i]).c_str());
    assert_int_equal(lr.lines.size(), lb.lines.size());
    for (size_t i = 0; i < lr.lines.size(); i++)
      assert_string_equal(lr.lines[i].c_str(), lb.lines[i].c_str());
    assert_int_equal(lr.emits.size(), lb.emits.size());
    for (size_t i = 0; i < lr.emits.size(); i++)
      assert_string_equal(lr.emits[i].c_str(), lb.emits[i].c_str());
    for (uint32_t j = 0; j < img->cores[0].n_neurons; j++) {
      int32_t u1, u2;
      uint8_t s1, s2;
      rtl.state(j, &u1, &s1);
      other.state(j, &u2, &s2);
      if (u1 != u2 || s1 != s2)
        fail_msg("tick %u neuron %u: RTL u=%d s=%u, other model u=%d s=%u", h, j, u1, s1, u2,
                 s2);
    }
    assert_int_equal(rtl.errors(), 0);
  }

  int32_t u(uint32_t j) {
    int32_t v;
    uint8_t s;
    rtl.state(j, &v, &s);
    return v;
  }
};

bool always(uint64_t) { return true; }

rtl_packet binary(uint16_t axon, uint8_t dly) { return rtl_packet{0, 0, axon, dly, 0, 0}; }
rtl_packet graded(uint16_t axon, uint8_t dly, int32_t pay) {
  return rtl_packet{0, 0, axon, dly, 1, pay};
}

// 40 neurons in one readout group outside its window in tick 0 (the update engine
// stays idle); axon 0 has weight 1 on the 20 even columns.
fx::CoreImage input_only(const rtl_params &p) {
  fx::CoreImage ci(p, 40, 4, 1);
  const uint32_t one = 1u << p.f;
  ci.add_group(one, one, 0, 0, 0, 0, NRN_READOUT, 0, 5, one);
  for (uint32_t j = 0; j < 40; j += 2) ci.weight(0, j, 1);
  return ci;
}

}  // namespace

/* ---- input engine ----------------------------------------------------------------- */

// One packet: buffer from cycle 1, axon lookup in 1, 3 chunks of 16 columns in 2..4.
static void test_one_packet(void **) {
  fx::CoreImage ci = input_only(kBig);
  Pair<Vglif_core> x(kBig, ci);
  const fx::TickTrace t = x.tick(0, {{0, binary(0, 0)}}, always);
  assert_true(t.idle == std::vector<int>({1, 0, 0, 0, 0}));
  assert_int_equal(t.st.cycles, 5);
  assert_int_equal(t.st.ie_last, 4);
  assert_int_equal(t.st.ie_busy, 4);
  assert_int_equal(t.st.row_reads, 1);
  assert_int_equal(t.st.synops, 20);
  assert_int_equal(t.st.update_phase, 0);
  assert_int_equal(t.st.in_waits, 0);
}

// Back-to-back packets: the input engine pops every 1 + 3 cycles.
static void test_back_to_back(void **) {
  fx::CoreImage ci = input_only(kBig);
  Pair<Vglif_core> x(kBig, ci);
  const fx::TickTrace t =
      x.tick(0, {{0, binary(0, 0)}, {1, binary(0, 0)}, {2, binary(0, 0)}}, always);
  assert_true(t.accepted == std::vector<uint64_t>({0, 1, 2}));
  assert_int_equal(t.st.ie_last, 12);  // pops in 1, 5, 9; last chunk in 12
  assert_int_equal(t.st.ie_busy, 12);
  assert_int_equal(t.st.cycles, 13);
  assert_int_equal(t.st.row_reads, 3);
  assert_int_equal(t.st.in_waits, 9);  // packet 2: cycles 2..4, packet 3: 3..8
  assert_int_equal(t.st.synops, 60);
}

// Ten packets offered at once: the 4-entry buffer fills and in_ready drops.
static void test_buffer_full(void **) {
  fx::CoreImage ci = input_only(kBig);
  Pair<Vglif_core> x(kBig, ci);
  std::vector<fx::Arrival> arr(10, fx::Arrival{0, binary(0, 0)});
  const fx::TickTrace t = x.tick(0, arr, always);
  const std::vector<int> room(t.room.begin(), t.room.begin() + 15);
  assert_true(room == std::vector<int>({1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}));
  assert_true(t.accepted == std::vector<uint64_t>({0, 1, 2, 3, 4, 6, 10, 14, 18, 22}));
  assert_int_equal(t.st.ie_last, 40);
  assert_int_equal(t.st.row_reads, 10);
}

// S = 1, Bc = 2, L = 6: 40 columns are 7 chunks; the buffer is full after 2 packets.
static void test_small_core_packets(void **) {
  fx::CoreImage ci = input_only(kSmall);
  Pair<Vcore_small> x(kSmall, ci);
  std::vector<fx::Arrival> arr(4, fx::Arrival{0, binary(0, 0)});
  const fx::TickTrace t = x.tick(0, arr, always);
  // pops in 1, 9, 17, 25; room: c0 c1 c2 (count 0,1,1) then full until a pop
  assert_true(t.accepted == std::vector<uint64_t>({0, 1, 2, 10}));
  assert_int_equal(t.st.ie_last, 32);
  assert_int_equal(t.st.ie_busy, 32);
}

/* ---- update engine ---------------------------------------------------------------- */

// 40 active neurons, S = 3: update phase 40 + 3 - 1.
static void test_update_phase(void **) {
  fx::CoreImage ci(kBig, 40, 1, 1);
  ci.add_group(kOne, kOne, 0, 0, 0, 0, NRN_READOUT, 0, 0, kOne);
  Pair<Vglif_core> x(kBig, ci);
  const fx::TickTrace t = x.tick(0, {}, always);
  assert_int_equal(t.st.update_phase, 42);
  assert_int_equal(t.st.ue_busy, 42);
  assert_int_equal(t.st.updates, 40);
  assert_int_equal(t.st.cycles, 42);
  assert_int_equal(x.lr.lines.size(), 40);
}

// Only the neurons of active groups are issued, back to back, in index order.
static void test_update_sparse_groups(void **) {
  fx::CoreImage ci(kBig, 40, 1, 1);
  ci.add_group(kOne, kOne, 0, 0, 0, 0, NRN_READOUT, 0, 3, kOne);  // inactive in tick 0
  const uint16_t g1 = ci.add_group(kOne, kOne, 0, 0, 0, 0, NRN_READOUT, 0, 0, kOne);
  for (uint32_t j : {3u, 9u, 17u, 30u, 31u, 38u, 39u}) ci.neurons[j].group = g1;
  Pair<Vglif_core> x(kBig, ci);
  const fx::TickTrace t = x.tick(0, {}, always);
  assert_int_equal(t.st.update_phase, 9);
  assert_int_equal(t.st.updates, 7);
  assert_string_equal(x.lr.lines[0].c_str(), "tick 0 stepped neuron 3 u 0 s 0");
  assert_string_equal(x.lr.lines[6].c_str(), "tick 0 stepped neuron 39 u 0 s 0");
}

// S = 1: the update phase is exactly n_act.
static void test_update_phase_s1(void **) {
  fx::CoreImage ci(kSmall, 40, 1, 1);
  ci.add_group(1u << kSmall.f, 0, 0, 0, 0, 0, NRN_READOUT, 0, 0, 1u << kSmall.f);
  Pair<Vcore_small> x(kSmall, ci);
  const fx::TickTrace t = x.tick(0, {}, always);
  assert_int_equal(t.st.update_phase, 40);
  assert_int_equal(t.st.cycles, 40);
}

// Groups are active only in ticks first_tick .. first_tick + T - 1.
static void test_window(void **) {
  fx::CoreImage ci(kBig, 5, 1, 2);
  ci.n_ticks = 6;
  ci.add_group(kOne, kOne, 0, 0, 0, 0, NRN_READOUT, 0, 2, kOne);
  Pair<Vglif_core> x(kBig, ci);
  const uint64_t want[6] = {0, 0, 5, 5, 0, 0};
  for (uint32_t h = 0; h < 6; h++) {
    const fx::TickTrace t = x.tick(h, {}, always);
    assert_int_equal(t.st.updates, want[h]);
    assert_int_equal(t.st.update_phase, want[h] ? 7 : 0);
  }
}

/* ---- output engine ---------------------------------------------------------------- */

// Neuron 0 spikes in tick 0: write-back at the end of cycle 2 (S = 3), first packet
// offered in 3; the router has no room before cycle 5: sent in 5, 6, 7.
static void test_emission_backpressure(void **) {
  fx::CoreImage ci(kBig, 1, 8, 1);
  ci.add_group(0, 0, 0, 0, 10, 100, NRN_SPIKING, 0, 0, kOne);
  ci.fan(0, {{1, 1, 5, 0, 0}, {1, 1, 7, 1, 0}, {1, 1, 0, 2, 0}});
  Pair<Vglif_core> x(kBig, ci);
  const fx::TickTrace t = x.tick(0, {}, [](uint64_t c) { return c >= 5; });
  assert_true(t.out_cycle == std::vector<uint64_t>({5, 6, 7}));
  assert_string_equal(fx::packet_str(t.out[0]).c_str(), "(1,1) axon 5 dly 0 graded 0 payload 0");
  assert_string_equal(fx::packet_str(t.out[1]).c_str(), "(1,1) axon 7 dly 1 graded 0 payload 0");
  assert_string_equal(fx::packet_str(t.out[2]).c_str(), "(1,1) axon 0 dly 2 graded 0 payload 0");
  assert_int_equal(t.st.oe_stalls, 2);
  assert_int_equal(t.st.oe_last, 7);
  assert_int_equal(t.st.packets, 3);
  assert_int_equal(t.st.spikes, 1);
  assert_int_equal(t.st.cycles, 8);
  assert_string_equal(x.lr.emits[0].c_str(), "tick 0 cycle 2 emit neuron 0 payload 0");
}

// Two emissions back to back; an emission without fan-out entries sends nothing.
static void test_emissions_back_to_back(void **) {
  fx::CoreImage ci(kBig, 3, 4, 1);
  ci.add_group(0, 0, 0, 0, 10, 100, NRN_SPIKING, 0, 0, kOne);
  ci.fan(0, {{1, 1, 1, 0, 0}, {1, 1, 2, 0, 0}});
  ci.fan(2, {{1, 1, 3, 0, 0}});
  Pair<Vglif_core> x(kBig, ci);
  const fx::TickTrace t = x.tick(0, {}, always);
  // neuron 0 ready at the end of 2, neuron 2 at the end of 4: packets in 3, 4, 5
  assert_true(t.out_cycle == std::vector<uint64_t>({3, 4, 5}));
  assert_int_equal(t.st.spikes, 3);
  assert_int_equal(t.st.packets, 3);
}

// A relay sends its membrane as the payload of graded packets, saturated to P bits.
static void test_relay_payload(void **) {
  fx::CoreImage ci(kSmall, 1, 4, 1);
  ci.add_group(0, 0, 0, 0, 0, -5000, NRN_RELAY, 0, 0, 1u << kSmall.f);
  ci.axon_flags[3] = IMG_AXON_GRADED;
  ci.fan(0, {{1, 1, 3, 0, IMG_FAN_GRADED}});
  Pair<Vcore_small> x(kSmall, ci);
  const fx::TickTrace t = x.tick(0, {}, always);
  assert_int_equal(t.out.size(), 1);
  assert_int_equal(t.out[0].graded, 1);
  assert_int_equal(t.out[0].payload, -2048);  // P = 12
  assert_int_equal(x.u(0), -5000);            // V = 16 holds it
}

/* ---- accumulators ------------------------------------------------------------------ */

// A packet with delay 1 sent in tick 0 is read in tick 2: readout u = 3 << 2.
static void test_delay_slot(void **) {
  fx::CoreImage ci(kBig, 2, 1, 4);
  ci.add_group(kOne, kOne, 0, 0, 0, 0, NRN_READOUT, 2, 0, kOne);
  ci.weight(0, 0, 3);
  Pair<Vglif_core> x(kBig, ci);
  x.tick(0, {{0, binary(0, 1)}}, always);
  assert_int_equal(x.u(0), 0);
  x.tick(1, {}, always);
  assert_int_equal(x.u(0), 0);
  x.tick(2, {}, always);
  assert_int_equal(x.u(0), 12);
  x.tick(3, {}, always);
  assert_int_equal(x.u(0), 12);
}

// Graded accumulation saturates at 2^(A-1) - 1, then a negative payload subtracts.
static void test_acc_saturation(void **) {
  fx::CoreImage ci(kBig, 2, 1, 2);
  ci.add_group(kOne, kOne, 0, 0, 0, 0, NRN_READOUT, 0, 0, kOne);
  ci.axon_flags[0] = IMG_AXON_GRADED;
  ci.weight(0, 0, 127);
  ci.weight(0, 1, -128);
  Pair<Vglif_core> x(kBig, ci);
  x.tick(0, {{0, graded(0, 0, 8388607)}, {0, graded(0, 0, -1)}}, always);
  x.tick(1, {}, always);
  assert_int_equal(x.u(0), 8388607 - 127);
  assert_int_equal(x.u(1), -8388608 + 128);
}

// Binary spikes shift by the group's M; saturation of a long run of spikes.
static void test_binary_shift_saturation(void **) {
  fx::CoreImage ci(kSmall, 2, 1, 2);
  const uint32_t one = 1u << kSmall.f;
  ci.add_group(one, one, 0, 0, 0, 0, NRN_READOUT, 4, 0, one);  // M = 4
  ci.add_group(one, one, 0, 0, 0, 0, NRN_READOUT, 0, 0, one);  // M = 0
  ci.neurons[1].group = 1;
  ci.weight(0, 0, 127);
  ci.weight(0, 1, 127);
  Pair<Vcore_small> x(kSmall, ci);
  std::vector<fx::Arrival> arr(300, fx::Arrival{0, binary(0, 0)});
  x.tick(0, arr, always);
  x.tick(1, {}, always);
  assert_int_equal(x.u(0), 32767);  // 300 * 2032 saturates A = 20, then V = 16
  assert_int_equal(x.u(1), 32767);  // 300 * 127 = 38100 fits A, saturates V
}

/* ---- random configurations, lock-step with the reference ------------------------------ */

struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  int64_t range(int64_t lo, int64_t hi) { return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1)); }
};

fx::CoreImage random_core(const rtl_params &p, Rng &r) {
  const uint32_t T = (uint32_t)r.range(1, p.tmax < 4 ? p.tmax : 4);
  fx::CoreImage ci(p, (uint32_t)r.range(1, p.n), (uint32_t)r.range(1, p.axons), T);
  ci.n_ticks = T + 3;
  const int64_t vmax = (1ll << (p.v - 1)) - 1, one = 1ll << p.f;
  const uint32_t ng = (uint32_t)r.range(1, p.g < 4 ? p.g : 4);
  for (uint32_t g = 0; g < ng; g++) {
    const int64_t th = r.range(1, vmax / 64);
    ci.add_group((uint32_t)r.range(0, 2 * one - 1), (uint32_t)r.range(0, one),
                 (int32_t)r.range(-th / 8, th / 8), (int32_t)r.range(0, th),
                 (int32_t)th, (int32_t)r.range(-th, th), (uint8_t)r.range(0, 2),
                 (uint8_t)r.range(0, p.mmax), (uint32_t)r.range(0, 3),
                 (uint32_t)r.range(0, 2 * one - 1));
    for (uint32_t t = 0; t < T; t++) ci.gains[g][t] = (uint32_t)r.range(0, 2 * one - 1);
  }
  for (uint32_t a = 0; a < ci.n_axons; a++) ci.axon_flags[a] = (uint8_t)(r.next() & 1);
  for (auto &w : ci.crossbar)
    w = (r.next() % 3) ? 0 : (int8_t)r.range(-(1 << (p.w - 1)), (1 << (p.w - 1)) - 1);
  for (uint32_t j = 0; j < ci.n_neurons; j++) {
    ci.neurons[j].group = (uint16_t)r.range(0, ng - 1);
    const bool relay = ci.groups[ci.neurons[j].group].p.kind == NRN_RELAY;
    std::vector<img_fanout> f;
    const uint32_t nf = (uint32_t)r.range(0, 3);
    for (uint32_t e = 0; e < nf && ci.fanout.size() + f.size() < p.e; e++) {
      // the destination is this core (it must exist); an axon of the packet's kind
      const uint16_t a = (uint16_t)r.range(0, ci.n_axons - 1);
      if ((ci.axon_flags[a] != 0) != relay) continue;
      f.push_back(img_fanout{1, 1, a, (uint8_t)r.range(0, p.d - 2),
                             (uint8_t)(relay ? IMG_FAN_GRADED : 0)});
    }
    ci.fan(j, f);
  }
  return ci;
}

std::vector<fx::Arrival> random_packets(const fx::CoreImage &ci, const rtl_params &p,
                                        Rng &r) {
  std::vector<fx::Arrival> arr;
  const uint32_t n = (uint32_t)r.range(0, 12);
  uint64_t c = 0;
  const int64_t pmax = (1ll << (p.pw - 1)) - 1;
  for (uint32_t i = 0; i < n; i++) {
    c += (uint64_t)r.range(0, 6);
    const uint16_t a = (uint16_t)r.range(0, ci.n_axons - 1);
    const uint8_t dly = (uint8_t)r.range(0, p.d - 2);
    arr.push_back({c, ci.axon_flags[a] ? graded(a, dly, (int32_t)r.range(-pmax - 1, pmax))
                                       : binary(a, dly)});
  }
  return arr;
}

template <class M>
static void random_lockstep(const rtl_params &p, uint64_t seed, int configs) {
  Rng r{seed};
  uint64_t ticks = 0, cycles = 0;
  for (int k = 0; k < configs; k++) {
    fx::CoreImage ci = random_core(p, r);
    Pair<M> x(p, ci);
    const uint64_t rs = r.next();
    for (uint32_t h = 0; h < ci.n_ticks; h++) {
      const auto arr = random_packets(ci, p, r);
      const fx::TickTrace t = x.tick(h, arr, [rs, h](uint64_t c) {
        return ((rs ^ (h * 0x9e37u) ^ (c * 0x85ebca6bu)) >> 7) % 10 < 7;
      });
      ticks++;
      cycles += t.st.cycles;
    }
  }
  printf("  random lock-step (seed %llu): %d configurations, %llu ticks, %llu cycles, "
         "0 mismatches\n",
         (unsigned long long)seed, configs, (unsigned long long)ticks,
         (unsigned long long)cycles);
}

static void test_random_default(void **) { random_lockstep<Vglif_core>(kBig, 11, 20); }
static void test_random_small(void **) { random_lockstep<Vcore_small>(kSmall, 12, 60); }

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_packet),
      cmocka_unit_test(test_back_to_back),
      cmocka_unit_test(test_buffer_full),
      cmocka_unit_test(test_small_core_packets),
      cmocka_unit_test(test_update_phase),
      cmocka_unit_test(test_update_sparse_groups),
      cmocka_unit_test(test_update_phase_s1),
      cmocka_unit_test(test_window),
      cmocka_unit_test(test_emission_backpressure),
      cmocka_unit_test(test_emissions_back_to_back),
      cmocka_unit_test(test_relay_payload),
      cmocka_unit_test(test_delay_slot),
      cmocka_unit_test(test_acc_saturation),
      cmocka_unit_test(test_binary_shift_saturation),
      cmocka_unit_test(test_random_default),
      cmocka_unit_test(test_random_small),
  };
  return cmocka_run_group_tests_name("rtl_core", tests, NULL, NULL);
}
