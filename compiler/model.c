/* model.c - placeholder until this pass lands. */
#include "compile.h"

int cc_pass_load(cc_ctx *ctx, glif_err *err) {
  (void)ctx;
  return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "pass '%s' is not built yet", "load");
}

void cc_dump_model(const cc_ctx *ctx, FILE *out) { (void)ctx; (void)out; }
void cc_dump_net(const cc_ctx *ctx, FILE *out) { (void)ctx; (void)out; }
