/*
 * neuron_tb.cpp - co-verification of rtl/glif_neuron.v against nrn_step() (fabric/nrn.h).
 *
 * Pipeline position: the proof that the hardware neuron and the C neuron that the
 * quantiser, the golden model and the simulator call are the same function. Each width
 * set below is a separate Verilator build of glif_neuron (its parameters are fixed at
 * verilation). For every width set the test drives the verilated datapath and nrn_step
 * with the same inputs and compares next_u, next_s, emit and payload:
 *   1. boundary vectors: the cross product of boundary sets (membranes and accumulators
 *      at and around saturation, 0 and +-1; coefficients 0, 0.5 +- 1 LSB, 1.0 +- 1 LSB
 *      and the UQ1.F maximum; both previous-spike values; all kinds), each vector also
 *      with theta at u'-1, u' and u'+1 (around the threshold), and rounding ties (odd
 *      membranes and inputs with coefficients 0.5 and 1.5);
 *   2. random vectors over random parameters (explicit seed, so a failure reproduces).
 * The first mismatch stops the run and is printed with every input and both outputs.
 *
 *   glif_rtl_neuron_tb [--random N] [--seed S] [--boundary small|full] [--inject-fault]
 * --inject-fault perturbs the C result of one vector: the run must then fail (a check
 * that the comparison itself can fail). Exit 0 only with zero mismatches.
 */
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "Vneuron_a.h"
#include "Vneuron_b.h"
#include "Vneuron_c.h"
#include "Vneuron_d.h"
#include "Vneuron_e.h"
#include "Vneuron_f.h"
#include "fabric/nrn.h"
#include "verilated.h"

namespace {

struct Options {
  uint64_t random = 200000;  // random vectors per width set
  uint64_t seed = 1;
  bool full = false;         // the large boundary cross product (bench)
  bool inject_fault = false;
};

struct Stats {
  uint64_t boundary = 0, random = 0, mismatches = 0;
};

// splitmix64: small, fast, and the same sequence on every machine.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  int64_t range(int64_t lo, int64_t hi) {  // uniform in [lo, hi]
    return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1));
  }
};

int64_t smin(unsigned bits) { return -((int64_t)1 << (bits - 1)); }
int64_t smax(unsigned bits) { return ((int64_t)1 << (bits - 1)) - 1; }
uint32_t cmax(unsigned f) { return (uint32_t)((2ull << f) - 1); }
uint32_t mask(unsigned bits) { return bits >= 32 ? 0xffffffffu : (1u << bits) - 1; }
int32_t sext(uint32_t v, unsigned bits) {
  const uint32_t m = 1u << (bits - 1);
  v &= mask(bits);
  return (int32_t)((v ^ m) - m);
}

// Signed boundary set of a `bits`-wide field: saturation edges, 0, +-1, +-3, +-2^(b-2).
std::vector<int64_t> signed_edges(unsigned bits, bool small) {
  std::vector<int64_t> v = {smin(bits), smin(bits) + 1, -1, 0, 1, smax(bits) - 1,
                            smax(bits)};
  if (!small && bits >= 4) {
    const int64_t q = (int64_t)1 << (bits - 2);
    for (int64_t e : {-q - 1, -q, (int64_t)-3, (int64_t)3, q, q + 1}) v.push_back(e);
  }
  return v;
}

// Coefficient boundary set of UQ1.F: 0, 1 LSB, 0.5 +- 1, 1.0 +- 1, 1.5, the maximum.
std::vector<uint32_t> coeff_edges(unsigned f, bool small) {
  const uint32_t one = 1u << f, half = one >> 1;
  std::vector<uint32_t> v = {0, half, one, cmax(f)};
  if (!small) {
    for (uint32_t e : {1u, half - 1, half + 1, one - 1, one + 1, one + half}) v.push_back(e);
  }
  std::vector<uint32_t> out;  // tiny F makes some coincide: keep each value once
  for (uint32_t e : v)
    if (e <= cmax(f) && std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
  return out;
}

}  // namespace

// One verilated width set: drives the model and compares with nrn_step.
template <class Model>
class Dut {
 public:
  Dut(const char *name, nrn_widths w) : name_(name), w_(w) {}

  // Evaluates one vector; returns false (after printing it) on a mismatch.
  bool check(const nrn_param &p, nrn_state st, nrn_event ev, bool fault) {
    nrn_out c = nrn_step(&p, st, ev, w_);
    if (fault) c.next.u ^= 1;
    const nrn_out r = eval(p, st, ev);
    if (r.next.u == c.next.u && r.next.s == c.next.s && r.emit == c.emit &&
        r.payload == c.payload)
      return true;
    report(p, st, ev, c, r);
    return false;
  }

  const char *name() const { return name_; }
  nrn_widths widths() const { return w_; }

 private:
  nrn_out eval(const nrn_param &p, nrn_state st, nrn_event ev) {
    m_.param_k = p.k & mask(w_.f_bits + 1);
    m_.param_ks = p.ks & mask(w_.f_bits + 1);
    m_.param_d = (uint32_t)p.d & mask(w_.v_bits);
    m_.param_r = (uint32_t)p.r & mask(w_.v_bits);
    m_.param_theta = (uint32_t)p.theta & mask(w_.v_bits);
    m_.param_bias = (uint32_t)p.bias & mask(w_.a_bits);
    m_.param_g = p.g & mask(w_.f_bits + 1);
    m_.param_kind = p.kind & 3u;
    m_.state_u = (uint32_t)st.u & mask(w_.v_bits);
    m_.state_s = st.s & 1u;
    m_.event_x = (uint32_t)ev.x & mask(w_.a_bits);
    m_.eval();
    nrn_out o;
    o.next.u = sext(m_.next_u, w_.v_bits);
    o.next.s = m_.next_s;
    o.emit = m_.emit;
    o.payload = sext(m_.payload, w_.p_bits);
    return o;
  }

  void report(const nrn_param &p, nrn_state st, nrn_event ev, const nrn_out &c,
              const nrn_out &r) const {
    fprintf(stderr,
            "MISMATCH in width set %s (V=%u A=%u F=%u P=%u)\n"
            "  inputs: param_k=%" PRIu32 " param_ks=%" PRIu32 " param_d=%" PRId32
            " param_r=%" PRId32 " param_theta=%" PRId32 " param_bias=%" PRId32
            " param_g=%" PRIu32 " param_kind=%u state_u=%" PRId32
            " state_s=%u event_x=%" PRId32 "\n"
            "  C nrn_step : next_u=%" PRId32 " next_s=%u emit=%u payload=%" PRId32 "\n"
            "  RTL        : next_u=%" PRId32 " next_s=%u emit=%u payload=%" PRId32 "\n",
            name_, w_.v_bits, w_.a_bits, w_.f_bits, w_.p_bits, p.k, p.ks, p.d, p.r,
            p.theta, p.bias, p.g, p.kind, st.u, st.s, ev.x, c.next.u, c.next.s, c.emit,
            c.payload, r.next.u, r.next.s, r.emit, r.payload);
  }

  const char *name_;
  nrn_widths w_;
  Model m_;
};

// The boundary cross product for one width set. For every combination the threshold
// is placed at u'-1, u', u'+1 (u' from the C model), clamped to V bits.
template <class D>
static bool run_boundary(D &dut, const Options &opt, Stats &st) {
  const nrn_widths w = dut.widths();
  const bool small = !opt.full;
  const auto cs = coeff_edges(w.f_bits, small);
  const auto us = signed_edges(w.v_bits, small);
  const auto xs = signed_edges(w.a_bits, small);
  const std::vector<int64_t> ds = {smin(w.v_bits), -1, 0, 1, smax(w.v_bits)};
  const std::vector<int64_t> bs = {smin(w.a_bits), -1, 0, 1, smax(w.a_bits)};
  const auto dsel = small ? std::vector<int64_t>{-1, 0, smax(w.v_bits)} : ds;
  const auto bsel = small ? std::vector<int64_t>{smin(w.a_bits), 0, smax(w.a_bits)} : bs;
  for (uint8_t kind = 0; kind < 3; kind++)
    for (uint8_t s = 0; s < 2; s++)
      for (uint32_t c : cs)
        for (uint32_t g : cs)
          for (int64_t d : dsel)
            for (int64_t r : (s ? dsel : std::vector<int64_t>{0}))
              for (int64_t b : bsel)
                for (int64_t u : us)
                  for (int64_t x : xs) {
                    // the unused decay gets a distinct value: selection is checked too
                    nrn_param p = {s ? cs[0] : c, s ? c : cs.back(), (int32_t)d,
                                   (int32_t)r, 0, (int32_t)b, g, kind};
                    const nrn_state state = {(int32_t)u, s};
                    const nrn_event ev = {(int32_t)x};
                    const int64_t un = nrn_step(&p, state, ev, w).next.u;
                    for (int64_t th = un - 1; th <= un + 1; th++) {
                      p.theta = (int32_t)nrn_sat(th, w.v_bits);
                      const bool fault = opt.inject_fault && st.boundary == 12345;
                      st.boundary++;
                      if (!dut.check(p, state, ev, fault)) return false;
                    }
                  }
  return true;
}

// Rounding ties: odd membranes and inputs with coefficients 0.5 and 1.5, in both signs.
template <class D>
static bool run_ties(D &dut, Stats &st) {
  const nrn_widths w = dut.widths();
  const uint32_t one = 1u << w.f_bits, half = one >> 1;
  for (uint32_t c : {half, one + half})
    for (int64_t v = -41; v <= 41; v += 2)
      for (uint8_t s = 0; s < 2; s++) {
        const int64_t vv = nrn_sat(v, w.v_bits < w.a_bits ? w.v_bits : w.a_bits);
        nrn_param p = {c, c, 0, 0, 0, 0, c, NRN_SPIKING};
        st.boundary += 2;
        if (!dut.check(p, {(int32_t)vv, s}, {0}, false)) return false;
        p.k = p.ks = 0;
        if (!dut.check(p, {0, s}, {(int32_t)vv}, false)) return false;
      }
  return true;
}

// One random field value: mostly uniform, often near an edge or small.
static int64_t rand_signed(Rng &rng, unsigned bits) {
  const int64_t lo = smin(bits), hi = smax(bits);
  switch (rng.next() % 4) {
    case 0: return rng.range(lo, lo + 8 < hi ? lo + 8 : hi);
    case 1: return rng.range(hi - 8 > lo ? hi - 8 : lo, hi);
    case 2: return nrn_sat(rng.range(-300, 300), bits);
    default: return rng.range(lo, hi);
  }
}

static uint32_t rand_coeff(Rng &rng, unsigned f) {
  const int64_t one = (int64_t)1 << f;
  switch (rng.next() % 3) {
    case 0: return (uint32_t)rng.range(one > 4 ? one - 4 : 0, one + 4 < cmax(f) ? one + 4 : cmax(f));
    default: return (uint32_t)rng.range(0, cmax(f));
  }
}

template <class D>
static bool run_random(D &dut, const Options &opt, Stats &st, uint64_t salt) {
  const nrn_widths w = dut.widths();
  Rng rng{opt.seed * 0x100000001b3ull + salt};
  for (uint64_t i = 0; i < opt.random; i++) {
    nrn_param p;
    p.k = rand_coeff(rng, w.f_bits);
    p.ks = rand_coeff(rng, w.f_bits);
    p.d = (int32_t)rand_signed(rng, w.v_bits);
    p.r = (int32_t)rand_signed(rng, w.v_bits);
    p.theta = (int32_t)rand_signed(rng, w.v_bits);
    p.bias = (int32_t)rand_signed(rng, w.a_bits);
    p.g = rand_coeff(rng, w.f_bits);
    p.kind = (uint8_t)(rng.next() % 3);
    const nrn_state state = {(int32_t)rand_signed(rng, w.v_bits), (uint8_t)(rng.next() & 1)};
    const nrn_event ev = {(int32_t)rand_signed(rng, w.a_bits)};
    st.random++;
    if (!dut.check(p, state, ev, opt.inject_fault && i == 777)) return false;
  }
  return true;
}

template <class D>
static bool run_all(D &dut, const Options &opt, Stats &st, uint64_t salt) {
  return run_ties(dut, st) && run_boundary(dut, opt, st) &&
         run_random(dut, opt, st, salt);
}

static int usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s [--random N] [--seed S] [--boundary small|full] [--inject-fault]\n",
          argv0);
  return 2;
}

static bool parse(int argc, char **argv, Options &opt) {
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    const bool has = i + 1 < argc;
    if (a == "--random" && has) opt.random = strtoull(argv[++i], nullptr, 10);
    else if (a == "--seed" && has) opt.seed = strtoull(argv[++i], nullptr, 10);
    else if (a == "--boundary" && has) opt.full = std::string(argv[++i]) == "full";
    else if (a == "--inject-fault") opt.inject_fault = true;
    else return false;
  }
  return true;
}

int main(int argc, char **argv) {
  Options opt;
  if (!parse(argc, argv, opt)) return usage(argv[0]);
  Verilated::commandArgs(1, argv);
  // Width sets: the default architecture, a relay payload narrower than V, mixed
  // widths, the widest the C contract allows, the narrowest the architecture allows,
  // and a tiny set where saturation is hit constantly.
  Dut<Vneuron_a> a("a", {24, 24, 15, 24});
  Dut<Vneuron_b> b("b", {24, 24, 15, 8});
  Dut<Vneuron_c> c("c", {16, 20, 8, 12});
  Dut<Vneuron_d> d("d", {31, 31, 30, 31});
  Dut<Vneuron_e> e("e", {8, 8, 4, 8});
  Dut<Vneuron_f> f("f", {4, 6, 2, 3});
  Stats st;
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = run_all(a, opt, st, 1) && run_all(b, opt, st, 2) &&
                  run_all(c, opt, st, 3) && run_all(d, opt, st, 4) &&
                  run_all(e, opt, st, 5) && run_all(f, opt, st, 6);
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t n = st.boundary + st.random;
  printf("neuron co-verification: 6 width sets, %" PRIu64 " boundary + %" PRIu64
         " random vectors (seed %" PRIu64 "), %s, %.2f s, %.3g vectors/s\n",
         st.boundary, st.random, opt.seed, ok ? "0 mismatches" : "MISMATCH", s,
         s > 0 ? n / s : 0.0);
  return ok ? 0 : 1;
}
