/* partition.c - placeholder until this pass lands. */
#include "../compiler/compile.h"

int cc_pass_partition(cc_ctx *ctx, glif_err *err) {
  (void)ctx;
  return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "pass '%s' is not built yet", "partition");
}

void cc_dump_map(const cc_ctx *ctx, FILE *out) { (void)ctx; (void)out; }
