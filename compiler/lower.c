/* lower.c - placeholder until this pass lands. */
#include "compile.h"

int cc_pass_lower(cc_ctx *ctx, glif_err *err) {
  (void)ctx;
  return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "pass '%s' is not built yet", "lower");
}

void cc_dump_lowered(const cc_ctx *ctx, FILE *out) { (void)ctx; (void)out; }
