/* arch.c - placeholder until the architecture loader lands. */
#include "arch.h"

#include <string.h>

extern const char *const glif_arch_preset_names[];
extern const char *const glif_arch_preset_texts[];

void arch_default(glif_arch *a) {
  memset(a, 0, sizeof *a);
  snprintf(a->name, sizeof a->name, "glif-256");
  a->mesh_x = a->mesh_y = 8;
  a->neurons = a->axons = 256;
  a->delay_slots = 4; a->groups = 64; a->max_steps = 32; a->fanout_entries = 4096;
  a->lanes = 16; a->pipeline_depth = 3; a->core_buffer = 4;
  a->weight_bits = 8; a->membrane_bits = 24; a->acc_bits = 24; a->frac_bits = 15;
  a->shift_max = 6; a->payload_in_bits = 8; a->payload_sum_bits = 24;
  a->router_latency = 2; a->router_buffer = 4; a->clock_mhz = 200; a->barrier_cycles = 100;
}
int arch_load(const char *path, glif_arch *a, glif_err *err) {
  (void)a;
  return glif_errf(err, GLIF_EUNSUPPORTED, path, 0, 0, "architecture files are not built yet");
}
int arch_load_string(const char *text, const char *name, glif_arch *a, glif_err *err) {
  (void)text; (void)a;
  return glif_errf(err, GLIF_EUNSUPPORTED, name, 0, 0, "architecture files are not built yet");
}
int arch_resolve(const char *p, glif_arch *a, glif_err *err) {
  if (!p || !strcmp(p, "glif-256")) { arch_default(a); return 0; }
  return arch_load(p, a, err);
}
const char *const *arch_preset_names(void) { return glif_arch_preset_names; }
const char *arch_preset_text(const char *name) { (void)name; return NULL; }
int arch_validate(const glif_arch *a, glif_err *err) { (void)a; (void)err; return 0; }
uint32_t arch_hash(const glif_arch *a) { (void)a; return 0; }
void arch_capacity_of(const glif_arch *a, arch_capacity *c) { (void)a; memset(c, 0, sizeof *c); }
nrn_widths arch_nrn_widths(const glif_arch *a) {
  nrn_widths w = {(uint8_t)a->membrane_bits, (uint8_t)a->acc_bits, (uint8_t)a->frac_bits,
                  (uint8_t)a->payload_sum_bits};
  return w;
}
void arch_print(const glif_arch *a, FILE *out) { fprintf(out, "architecture %s\n", a->name); }
void arch_write_yaml(const glif_arch *a, FILE *out) { (void)a; (void)out; }
