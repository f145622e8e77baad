/*
 * rtl_backend.h - the RTL simulation backend of `glif run --backend rtl`: every core of
 * the chip is a verilated glif_core (rtl_core.h) behind the simulator's core interface
 * (simulator/sim_core.h), while the mesh, the routers and the host stay in C.
 *
 * Pipeline position: plugged into the simulator's cycle-stepped engine through
 * sim_batch_opts.core_factory; the run report has the same format as with the C core
 * model, and on the same image every simulated field must be identical (tests/rtl).
 */
#ifndef GLIF_RTL_BACKEND_H
#define GLIF_RTL_BACKEND_H

#include <stdint.h>

#include "../fabric/err.h"
#include "../simulator/sim_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* sim_core_factory: builds the RTL core for core `index` of the model's image (checked
 * with rtl_check_fit: an image for another architecture than the RTL's parameters gets
 * GLIF_EARCH naming the field). ctx is unused (NULL). */
int rtl_backend_core(void *ctx, const sim_model *m, uint32_t index,
                     const sim_core_ops **ops, void **core, glif_err *err);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_RTL_BACKEND_H */
