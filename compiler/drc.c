/* drc.c - placeholder until this pass lands. */
#include "compile.h"

int cc_pass_drc(cc_ctx *ctx, glif_err *err) {
  (void)ctx;
  return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "pass '%s' is not built yet", "drc");
}
