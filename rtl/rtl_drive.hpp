/*
 * rtl_drive.hpp - drives one verilated glif_core (any parameters, C++ or SystemC
 * model) through the cycle protocol of rtl_core.h.
 *
 * Pipeline position: the one place that knows how the core's ports are clocked. The RTL
 * backend (rtl_core.cpp, the default-parameter model) and the directed core test (two
 * models with different parameters) instantiate it; the SystemC testbench drives the
 * same ports through sc_signals (tests/rtl/core_sc_tb.cpp).
 *
 * One cycle = set the inputs, evaluate (combinational outputs settle: this is where the
 * write-back and the engine activity of the cycle are observed), rising edge, evaluate.
 * Outputs that the protocol reads at the start of a cycle (in_ready, out_valid and the
 * offered packet, idle) depend on registered state only, so they are read after the
 * previous edge.
 */
#ifndef GLIF_RTL_DRIVE_HPP
#define GLIF_RTL_DRIVE_HPP

#include <cstdint>
#include <memory>

#include "rtl_core.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

// rtl_params from the NAME_KEY macros of a generated NAME_params.h.
#define RTL_PARAMS_OF(M)                                                              \
  rtl_params {                                                                        \
    M##_N, M##_AXONS, M##_D, M##_G, M##_TMAX, M##_E, M##_L, M##_S, M##_BC, M##_W,     \
        M##_V, M##_A, M##_F, M##_MMAX, M##_P, M##_PW, M##_XW, M##_YW, M##_TW          \
  }

namespace rtl {

inline int32_t sext(uint32_t v, unsigned bits) {
  const uint32_t m = 1u << (bits - 1);
  v &= bits >= 32 ? 0xffffffffu : (1u << bits) - 1u;
  return (int32_t)((v ^ m) - m);
}

inline uint32_t mask(uint32_t v, unsigned bits) {
  return bits >= 32 ? v : v & ((1u << bits) - 1u);
}

// The harness view of a verilated C++ model V: the ports are V's members; eval() is
// V's; a VCD is written through VerilatedVcdC with one dump per evaluation. (The
// SystemC testbench has its own adapter with the same members.)
struct ContextHolder {
  std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
  ContextHolder() { ctx->traceEverOn(true); }
};

template <class V>
class CcModel : private ContextHolder, public V {
 public:
  CcModel() : ContextHolder(), V(ctx.get()) {}
  ~CcModel() override {
    if (vcd_) vcd_->close();
    V::final();
  }
  bool trace_open(const char *path) {
    vcd_.reset(new VerilatedVcdC);
    V::trace(vcd_.get(), 99);
    vcd_->open(path);
    return vcd_->isOpen();
  }
  void trace_dump(uint64_t t) {
    if (vcd_) vcd_->dump(t);
  }

 private:
  std::unique_ptr<VerilatedVcdC> vcd_;
};

// M: a harness model (CcModel<V>, or the SystemC adapter) with glif_core's ports as
// assignable/readable members, eval(), trace_open(path) and trace_dump(time).
template <class M>
class Driver {
 public:
  explicit Driver(const rtl_params &p) : p_(p), m_(new M) {
    m_->rst = 1;
    clock();
    m_->rst = 0;
    wait_idle();
  }
  Driver(const Driver &) = delete;
  Driver &operator=(const Driver &) = delete;

  const rtl_params &params() const { return p_; }
  M &model() { return *m_; }

  bool trace(const char *path) { return m_->trace_open(path); }

  void configure(const rtl_cfg *w, size_t n) {
    for (size_t i = 0; i < n; i++) {
      m_->cfg_we = 1;
      m_->cfg_table = w[i].table;
      m_->cfg_field = w[i].field;
      m_->cfg_addr = w[i].addr;
      m_->cfg_data = w[i].data;
      clock();
    }
    m_->cfg_we = 0;
    m_->eval();
  }

  // Zero every state and accumulator: the clear engine runs N cycles outside any tick.
  void reset() {
    m_->clear = 1;
    clock();
    m_->clear = 0;
    wait_idle();
  }

  void set_hooks(const rtl_hooks *h) { hooks_ = h ? *h : rtl_hooks{}; }

  void tick_begin(uint32_t h) {
    tick_ = h;
    m_->tick_start = 1;
    m_->tick_h = h;
    clock();
    m_->tick_start = 0;
    m_->eval();
    st_ = rtl_tick_stats{};
    st_.ie_last = st_.oe_last = -1;
    ue_last_ = -1;
    c_ = 0;
    base_ = counters();
  }

  bool in_room() const { return m_->in_ready; }

  bool out_peek(rtl_packet *p) const {
    if (!m_->out_valid) return false;
    p->x = (uint16_t)m_->out_x;
    p->y = (uint16_t)m_->out_y;
    p->axon = (uint16_t)m_->out_axon;
    p->dly = (uint8_t)m_->out_delay;
    p->graded = (uint8_t)m_->out_graded;
    p->payload = sext(m_->out_payload, p_.pw);
    return true;
  }

  bool idle() const { return m_->idle; }

  // Clock gating for the RTL backend: a cycle in which the core is idle, receives no
  // packet and offers none changes no register of glif_core (idle means no engine has
  // work), so it is counted but not evaluated. Off by default: the co-simulation tests
  // clock every cycle.
  void set_gate_idle(bool on) { gate_idle_ = on; }

  // One cycle of the current tick. Returns whether the offered packet was sent.
  bool cycle(bool oe_room, const rtl_packet *in) {
    const bool offered = m_->out_valid;
    if (gate_idle_ && !in && !offered && m_->idle) {
      c_++;
      return false;
    }
    m_->out_ready = oe_room;
    m_->in_valid = in != nullptr;
    if (in) {
      m_->in_axon = in->axon;
      m_->in_delay = in->dly;
      m_->in_graded = in->graded;
      m_->in_payload = mask((uint32_t)in->payload, p_.pw);
    }
    m_->clk = 0;
    m_->eval();  // the cycle's combinational view: observed before the edge
    dump();
    observe(offered && oe_room, offered && !oe_room);
    m_->clk = 1;
    m_->eval();  // rising edge; outputs of the next cycle's start settle here
    dump();
    m_->in_valid = 0;
    m_->out_ready = 0;
    c_++;
    return offered && oe_room;
  }

  void tick_end(rtl_tick_stats *out) {
    const Counters now = counters();
    st_.cycles = c_;
    st_.update_phase = (uint64_t)(ue_last_ + 1);
    st_.synops = (uint32_t)(now.synops - base_.synops);
    st_.macs = (uint32_t)(now.macs - base_.macs);
    st_.row_reads = (uint32_t)(now.row_reads - base_.row_reads);
    st_.updates = (uint32_t)(now.updates - base_.updates);
    st_.spikes = (uint32_t)(now.spikes - base_.spikes);
    st_.packets = (uint32_t)(now.packets - base_.packets);
    *out = st_;
  }

  void state(uint32_t j, int32_t *u, uint8_t *s) const {
    m_->dbg_neuron = j;
    m_->eval();
    *u = sext((uint32_t)m_->dbg_u, p_.v);
    *s = (uint8_t)m_->dbg_s;
  }

  uint32_t errors() const { return m_->err; }

 private:
  struct Counters {
    uint32_t synops, macs, row_reads, updates, spikes, packets;
  };

  Counters counters() const {
    return Counters{m_->cnt_synops, m_->cnt_macs,   m_->cnt_row_reads,
                    m_->cnt_updates, m_->cnt_spikes, m_->cnt_packets};
  }

  // What happens in the current cycle, seen before its rising edge.
  void observe(bool sent, bool stalled) {
    if (m_->ue_active) {
      st_.ue_busy++;
      ue_last_ = (int64_t)c_;
    }
    if (m_->ie_active) {
      st_.ie_busy++;
      st_.ie_last = (int64_t)c_;
    }
    if (sent) {
      st_.oe_busy++;
      st_.oe_last = (int64_t)c_;
    }
    if (stalled) st_.oe_stalls++;
    // packets waiting in the buffer: all of them, less the one popped in this cycle
    st_.in_waits += m_->in_count - (m_->ie_start ? 1u : 0u);
    if (m_->wb_valid) {
      const int32_t u = sext(m_->wb_u, p_.v);
      if (hooks_.stepped)
        hooks_.stepped(hooks_.ctx, m_->wb_neuron, tick_, u, (uint8_t)m_->wb_s);
      if (m_->wb_emit && hooks_.emit)
        hooks_.emit(hooks_.ctx, m_->wb_neuron, tick_, c_, sext(m_->wb_payload, p_.p));
    }
  }

  void clock() {
    m_->clk = 0;
    m_->eval();
    dump();
    m_->clk = 1;
    m_->eval();
    dump();
  }

  void dump() {
    m_->trace_dump(time_);
    time_ += 5;
  }

  void wait_idle() {
    for (uint32_t i = 0; i < 4 * p_.n + 16 && !m_->idle; i++) clock();
  }

  rtl_params p_;
  std::unique_ptr<M> m_;
  rtl_hooks hooks_{};
  rtl_tick_stats st_{};
  Counters base_{};
  uint32_t tick_ = 0;
  uint64_t c_ = 0;
  int64_t ue_last_ = -1;
  uint64_t time_ = 0;
  bool gate_idle_ = false;
};

}  // namespace rtl

#endif  // GLIF_RTL_DRIVE_HPP
