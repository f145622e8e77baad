/*
 * core_ref.hpp - a small cycle-stepped C++ model of one neuron core, written from
 * docs/timing.md alone, for the directed RTL core test (tests/rtl/test_core.cpp).
 *
 * Pipeline position: test-only. It is the "C reference of the core cycle behaviour"
 * that the verilated glif_core is compared with, cycle by cycle, on hand-built
 * configurations and packet streams. It shares nothing with the RTL but nrn_step()
 * (the one neuron arithmetic) and the decoded image structs; its structure follows the
 * contract's wording (engines, buffer, spike queue), not the RTL's.
 */
#ifndef GLIF_TESTS_CORE_REF_HPP
#define GLIF_TESTS_CORE_REF_HPP

#include <cstdint>
#include <deque>
#include <vector>

#include "fabric/image.h"
#include "fabric/nrn.h"
#include "rtl_core.h"

namespace ref {

class Core {
 public:
  Core(const rtl_params &p, const img_image *img, uint32_t index)
      : p_(p), img_(img), c_(&img->cores[index]), n_(c_->n_neurons),
        k_((n_ + p.l - 1) / p.l), u_(n_), s_(n_), acc_((size_t)p.d * n_) {
    w_ = nrn_widths{(uint8_t)p.v, (uint8_t)p.a, (uint8_t)p.f, (uint8_t)p.p};
  }

  void reset() {
    std::fill(u_.begin(), u_.end(), 0);
    std::fill(s_.begin(), s_.end(), 0);
    std::fill(acc_.begin(), acc_.end(), 0);
  }

  void set_hooks(const rtl_hooks *h) { hooks_ = h ? *h : rtl_hooks{}; }

  // Cycle 0 of tick h: the update engine lists the active neurons in index order.
  void tick_begin(uint32_t h) {
    h_ = h;
    c_now_ = 0;
    act_.clear();
    for (uint32_t j = 0; j < n_; j++) {
      const img_group &g = c_->groups[c_->neurons[j].group];
      if (h >= g.first_tick && h < g.first_tick + img_->T) act_.push_back(j);
    }
    next_ = 0;
    pipe_.clear();
    st_ = rtl_tick_stats{};
    st_.ie_last = st_.oe_last = -1;
  }

  bool in_room() const { return buf_.size() < p_.bc; }

  bool out_peek(rtl_packet *p) const {
    if (queue_.empty()) return false;
    const Emission &e = queue_.front();
    const img_fanout &f = c_->fanout[e.start + oe_idx_];
    *p = rtl_packet{f.x, f.y, f.axon, f.delay, (uint8_t)(f.flags & 1u),
                    (f.flags & 1u) ? e.payload : 0};
    return true;
  }

  bool idle() const {
    return next_ == act_.size() && pipe_.empty() && !ie_busy_ && buf_.empty() &&
           queue_.empty();
  }

  // Cycle c: every decision looks at the state at the start of c; effects land at c+1.
  bool cycle(bool oe_room, const rtl_packet *in) {
    const uint64_t c = c_now_;
    const bool sent = output_engine(c, oe_room);
    input_engine(c);
    update_engine(c);
    if (in) buf_.push_back(*in);  // in the buffer from c + 1
    c_now_++;
    st_.cycles = c_now_;
    return sent;
  }

  void tick_end(rtl_tick_stats *out) { *out = st_; }

  void state(uint32_t j, int32_t *u, uint8_t *s) const {
    *u = u_[j];
    *s = s_[j];
  }

 private:
  struct Emission {
    uint32_t start, count;
    int32_t payload;
  };
  struct Result {
    uint64_t ready;  // end of cycle i + S - 1
    uint32_t j;
    nrn_out o;
  };

  bool output_engine(uint64_t c, bool room) {
    if (queue_.empty()) return false;  // (entries appended in c are not visible yet)
    if (!room) {
      st_.oe_stalls++;
      return false;
    }
    st_.oe_busy++;
    st_.oe_last = (int64_t)c;
    st_.packets++;
    if (++oe_idx_ == queue_.front().count) {
      queue_.pop_front();
      oe_idx_ = 0;
    }
    return true;
  }

  void input_engine(uint64_t c) {
    const bool popping = !ie_busy_ && !buf_.empty();
    st_.in_waits += buf_.size() - (popping ? 1 : 0);
    if (popping) {  // axon lookup
      cur_ = buf_.front();
      buf_.pop_front();
      ie_busy_ = true;
      chunk_ = 0;
      st_.row_reads++;
    } else if (ie_busy_) {
      accumulate_chunk();
      if (++chunk_ == k_) ie_busy_ = false;
    } else {
      return;
    }
    st_.ie_busy++;
    st_.ie_last = (int64_t)c;
  }

  void accumulate_chunk() {
    const uint32_t slot = (h_ + 1 + cur_.dly) % p_.d;
    for (uint32_t j = chunk_ * p_.l; j < (chunk_ + 1) * p_.l && j < n_; j++) {
      const int64_t w = c_->crossbar[(size_t)cur_.axon * n_ + j];
      if (!w) continue;
      const uint8_t m = c_->groups[c_->neurons[j].group].shift;
      const int64_t add = cur_.graded ? w * cur_.payload : w * ((int64_t)1 << m);
      int32_t &a = acc_[(size_t)slot * n_ + j];
      a = (int32_t)nrn_sat(a + add, p_.a);
      (cur_.graded ? st_.macs : st_.synops)++;
    }
  }

  void update_engine(uint64_t c) {
    if (next_ < act_.size()) issue(act_[next_++], c);
    if (next_ < act_.size() || !pipe_.empty()) {
      st_.ue_busy++;
      st_.update_phase = c + 1;
    }
    while (!pipe_.empty() && pipe_.front().ready == c) {
      writeback(pipe_.front(), c);
      pipe_.pop_front();
    }
  }

  void issue(uint32_t j, uint64_t c) {
    const img_group &g = c_->groups[c_->neurons[j].group];
    nrn_param prm = g.p;
    prm.g = g.gain[h_ - g.first_tick];
    int32_t &x = acc_[(size_t)(h_ % p_.d) * n_ + j];
    const nrn_out o = nrn_step(&prm, nrn_state{u_[j], s_[j]}, nrn_event{x}, w_);
    x = 0;
    st_.updates++;
    pipe_.push_back(Result{c + p_.s - 1, j, o});
  }

  void writeback(const Result &r, uint64_t c) {
    u_[r.j] = r.o.next.u;
    s_[r.j] = r.o.next.s;
    if (hooks_.stepped) hooks_.stepped(hooks_.ctx, r.j, h_, r.o.next.u, r.o.next.s);
    if (!r.o.emit) return;
    st_.spikes++;
    if (hooks_.emit) hooks_.emit(hooks_.ctx, r.j, h_, c, r.o.payload);
    const img_neuron &nn = c_->neurons[r.j];
    if (nn.fanout_count) queue_.push_back(Emission{nn.fanout_start, nn.fanout_count,
                                                   r.o.payload});
  }

  rtl_params p_;
  const img_image *img_;
  const img_core *c_;
  uint32_t n_, k_;
  nrn_widths w_;
  std::vector<int32_t> u_;
  std::vector<uint8_t> s_;
  std::vector<int32_t> acc_;  // [D][n]
  rtl_hooks hooks_{};
  uint32_t h_ = 0;
  uint64_t c_now_ = 0;
  std::vector<uint32_t> act_;
  size_t next_ = 0;
  std::deque<Result> pipe_;
  std::deque<rtl_packet> buf_;
  bool ie_busy_ = false;
  rtl_packet cur_{};
  uint32_t chunk_ = 0;
  std::deque<Emission> queue_;
  uint32_t oe_idx_ = 0;
  rtl_tick_stats st_{};
};

}  // namespace ref

#endif  // GLIF_TESTS_CORE_REF_HPP
