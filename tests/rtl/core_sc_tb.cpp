/*
 * core_sc_tb.cpp - SystemC co-simulation of the neuron core: Verilator's SystemC model
 * of rtl/glif_core.v (Vglif_core_sc) replays a core record of the simulator, tick by
 * tick, and every tick is compared with what the simulator's C core model did.
 *
 *   glif_rtl_core_sc_tb RECORD [IMAGE] [--trace FILE.vcd] [--min-ticks N]
 *
 * RECORD comes from `glif run CHIP.img --input X.npy --record-core X,Y --record RECORD`;
 * IMAGE defaults to the image named in the record. The core is loaded from the image's
 * CORE section through the configuration port (rtl_config_words, the same writes the
 * RTL backend uses), then each recorded tick is replayed: the packets the router handed
 * over enter at their cycles, the output engine sees the router's back-pressure at the
 * recorded cycles, and the packets sent, emissions, neuron states, phase lengths and
 * event counts are compared (tests/rtl/record.hpp). Prints ticks, cycles, mismatches
 * and the co-simulation speed; exits 1 on any mismatch (the first is printed with its
 * tick and both values) and when fewer than --min-ticks ticks were compared.
 *
 * The testbench is an sc_main that owns the clock: one sc_start() per evaluation, so the
 * VCD (VerilatedVcdSc) has the clock and every port on a 1 ns grid.
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include <systemc.h>

#include "Vglif_core_sc.h"
#include "Vglif_core_sc_params.h"
#include "fabric/image.h"
#include "fabric/mem.h"
#include "record.hpp"
#include "rtl_drive.hpp"
#include "verilated_vcd_sc.h"

namespace {

// A port of the SystemC model seen as a plain member: assignment writes the signal,
// reading returns its value (the same syntax rtl::Driver uses on a C++ model).
template <class T>
class Port {
 public:
  explicit Port(sc_signal<T> &s) : s_(s) {}
  Port &operator=(uint64_t v) {
    s_.write((T)v);
    return *this;
  }
  operator T() const { return s_.read(); }

 private:
  sc_signal<T> &s_;
};

template <class P>
using data_of = typename std::remove_reference<P>::type::data_type;

#define GLIF_CORE_PORTS(X)                                                               \
  X(clk) X(rst) X(cfg_we) X(cfg_table) X(cfg_field) X(cfg_addr) X(cfg_data) X(clear)     \
  X(tick_start) X(tick_h) X(idle) X(in_valid) X(in_ready) X(in_axon) X(in_delay)         \
  X(in_graded) X(in_payload) X(out_valid) X(out_ready) X(out_x) X(out_y) X(out_axon)     \
  X(out_delay) X(out_graded) X(out_payload) X(wb_valid) X(wb_neuron) X(wb_u) X(wb_s)     \
  X(wb_emit) X(wb_payload) X(dbg_neuron) X(dbg_u) X(dbg_s) X(ue_active) X(ie_active)     \
  X(ie_start) X(in_count) X(cnt_synops) X(cnt_macs) X(cnt_row_reads) X(cnt_updates)      \
  X(cnt_spikes) X(cnt_packets) X(err)

// The harness model for rtl::Driver: signals bound to the SystemC model's ports, and a
// Port member per port under the port's own name.
class ScModel {
 public:
#define SIGNAL(p) sc_signal<data_of<decltype(std::declval<Vglif_core_sc &>().p)>> sig_##p{#p};
  GLIF_CORE_PORTS(SIGNAL)
#undef SIGNAL
#define PORT(p) Port<data_of<decltype(std::declval<Vglif_core_sc &>().p)>> p{sig_##p};
  GLIF_CORE_PORTS(PORT)
#undef PORT

  ScModel() : dut_("glif_core") {
#define BIND(p) dut_.p(sig_##p);
    GLIF_CORE_PORTS(BIND)
#undef BIND
  }

  // One evaluation = 1 ns of simulated time (delta cycles settle inside it).
  void eval() { sc_start(1, SC_NS); }

  bool trace_open(const char *path) {
    vcd_ = new VerilatedVcdSc;
    dut_.trace(vcd_, 99);
    vcd_->open(path);
    return vcd_->isOpen();
  }
  void trace_dump(uint64_t) {}  // VerilatedVcdSc samples on every time step itself
  void trace_close() {
    if (vcd_) vcd_->close();
  }

 private:
  Vglif_core_sc dut_;
  VerilatedVcdSc *vcd_ = nullptr;
};

struct Args {
  const char *record = nullptr, *image = nullptr, *trace = nullptr;
  uint64_t min_ticks = 1;
};

bool parse(int argc, char **argv, Args &a) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--trace") && i + 1 < argc) a.trace = argv[++i];
    else if (!strcmp(argv[i], "--min-ticks") && i + 1 < argc) a.min_ticks = strtoull(argv[++i], nullptr, 10);
    else if (!a.record) a.record = argv[i];
    else if (!a.image) a.image = argv[i];
    else return false;
  }
  return a.record != nullptr;
}

int fail(const glif_err &e) {
  glif_err_print(&e, stderr);
  return 1;
}

}  // namespace

int sc_main(int argc, char **argv) {
  Args a;
  if (!parse(argc, argv, a)) {
    fprintf(stderr, "usage: %s RECORD [IMAGE] [--trace FILE.vcd] [--min-ticks N]\n", argv[0]);
    return 2;
  }
  rec::Record r;
  std::string msg;
  if (!rec::read(a.record, r, msg)) return fprintf(stderr, "error: %s\n", msg.c_str()), 1;
  const char *image = a.image ? a.image : r.image.c_str();
  img_image *img = nullptr;
  glif_err err;
  glif_err_clear(&err);
  if (img_read(image, &img, &err)) return fail(err);
  const int32_t index = img_core_index(img, r.x, r.y);
  const rtl_params params = RTL_PARAMS_OF(Vglif_core_sc);
  rtl_cfg *words = nullptr;
  size_t n = 0;
  if (index < 0)
    return fprintf(stderr, "error: %s holds no core at (%u, %u)\n", image, r.x, r.y), 1;
  if (rtl_check_fit(&params, img, (uint32_t)index, &err) ||
      rtl_config_words(img, (uint32_t)index, &words, &n, &err))
    return fail(err);

  Verilated::traceEverOn(true);
  // SystemC objects must outlive the kernel: the driver is deliberately not destroyed,
  // and a static pointer keeps it reachable (no leak report under LeakSanitizer).
  static rtl::Driver<ScModel> *core;
  core = new rtl::Driver<ScModel>(params);
  if (a.trace && !core->trace(a.trace))
    return fprintf(stderr, "error: %s: cannot open the VCD for writing\n", a.trace), 1;
  core->configure(words, n);
  glif_free(words);

  const auto t0 = std::chrono::steady_clock::now();
  rec::Replayer rp(r);
  const rec::Result res = rp.run(*core);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  core->model().trace_close();
  printf("SystemC co-simulation: core (%u, %u) of %s, %llu ticks, %llu cycles compared, "
         "%llu mismatches, %.2f s (%.0f cycles/s)\n",
         r.x, r.y, image, (unsigned long long)res.ticks, (unsigned long long)res.cycles,
         (unsigned long long)res.mismatches, s, s > 0 ? res.cycles / s : 0.0);
  if (res.mismatches) fprintf(stderr, "first mismatch: %s\n", res.first.c_str());
  if (core->errors()) fprintf(stderr, "the core raised error bits 0x%x\n", core->errors());
  const bool ok = !res.mismatches && res.ticks >= a.min_ticks && !core->errors();
  img_free(img);
  return ok ? 0 : 1;
}
