/*
 * sim_summary.c - the human summary `glif run` prints: for one sample its dequantised
 * outputs, class, latency, energy breakdown and traffic; for a batch one line per
 * sample (up to 20) and the aggregates. Everything here is also in run.json.
 */
#include <string.h>

#include "sim_obs.h"

#define MAX_LINES 20

/* "12.3 nJ"-style energy with a unit that keeps 3-4 significant digits. */
static void print_pj(FILE *out, double pj) {
  const char *unit[] = {"pJ", "nJ", "uJ", "mJ", "J"};
  int u = 0;
  while (u < 4 && (pj >= 1000.0 || pj <= -1000.0)) {
    pj /= 1000.0;
    u++;
  }
  fprintf(out, "%.4g %s", pj, unit[u]);
}

static void print_breakdown(FILE *out, const sim_energy *e) {
  for (int c = 0; c < SIM_E_N; c++) {
    if (e->cat[c] == 0.0) continue;
    fprintf(out, "            %-9s ", sim_ecat_name(c));
    print_pj(out, e->cat[c]);
    fprintf(out, " (%.1f%%)\n", e->total ? 100.0 * e->cat[c] / e->total : 0.0);
  }
}

static void print_outputs(FILE *out, const sim_batch *b, const sim_sample *s) {
  fprintf(out, "  outputs  ");
  for (uint32_t i = 0; i < b->n_outputs && i < 16; i++) fprintf(out, " %.6g", s->outputs[i]);
  fprintf(out, b->n_outputs > 16 ? " ... (%u outputs)\n" : "\n", b->n_outputs);
}

static void print_traffic(FILE *out, const sim_batch *b, const glif_arch *a) {
  sim_counts n;
  memset(&n, 0, sizeof n);
  for (uint32_t h = 0; h < b->n_ticks; h++) sim_counts_add(&n, &b->ticks[h].n);
  uint64_t max = 0;
  size_t at = 0;
  for (size_t k = 0; k < (size_t)b->n_pos * 4; k++)
    if (b->links[k] > max) {
      max = b->links[k];
      at = k;
    }
  static const char *dir[4] = {"north", "east", "south", "west"};
  fprintf(out, "  traffic   %llu packets, %llu hops (%.2f per packet), %llu stall cycles in "
               "routers, %llu at output engines",
          (unsigned long long)n.packets, (unsigned long long)n.hops,
          n.packets ? (double)n.hops / (double)n.packets : 0.0,
          (unsigned long long)n.router_stalls, (unsigned long long)n.oe_stalls);
  if (max)
    fprintf(out, "; busiest link %llu packets, (%zu, %zu) %s", (unsigned long long)max,
            (at / 4) % a->mesh_x, (at / 4) / a->mesh_x, dir[at % 4]);
  fprintf(out, "%s\n", b->n_samples > 1 ? " (all samples)" : "");
}

static void print_one(FILE *out, const sim_model *m, const sim_batch *b) {
  const sim_sample *s = &b->samples[0];
  const glif_arch *a = sim_model_arch(m);
  uint64_t up = 0;
  for (uint32_t h = 0; h < b->n_ticks; h++) up += b->ticks[h].update_phase;
  fprintf(out, "sample 0: class %d", s->predicted);
  if (b->has_labels) fprintf(out, " (label %lld, %s)", (long long)s->label,
                             s->predicted == s->label ? "correct" : "wrong");
  fprintf(out, "\n");
  print_outputs(out, b, s);
  fprintf(out, "  latency   %llu cycles = %.4g us (%u ticks: update phases %llu cycles, "
               "barriers %llu cycles)\n",
          (unsigned long long)s->cycles, s->latency_us, b->n_ticks, (unsigned long long)up,
          (unsigned long long)b->n_ticks * a->barrier_cycles);
  fprintf(out, "  energy    ");
  print_pj(out, s->energy.total);
  fprintf(out, " per inference\n");
  print_breakdown(out, &s->energy);
}

static void print_batch(FILE *out, const sim_batch *b) {
  for (int64_t k = 0; k < b->n_samples && k < MAX_LINES; k++) {
    const sim_sample *s = &b->samples[k];
    fprintf(out, "sample %lld: class %d", (long long)k, s->predicted);
    if (b->has_labels) fprintf(out, " (label %lld)", (long long)s->label);
    fprintf(out, ", %llu cycles, ", (unsigned long long)s->cycles);
    print_pj(out, s->energy.total);
    fprintf(out, "\n");
  }
  if (b->n_samples > MAX_LINES)
    fprintf(out, "... %lld more samples in the report\n", (long long)(b->n_samples - MAX_LINES));
  fprintf(out, "batch: %lld samples", (long long)b->n_samples);
  if (b->has_labels)
    fprintf(out, ", accuracy %.4f (%lld/%lld)", b->accuracy, (long long)b->correct,
            (long long)b->n_samples);
  fprintf(out, "\n  latency   mean %.1f cycles (%.4g us), p50 %.0f, p90 %.0f, p99 %.0f\n",
          b->latency_cycles.mean, b->latency_us.mean, b->latency_cycles.p50,
          b->latency_cycles.p90, b->latency_cycles.p99);
  fprintf(out, "  energy    mean ");
  print_pj(out, b->energy_pj.mean);
  fprintf(out, ", p50 ");
  print_pj(out, b->energy_pj.p50);
  fprintf(out, ", p90 ");
  print_pj(out, b->energy_pj.p90);
  fprintf(out, ", p99 ");
  print_pj(out, b->energy_pj.p99);
  fprintf(out, " per inference\n");
}

void sim_summary_print(FILE *out, const sim_model *m, const sim_batch_opts *o,
                       const sim_batch *b) {
  const img_image *img = sim_model_image(m);
  const glif_arch *a = sim_model_arch(m);
  fprintf(out, "glif run: model %s, T = %u, %u ticks; %u of %u x %u cores; costs of %s "
               "(%.4g MHz); %s mode\n",
          img->model_name, img->T, img->n_ticks, img->n_cores, a->mesh_x, a->mesh_y,
          a->name, a->clock_mhz, o->mode == SIM_MODE_CYCLE ? "cycle-stepped" : "event-driven");
  if (b->core_model && strcmp(b->core_model, "c-model"))
    fprintf(out, "cores: %s model\n", b->core_model);
  if (b->n_samples == 1) print_one(out, m, b);
  else print_batch(out, b);
  print_traffic(out, b, a);
}
