/*
 * record.hpp - reads a core record of `glif run --record-core X,Y --record FILE`
 * (format: docs/simulator.md) and replays it on another implementation of that core,
 * comparing every tick.
 *
 * Pipeline position: test-only. The record holds, per tick, the packets the router
 * handed to the core (with their cycles), the cycles the router's local input buffer
 * was full (so the output engine could not send), and what the simulator's C core
 * model did: packets sent (cycle and fields), emissions (cycle, neuron, payload),
 * neuron states after each step, the phase lengths and the event counts. Replaying
 * drives the same inputs into the core under test at the same cycles and compares all
 * of it, plus every neuron's state (through the debug port) at the end of every tick.
 */
#ifndef GLIF_TESTS_RECORD_HPP
#define GLIF_TESTS_RECORD_HPP

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "rtl_core.h"

namespace rec {

struct Timed {
  uint64_t cycle;
  rtl_packet p;
};

enum { N_COUNTS = 11 };  // updates spikes packets row_reads synops macs ue_busy ie_busy
                         // oe_busy oe_stalls in_waits
static const char *const kCountNames[N_COUNTS] = {
    "updates", "spikes", "packets", "row_reads", "synops", "macs",
    "ue_busy", "ie_busy", "oe_busy", "oe_stalls", "in_waits"};

struct Tick {
  int sample = 0;
  uint32_t h = 0;
  std::vector<Timed> in, out;
  std::vector<std::pair<uint64_t, uint64_t>> full;  // inclusive cycle ranges
  std::vector<std::string> emit, state;             // "cycle neuron payload", "neuron u s"
  uint64_t update_phase = 0;
  int64_t ie_last = -1, oe_last = -1;
  uint64_t counts[N_COUNTS] = {0};
};

struct Record {
  std::string image;
  uint32_t x = 0, y = 0, neurons = 0, axons = 0;
  uint32_t S = 0, L = 0, Bc = 0, B = 0, R = 0, D = 0, T = 0, n_ticks = 0;
  std::vector<Tick> ticks;
};

inline std::string fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
inline std::string fmt(const char *f, ...) {
  char b[256];
  va_list ap;
  va_start(ap, f);
  vsnprintf(b, sizeof b, f, ap);
  va_end(ap);
  return b;
}

// Parses one line of a tick block into t; false on a malformed line.
inline bool parse_tick_line(const char *l, Tick &t) {
  unsigned long long c, a, b;
  unsigned x, y, ax, d, g;
  int pay;
  long long n1, n2;
  if (sscanf(l, "in %llu %u %u %u %d", &c, &ax, &d, &g, &pay) == 5) {
    t.in.push_back({c, rtl_packet{0, 0, (uint16_t)ax, (uint8_t)d, (uint8_t)g, pay}});
  } else if (sscanf(l, "out %llu %u %u %u %u %u %d", &c, &x, &y, &ax, &d, &g, &pay) == 7) {
    t.out.push_back({c, rtl_packet{(uint16_t)x, (uint16_t)y, (uint16_t)ax, (uint8_t)d,
                                   (uint8_t)g, pay}});
  } else if (sscanf(l, "full %llu %llu", &a, &b) == 2) {
    t.full.push_back({a, b});
  } else if (sscanf(l, "emit %llu %lld %lld", &c, &n1, &n2) == 3) {
    t.emit.push_back(fmt("%llu %lld %lld", c, n1, n2));
  } else if (sscanf(l, "state %lld %lld %llu", &n1, &n2, &c) == 3) {
    t.state.push_back(fmt("%lld %lld %llu", n1, n2, c));
  } else if (sscanf(l, "phase %llu %lld %lld", &c, &n1, &n2) == 3) {
    t.update_phase = c;
    t.ie_last = n1;
    t.oe_last = n2;
  } else if (!strncmp(l, "counts ", 7)) {
    const char *p = l + 7;
    for (int i = 0; i < N_COUNTS; i++) {
      char *e;
      t.counts[i] = strtoull(p, &e, 10);
      if (e == p) return false;
      p = e;
    }
  } else {
    return false;
  }
  return true;
}

inline bool parse_header(const char *l, Record &r) {
  char img[4096];
  unsigned idx;
  if (sscanf(l, "image %4095s", img) == 1) r.image = img;
  else if (sscanf(l, "core %u %u index %u neurons %u axons %u", &r.x, &r.y, &idx, &r.neurons,
                  &r.axons) == 5) {
  } else if (sscanf(l, "arch S %u L %u Bc %u B %u R %u D %u T %u ticks %u", &r.S, &r.L, &r.Bc,
                    &r.B, &r.R, &r.D, &r.T, &r.n_ticks) == 8) {
  } else return false;
  return true;
}

// Reads a record file; on failure returns false and sets err ("file:line: what").
inline bool read(const char *path, Record &r, std::string &err) {
  FILE *f = fopen(path, "r");
  if (!f) {
    err = fmt("%s: cannot open the record - run glif run --record-core X,Y --record FILE", path);
    return false;
  }
  char line[512];
  int lineno = 0, sample = 0;
  Tick *t = nullptr;
  bool ok = true;
  while (ok && fgets(line, sizeof line, f)) {
    lineno++;
    line[strcspn(line, "\n")] = 0;
    unsigned v;
    if (lineno == 1) ok = !strcmp(line, "glif-record 1");
    else if (sscanf(line, "sample %u", &v) == 1) sample = (int)v;
    else if (sscanf(line, "tick %u", &v) == 1) {
      r.ticks.emplace_back();
      t = &r.ticks.back();
      t->h = v;
      t->sample = sample;
    } else if (!strcmp(line, "end")) t = nullptr;
    else if (t) ok = parse_tick_line(line, *t);
    else ok = parse_header(line, r);
  }
  fclose(f);
  if (!ok) err = fmt("%s:%d: malformed record line - expected the format of docs/simulator.md",
                     path, lineno);
  return ok;
}

// The outcome of a replay.
struct Result {
  uint64_t ticks = 0, cycles = 0, mismatches = 0;
  std::string first;  // the first mismatch, with its tick and values
};

// Collects the core's emissions and states through rtl_hooks, in record format.
struct Seen {
  std::vector<std::string> emit, state;
  static void on_emit(void *c, uint32_t j, uint32_t, uint64_t cycle, int32_t pay) {
    ((Seen *)c)->emit.push_back(fmt("%llu %u %d", (unsigned long long)cycle, j, pay));
  }
  static void on_step(void *c, uint32_t j, uint32_t, int32_t u, uint8_t s) {
    ((Seen *)c)->state.push_back(fmt("%u %d %u", j, u, s));
  }
};

class Replayer {
 public:
  explicit Replayer(const Record &r) : r_(r), expect_u_(r.neurons), expect_s_(r.neurons) {}

  // Replays every tick on X (rtl::Driver-like: reset, set_hooks, tick_begin, in_room,
  // out_peek, cycle, idle, tick_end, state).
  template <class X>
  Result run(X &core) {
    Result res;
    Seen seen;
    const rtl_hooks h{&seen, Seen::on_emit, Seen::on_step};
    core.set_hooks(&h);
    int sample = -1;
    for (const Tick &t : r_.ticks) {
      if (t.sample != sample) {  // every inference starts from a clean state
        core.reset();
        std::fill(expect_u_.begin(), expect_u_.end(), 0);
        std::fill(expect_s_.begin(), expect_s_.end(), 0);
        sample = t.sample;
      }
      seen.emit.clear();
      seen.state.clear();
      res.cycles += tick(core, t, seen, res);
      res.ticks++;
    }
    return res;
  }

 private:
  bool full(const Tick &t, uint64_t c) const {
    for (const auto &f : t.full)
      if (c >= f.first && c <= f.second) return true;
    return false;
  }

  void miss(Result &res, const Tick &t, const std::string &what) {
    if (!res.mismatches++)
      res.first = fmt("sample %d tick %u: %s", t.sample, t.h, what.c_str());
  }

  template <class X>
  uint64_t tick(X &core, const Tick &t, Seen &seen, Result &res) {
    core.tick_begin(t.h);
    std::vector<Timed> out;
    size_t next = 0;
    const uint64_t last_in = t.in.empty() ? 0 : t.in.back().cycle;
    uint64_t c = 0;
    for (; c < last_in + 10000000; c++) {
      if (next == t.in.size() && core.idle()) break;
      const rtl_packet *in = nullptr;
      if (next < t.in.size() && t.in[next].cycle == c) {
        if (!core.in_room())
          miss(res, t, fmt("cycle %llu: the router handed over a packet but in_ready is low",
                           (unsigned long long)c));
        in = &t.in[next++].p;
      }
      rtl_packet p{};
      const bool offered = core.out_peek(&p);
      if (core.cycle(!full(t, c), in) && offered) out.push_back({c, p});
    }
    rtl_tick_stats st;
    core.tick_end(&st);
    compare(core, t, out, seen, st, res);
    return c;
  }

  template <class X>
  void compare(X &core, const Tick &t, const std::vector<Timed> &out, const Seen &seen,
               const rtl_tick_stats &st, Result &res) {
    compare_packets(t, out, res);
    compare_lines(t, "emit", t.emit, seen.emit, res);
    compare_lines(t, "state", t.state, seen.state, res);
    if (st.update_phase != t.update_phase || st.ie_last != t.ie_last || st.oe_last != t.oe_last)
      miss(res, t, fmt("phase: record %llu %lld %lld, RTL %llu %lld %lld",
                       (unsigned long long)t.update_phase, (long long)t.ie_last,
                       (long long)t.oe_last, (unsigned long long)st.update_phase,
                       (long long)st.ie_last, (long long)st.oe_last));
    const uint64_t got[N_COUNTS] = {st.updates, st.spikes,  st.packets, st.row_reads,
                                    st.synops,  st.macs,    st.ue_busy, st.ie_busy,
                                    st.oe_busy, st.oe_stalls, st.in_waits};
    for (int i = 0; i < N_COUNTS; i++)
      if (got[i] != t.counts[i])
        miss(res, t, fmt("count %s: record %llu, RTL %llu", kCountNames[i],
                         (unsigned long long)t.counts[i], (unsigned long long)got[i]));
    compare_states(core, t, res);
  }

  void compare_packets(const Tick &t, const std::vector<Timed> &out, Result &res) {
    for (size_t i = 0; i < t.out.size() || i < out.size(); i++) {
      const std::string e = i < t.out.size() ? packet(t.out[i]) : "(none)";
      const std::string g = i < out.size() ? packet(out[i]) : "(none)";
      if (e != g) {
        miss(res, t, fmt("packet %zu sent: record %s, RTL %s", i, e.c_str(), g.c_str()));
        return;
      }
    }
  }

  static std::string packet(const Timed &p) {
    return fmt("cycle %llu to (%u,%u) axon %u dly %u graded %u payload %d",
               (unsigned long long)p.cycle, p.p.x, p.p.y, p.p.axon, p.p.dly, p.p.graded,
               p.p.payload);
  }

  void compare_lines(const Tick &t, const char *what, const std::vector<std::string> &e,
                     const std::vector<std::string> &g, Result &res) {
    for (size_t i = 0; i < e.size() || i < g.size(); i++) {
      const std::string a = i < e.size() ? e[i] : "(none)", b = i < g.size() ? g[i] : "(none)";
      if (a != b) {
        miss(res, t, fmt("%s %zu: record '%s', RTL '%s'", what, i, a.c_str(), b.c_str()));
        return;
      }
    }
  }

  // Every neuron's state, read through the core's debug port, against the record's
  // state lines applied in order (neurons not stepped keep their state).
  template <class X>
  void compare_states(X &core, const Tick &t, Result &res) {
    for (const std::string &l : t.state) {
      unsigned j, s;
      int u;
      if (sscanf(l.c_str(), "%u %d %u", &j, &u, &s) == 3 && j < expect_u_.size()) {
        expect_u_[j] = u;
        expect_s_[j] = (uint8_t)s;
      }
    }
    for (uint32_t j = 0; j < r_.neurons; j++) {
      int32_t u;
      uint8_t s;
      core.state(j, &u, &s);
      if (u != expect_u_[j] || s != expect_s_[j]) {
        miss(res, t, fmt("neuron %u after the tick: record u %d s %u, RTL u %d s %u", j,
                         expect_u_[j], expect_s_[j], u, s));
        return;
      }
    }
  }

  const Record &r_;
  std::vector<int32_t> expect_u_;
  std::vector<uint8_t> expect_s_;
};

}  // namespace rec

#endif  // GLIF_TESTS_RECORD_HPP
