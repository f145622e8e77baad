/* trace.c - placeholder until the trace writer lands (owned by the compiler front end). */
#include "trace.h"

int trace_open(trace_writer **tw, const char *path, const char *model_name, int T,
               glif_err *err) {
  (void)tw; (void)model_name; (void)T;
  return glif_errf(err, GLIF_EUNSUPPORTED, path, 0, 0, "traces are not built yet");
}
int trace_layer(trace_writer *tw, const char *name, int kind, uint32_t n) {
  (void)tw; (void)name; (void)kind; (void)n; return GLIF_EUNSUPPORTED;
}
int trace_sample_begin(trace_writer *tw, int64_t s) { (void)tw; (void)s; return GLIF_EUNSUPPORTED; }
int trace_spikes(trace_writer *tw, int l, int t, const uint32_t *idx, uint32_t n) {
  (void)tw; (void)l; (void)t; (void)idx; (void)n; return GLIF_EUNSUPPORTED;
}
int trace_readout_fixed(trace_writer *tw, int l, const int32_t *u, uint32_t n) {
  (void)tw; (void)l; (void)u; (void)n; return GLIF_EUNSUPPORTED;
}
int trace_readout_float(trace_writer *tw, int l, const double *u, uint32_t n) {
  (void)tw; (void)l; (void)u; (void)n; return GLIF_EUNSUPPORTED;
}
int trace_sample_end(trace_writer *tw) { (void)tw; return GLIF_EUNSUPPORTED; }
int trace_close(trace_writer *tw, glif_err *err) {
  (void)tw; return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "traces are not built yet");
}
void trace_abort(trace_writer *tw) { (void)tw; }
