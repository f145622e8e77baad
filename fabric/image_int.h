/*
 * image_int.h - internals shared by the chip-image writer (image.c), reader
 * (image_read.c) and validator (image_check.c). Not part of the public contract:
 * fabric/image.h is. Nothing outside these three files includes this header.
 *
 * Two things live here:
 *   - explicit little-endian load/store helpers, so no struct is ever dumped to disk
 *     and the file is byte-identical on any host;
 *   - the semantic validator (imgv_*), one implementation called by the writer before
 *     it writes and by the reader after it decodes, so the compiler can never produce
 *     an image that the reader refuses.
 */
#ifndef GLIF_IMAGE_INT_H
#define GLIF_IMAGE_INT_H

#include <stdint.h>
#include <string.h>

#include "image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- little-endian bytes ----------------------------------------------------------- */

static inline uint16_t ld16(const uint8_t *p) {
  return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}
static inline uint32_t ld32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static inline uint64_t ld64(const uint8_t *p) {
  return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}
static inline double ldf64(const uint8_t *p) {
  uint64_t u = ld64(p);
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}
static inline void st16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void st32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void st64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void stf64(uint8_t *p, double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  st64(p, u);
}

/* Offsets inside a CORE section: every array starts 8-byte aligned. */
typedef struct imgv_core_layout {
  uint64_t groups, neurons, axons, crossbar, fanout, symbols; /* byte offsets */
  uint64_t size;                                              /* section size */
} imgv_core_layout;

/* Layout implied by the counts; counts must already be bounded by the architecture
 * (every product then fits 64 bits). */
void imgv_core_layout_of(uint32_t T, uint32_t n_groups, uint32_t n_neurons,
                         uint32_t n_axons, uint32_t n_fanout, imgv_core_layout *l);

/* Structural fields of glif_arch, in ARCH-section order, for arch_check and hashing. */
#define IMGV_ARCH_U32_FIELDS 23

/* Reads / writes the 23 u32 fields of the ARCH section in their order. */
void imgv_arch_u32(const glif_arch *a, uint32_t out[IMGV_ARCH_U32_FIELDS]);
void imgv_arch_set_u32(glif_arch *a, const uint32_t in[IMGV_ARCH_U32_FIELDS]);
/* Same for the 10 f64 fields. */
void imgv_arch_f64(const glif_arch *a, double out[10]);
void imgv_arch_set_f64(glif_arch *a, const double in[10]);

/* ---- the validator ------------------------------------------------------------------ */

/* What the validator knows: who is asking (for the error code and the remedy), the
 * architecture and, once NET is known, the network. */
typedef struct imgv {
  glif_err *err;
  const char *file;      /* file named in messages */
  int code;              /* GLIF_ECORRUPT (reader) or GLIF_EINTERNAL (writer) */
  const char *fix;       /* what to do, appended to every message */
  const glif_arch *arch;
  uint32_t T, n_ticks;
  uint32_t n_layers;
  const img_layer *layers;
} imgv;

/* Where core positions live: slot[y*mesh_x + x] is the core's position in `cores`,
 * or -1. The writer fills only x, y, n_neurons, n_axons and axon_flags of its cores;
 * that is all the cross-checks need. */
typedef struct imgv_dests {
  uint32_t mesh_x, mesh_y;
  const int32_t *slot;
  const img_core *cores;
} imgv_dests;

/* Formats "<what> - <fix>" into v->err with v->code; returns v->code. */
int imgv_fail(const imgv *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "core (x, y)" for messages. */
void imgv_core_name(char *buf, size_t cap, uint32_t x, uint32_t y);

int imgv_arch(const imgv *v, const glif_arch *a);
/* A name field: NUL-terminated within cap bytes. */
int imgv_name(const imgv *v, const char *where, const char *field, const char *s,
              size_t cap);
int imgv_net(const imgv *v, uint32_t T, uint32_t n_ticks, const img_layer *layers,
             uint32_t n_layers);
/* Input header fields and the offsets table (not the entries' destinations). */
int imgv_input(const imgv *v, const img_input *in);
/* A core's position and counts against the architecture (arrays not looked at):
 * the reader calls it before it sizes anything from the counts. */
int imgv_core_counts(const imgv *v, const img_core *c);
/* Everything about one core that needs no other core. */
int imgv_core(const imgv *v, const img_core *c);
/* One fan-out or input entry against the destination cores. */
int imgv_entry(const imgv *v, const imgv_dests *d, const img_fanout *f,
               const char *where, uint32_t entry);
/* Output i against the core it names (NULL when that core is not in the image). */
int imgv_output(const imgv *v, const img_output *o, uint32_t i, const img_core *core);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_IMAGE_INT_H */
