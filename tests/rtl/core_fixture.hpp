/*
 * core_fixture.hpp - hand-built chip images of one core, and a lock-step runner that
 * drives two core implementations (RTL and reference) with the same packets and
 * compares them at every cycle.
 *
 * Pipeline position: test-only, shared by the directed core test (test_core.cpp). An
 * image is built in memory (no file, no compiler): tests set exactly the groups,
 * weights and fan-out entries whose cycle counts they work out by hand.
 */
#ifndef GLIF_TESTS_CORE_FIXTURE_HPP
#define GLIF_TESTS_CORE_FIXTURE_HPP

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "fabric/arch.h"
#include "fabric/image.h"
#include "rtl_core.h"

namespace fx {

// One core's tables, owned by vectors; image() points an img_image at them.
struct CoreImage {
  glif_arch arch{};
  uint32_t T = 1, n_ticks = 8;
  uint32_t n_neurons = 1, n_axons = 1;
  std::vector<img_group> groups;
  std::vector<std::vector<uint32_t>> gains;
  std::vector<img_neuron> neurons;
  std::vector<uint8_t> axon_flags;
  std::vector<int8_t> crossbar;  // [n_axons][n_neurons]
  std::vector<img_fanout> fanout;
  img_core core{};
  img_image img{};
  uint32_t in_offsets[2] = {0, 0};  // an INPUT section with one element and no entry

  CoreImage(const rtl_params &p, uint32_t n, uint32_t axons, uint32_t T_)
      : T(T_), n_neurons(n), n_axons(axons) {
    arch_default(&arch);
    arch.delay_slots = p.d;
    arch.lanes = p.l;
    arch.pipeline_depth = p.s;
    arch.core_buffer = p.bc;
    arch.weight_bits = p.w;
    arch.membrane_bits = p.v;
    arch.acc_bits = p.a;
    arch.frac_bits = p.f;
    arch.shift_max = p.mmax;
    arch.payload_sum_bits = p.p;
    arch.payload_in_bits = p.pw < 8 ? p.pw : 8;
    arch.mesh_x = arch.mesh_y = 4;
    neurons.assign(n, img_neuron{0, 0, 0});
    axon_flags.assign(axons, 0);
    crossbar.assign((size_t)axons * n, 0);
  }

  // A group: returns its index. kind 0 spiking, 1 readout, 2 relay.
  uint16_t add_group(uint32_t k, uint32_t ks, int32_t d, int32_t r, int32_t theta,
                     int32_t bias, uint8_t kind, uint8_t shift, uint32_t first_tick,
                     uint32_t gain) {
    img_group g{};
    g.p = nrn_param{k, ks, d, r, theta, bias, 0, kind};
    g.shift = shift;
    g.first_tick = first_tick;
    groups.push_back(g);
    gains.emplace_back(T, gain);
    return (uint16_t)(groups.size() - 1);
  }

  void weight(uint32_t axon, uint32_t j, int8_t w) { crossbar[(size_t)axon * n_neurons + j] = w; }

  // Appends fan-out entries for neuron j (its entries must be contiguous).
  void fan(uint32_t j, std::vector<img_fanout> entries) {
    neurons[j].fanout_start = (uint32_t)fanout.size();
    neurons[j].fanout_count = (uint32_t)entries.size();
    fanout.insert(fanout.end(), entries.begin(), entries.end());
  }

  const img_image *image() {
    for (size_t g = 0; g < groups.size(); g++) groups[g].gain = gains[g].data();
    core = img_core{};
    core.x = core.y = 1;
    core.n_neurons = n_neurons;
    core.n_axons = n_axons;
    core.n_groups = (uint32_t)groups.size();
    core.n_fanout = (uint32_t)fanout.size();
    core.groups = groups.data();
    core.neurons = neurons.data();
    core.axon_flags = axon_flags.data();
    core.crossbar = crossbar.data();
    core.fanout = fanout.data();
    img = img_image{};
    img.arch = arch;
    img.T = T;
    img.n_ticks = n_ticks;
    img.n_cores = 1;
    img.cores = &core;
    img.input.c = img.input.h = img.input.w = 1;
    img.input.encoding = IMG_ENC_DIRECT;
    img.input.payload_bits = 8;
    img.input.scale = 1.0;
    img.input.n_inputs = 1;
    img.input.offsets = in_offsets;
    return &img;
  }
};

// What an observer saw: one line per event, compared as text so a mismatch prints.
// Emissions and steps are kept apart: the order within each is the contract's, but a
// core model may report a step at issue (the simulator's) or at write-back (the RTL).
struct Log {
  std::vector<std::string> lines, emits;
  static void emit(void *ctx, uint32_t j, uint32_t tick, uint64_t cycle, int32_t pay) {
    char b[96];
    snprintf(b, sizeof b, "tick %u cycle %llu emit neuron %u payload %d", tick,
             (unsigned long long)cycle, j, pay);
    ((Log *)ctx)->emits.push_back(b);
  }
  static void stepped(void *ctx, uint32_t j, uint32_t tick, int32_t u, uint8_t s) {
    char b[96];
    snprintf(b, sizeof b, "tick %u stepped neuron %u u %d s %u", tick, j, u, s);
    ((Log *)ctx)->lines.push_back(b);
  }
  rtl_hooks hooks() { return rtl_hooks{this, emit, stepped}; }
};

inline std::string packet_str(const rtl_packet &p) {
  char b[96];
  snprintf(b, sizeof b, "(%u,%u) axon %u dly %u graded %u payload %d", p.x, p.y, p.axon,
           p.dly, p.graded, p.payload);
  return b;
}

inline std::string stats_str(const rtl_tick_stats &s) {
  char b[512];
  snprintf(b, sizeof b,
           "update_phase %llu ie_last %lld oe_last %lld cycles %llu ue_busy %llu "
           "ie_busy %llu oe_busy %llu oe_stalls %llu in_waits %llu synops %llu macs %llu "
           "row_reads %llu updates %llu spikes %llu packets %llu",
           (unsigned long long)s.update_phase, (long long)s.ie_last, (long long)s.oe_last,
           (unsigned long long)s.cycles, (unsigned long long)s.ue_busy,
           (unsigned long long)s.ie_busy, (unsigned long long)s.oe_busy,
           (unsigned long long)s.oe_stalls, (unsigned long long)s.in_waits,
           (unsigned long long)s.synops, (unsigned long long)s.macs,
           (unsigned long long)s.row_reads, (unsigned long long)s.updates,
           (unsigned long long)s.spikes, (unsigned long long)s.packets);
  return b;
}

// A packet the test offers to the core from a given cycle on (it waits for room).
struct Arrival {
  uint64_t cycle;
  rtl_packet p;
};

// Per-cycle trace of one implementation in one tick, for exact assertions.
struct TickTrace {
  std::vector<int> room, idle, sent;  // per cycle
  std::vector<uint64_t> accepted;      // cycle each arrival entered the buffer
  std::vector<rtl_packet> out;         // packets sent, in order
  std::vector<uint64_t> out_cycle;
  int violations = 0;                  // cycle() disagreed with out_peek + ready
  rtl_tick_stats st{};
};

// Runs one tick on core X (RTL driver or reference): arrivals are handed over in order,
// each at the first cycle >= its cycle with room; ready(c) says if the router has room
// for the output engine. Stops at the first cycle at whose start the core is idle and
// no arrival is left (or at max_cycles).
template <class X, class Ready>
TickTrace run_tick(X &x, uint32_t h, const std::vector<Arrival> &arr, Ready ready,
                   uint64_t max_cycles = 100000) {
  TickTrace t;
  x.tick_begin(h);
  size_t next = 0;
  for (uint64_t c = 0; c < max_cycles; c++) {
    const bool room = x.in_room(), idle = x.idle();
    if (idle && next == arr.size()) break;
    const rtl_packet *in = nullptr;
    if (next < arr.size() && arr[next].cycle <= c && room) {
      in = &arr[next++].p;
      t.accepted.push_back(c);
    }
    rtl_packet o{};
    const bool offered = x.out_peek(&o);
    const bool r = ready(c);
    const bool sent = x.cycle(r, in);
    if (sent != (offered && r)) t.violations++;
    t.room.push_back(room);
    t.idle.push_back(idle);
    t.sent.push_back(sent);
    if (sent) {
      t.out.push_back(o);
      t.out_cycle.push_back(c);
    }
  }
  x.tick_end(&t.st);
  return t;
}

}  // namespace fx

#endif  // GLIF_TESTS_CORE_FIXTURE_HPP
