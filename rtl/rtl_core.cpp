/*
 * rtl_core.cpp - the C API of rtl_core.h over the default-parameter glif_core model
 * (Vglif_core, verilated with GLIF_RTL_CORE_PARAMS by rtl/CMakeLists.txt).
 *
 * Pipeline position: what the RTL backend of `glif run` calls for every core; all the
 * clocking is rtl::Driver (rtl_drive.hpp). Allocation of the handle goes through
 * glif_malloc so a failed allocation is reported like everywhere else; the verilated
 * model itself is allocated by Verilator's runtime (operator new).
 */
#include <new>

#include "../fabric/mem.h"
#include "Vglif_core.h"
#include "Vglif_core_params.h"
#include "rtl_core.h"
#include "rtl_drive.hpp"

struct rtl_core {
  rtl::Driver<rtl::CcModel<Vglif_core>> *drv;
};

static const rtl_params kParams = RTL_PARAMS_OF(Vglif_core);

extern "C" const rtl_params *rtl_core_params(void) { return &kParams; }

extern "C" int rtl_core_create(rtl_core **out, const img_image *img, uint32_t index,
                               const char *vcd_path, glif_err *err) {
  *out = nullptr;
  int rc = rtl_check_fit(&kParams, img, index, err);
  if (rc) return rc;
  rtl_cfg *words = nullptr;
  size_t n = 0;
  if ((rc = rtl_config_words(img, index, &words, &n, err))) return rc;
  rtl_core *c = (rtl_core *)glif_calloc(1, sizeof *c);
  if (c) c->drv = new (std::nothrow) rtl::Driver<rtl::CcModel<Vglif_core>>(kParams);
  if (!c || !c->drv) {
    glif_free(c);
    glif_free(words);
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for an RTL core");
  }
  c->drv->configure(words, n);
  c->drv->set_gate_idle(true);
  glif_free(words);
  if (vcd_path && !c->drv->trace(vcd_path)) {
    rtl_core_destroy(c);
    return glif_errf(err, GLIF_EIO, vcd_path, 0, 0,
                     "cannot open the VCD file for writing - check the folder exists");
  }
  c->drv->reset();
  *out = c;
  return 0;
}

extern "C" void rtl_core_destroy(rtl_core *c) {
  if (!c) return;
  delete c->drv;
  glif_free(c);
}

extern "C" void rtl_core_reset(rtl_core *c) { c->drv->reset(); }

extern "C" void rtl_core_set_hooks(rtl_core *c, const rtl_hooks *hooks) {
  c->drv->set_hooks(hooks);
}

extern "C" void rtl_core_tick_begin(rtl_core *c, uint32_t tick) { c->drv->tick_begin(tick); }

extern "C" int rtl_core_in_room(const rtl_core *c) { return c->drv->in_room(); }

extern "C" int rtl_core_out_peek(const rtl_core *c, rtl_packet *p) {
  return c->drv->out_peek(p);
}

extern "C" int rtl_core_cycle(rtl_core *c, int oe_room, const rtl_packet *in) {
  return c->drv->cycle(oe_room != 0, in);
}

extern "C" int rtl_core_idle(const rtl_core *c) { return c->drv->idle(); }

extern "C" void rtl_core_tick_end(rtl_core *c, rtl_tick_stats *out) {
  c->drv->tick_end(out);
}

extern "C" void rtl_core_state(const rtl_core *c, uint32_t neuron, int32_t *u,
                               uint8_t *s) {
  c->drv->state(neuron, u, s);
}

extern "C" uint32_t rtl_core_errors(const rtl_core *c) { return c->drv->errors(); }
