/*
 * arch.h - the architecture description: one fabric, every number a field.
 *
 * Pipeline position: read by the compiler (capacities, widths), stored in the chip
 * image (so a simulator refuses an image built for another fabric), read by the
 * simulator (timing and energy) and by design-space exploration.
 *
 * Source of truth: architecture YAML files (format in docs/architecture.md). The named
 * presets are the YAML files in examples/arch/, embedded into the library at build
 * time, so a preset and its file can never disagree.
 *
 * Structural fields (everything that changes what a compiled image means: mesh, core
 * resources, widths) enter arch_hash(); timing and energy do not, so one image can be
 * re-costed under another energy preset of the same structure.
 */
#ifndef GLIF_ARCH_H
#define GLIF_ARCH_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "nrn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ARCH_NAME_MAX 64

typedef struct glif_arch {
  char name[ARCH_NAME_MAX]; /* e.g. "glif-256" */

  /* ---- mesh (structural) ---- */
  uint32_t mesh_x, mesh_y;  /* cores per row / column, 1..1024 each */
  uint32_t io_x, io_y;      /* router the I/O port attaches to (must be on the edge);
                               host packets enter it through its west input port */

  /* ---- core (structural) ---- */
  uint32_t neurons;         /* N: neurons (crossbar columns) per core, 1..65536 */
  uint32_t axons;           /* input axons (crossbar rows) per core, 1..65536 */
  uint32_t delay_slots;     /* D: accumulator slots per neuron, 2..16; max delay D-2 */
  uint32_t groups;          /* G: neuron-parameter groups per core, 1..65535 */
  uint32_t max_steps;       /* gain-table depth: largest T, 1..32 */
  uint32_t fanout_entries;  /* E: fan-out table entries per core, 1..2^24 */
  uint32_t lanes;           /* L: synapse lanes (crossbar columns per cycle), 1..N */
  uint32_t pipeline_depth;  /* S: stages of the neuron-update pipeline, 1..16 */
  uint32_t core_buffer;     /* packets the core's input buffer holds, 1..1024 */

  /* ---- widths in bits (structural) ---- */
  uint32_t weight_bits;     /* W: signed crossbar weights, 2..8 */
  uint32_t membrane_bits;   /* V: signed membrane, 8..31 */
  uint32_t acc_bits;        /* A: signed accumulator, 8..31 */
  uint32_t frac_bits;       /* F: coefficient fraction bits, 4..30 */
  uint32_t shift_max;       /* largest per-group weight shift M, 0..16 */
  uint32_t payload_in_bits; /* P for host input packets, 2..31 */
  uint32_t payload_sum_bits;/* P for partial-sum relay packets, 2..31 */

  /* ---- router (structural) ---- */
  uint32_t router_latency;  /* R: cycles per hop, uncontended, 1..64 */
  uint32_t router_buffer;   /* B: packets per router input buffer, 1..1024 */

  /* ---- timing (not structural) ---- */
  double clock_mhz;         /* core and router clock, (0, 10000] */
  uint32_t barrier_cycles;  /* cycles the end-of-tick barrier costs, 0..10^9 */

  /* ---- energy in pJ per event, static in uW per core (not structural) ---- */
  double e_synop;           /* one non-zero weight accumulated from a binary spike */
  double e_mac;             /* one non-zero weight times a graded payload */
  double e_row_read;        /* one crossbar row read (one packet processed) */
  double e_update;          /* one neuron update (inside the neuron's T-step window) */
  double e_spike;           /* one spike or graded payload emitted by a neuron */
  double e_packet;          /* one packet injected into the mesh (incl. host input) */
  double e_hop;             /* one packet crossing one router-to-router link */
  double e_barrier;         /* one end-of-tick barrier */
  double static_uw_per_core;/* leakage of one core + router, for every mesh core */
} glif_arch;

/* Derived capacities, for reports and design-rule checks. */
typedef struct arch_capacity {
  uint64_t cores;              /* mesh_x * mesh_y */
  uint64_t neurons;            /* per chip */
  uint64_t synapses_per_core;  /* axons * neurons crossbar cells */
  uint64_t synapses;           /* per chip */
  uint64_t bits_crossbar;      /* per core: axons * N * W */
  uint64_t bits_state;         /* per core: N * (V + 1) + D * N * A */
  uint64_t bits_groups;        /* per core: G * (3*(F+1) + 4*V + A + max_steps*(F+1)) */
  uint64_t bits_fanout;        /* per core: E * (x + y + axon + delay bits) */
  uint64_t bits_core;          /* per core: all of the above plus the neuron and axon tables */
  uint64_t bits_chip;          /* per chip */
} arch_capacity;

/* Fills a with the default architecture (glif-256, DESIGN section 4). */
void arch_default(glif_arch *a);

/* Loads and validates an architecture YAML file. Unknown keys, bad values and
 * malformed YAML give "file:line:col: message (value, allowed range) - fix". */
int arch_load(const char *path, glif_arch *a, glif_err *err);
/* Same from a string; `name` is used as the file name in messages. */
int arch_load_string(const char *text, const char *name, glif_arch *a,
                     glif_err *err);

/* Resolves ARCH as a file path if it exists (or ends in .yaml/.yml), else as the
 * name of a built-in preset ("glif-256", "loihi", "truenorth", "odin", ...). */
int arch_resolve(const char *path_or_preset, glif_arch *a, glif_err *err);

/* Built-in presets: NULL-terminated list of names; text of one (NULL if unknown). */
const char *const *arch_preset_names(void);
const char *arch_preset_text(const char *name);

/* Checks every field's range and the cross-field rules (lanes <= neurons, I/O port
 * on the edge, ...). arch_load calls it; call it after editing a struct by hand. */
int arch_validate(const glif_arch *a, glif_err *err);

/* CRC-32 of the structural fields in a fixed little-endian serialisation. */
uint32_t arch_hash(const glif_arch *a);

void arch_capacity_of(const glif_arch *a, arch_capacity *c);

/* Neuron-step widths for graded relays (payload_sum_bits) of this architecture. */
nrn_widths arch_nrn_widths(const glif_arch *a);

/* Human-readable description with derived capacities (what `glif arch` prints). */
void arch_print(const glif_arch *a, FILE *out);

/* Writes a as a complete architecture YAML (loadable by arch_load). */
void arch_write_yaml(const glif_arch *a, FILE *out);

/* ---- the numeric fields by name (JSON reports, design-space sweeps) --------------- */

/* One numeric field of the YAML format: "section.key" <-> a member of glif_arch. */
typedef struct arch_field {
  const char *section;  /* YAML section: "mesh", "io_port", "core", "widths", ... */
  const char *key;      /* key inside it: "neurons" */
  int is_float;         /* 0: uint32_t member, 1: double member */
  int structural;       /* 1 when the field enters arch_hash() */
  size_t offset;        /* offsetof(glif_arch, member) */
  double lo, hi;        /* allowed range, inclusive (lo excluded when lo_open) */
  int lo_open;          /* 1 for (lo, hi], e.g. clock_mhz > 0 */
  const char *doc;      /* one line: meaning and unit */
} arch_field;

/* The fields in document order; *count receives their number. */
const arch_field *arch_fields(size_t *count);
/* The field named "section.key", or NULL. */
const arch_field *arch_field_find(const char *path);
/* Value of field f of a as a double (exact for every uint32_t). */
double arch_field_get(const glif_arch *a, const arch_field *f);
/* Sets "section.key" from text, as the YAML loader would (type and range checks; the
 * cross-field rules are arch_validate's: call it after the last change). */
int arch_set(glif_arch *a, const char *path, const char *value, glif_err *err);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_ARCH_H */
