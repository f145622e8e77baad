/*
 * image_read.c - the chip-image reader: from bytes to a validated img_image.
 *
 * Pipeline position: the first step of the simulator, the RTL harness and
 * `glif inspect`. The layout is fabric/image.h; the field rules are image_check.c,
 * shared with the writer.
 *
 * Order of the checks, so that each message names the first real problem:
 *   1. the header: magic (a foreign file), version, header CRC, file size (truncated?);
 *   2. the directory: its bounds and CRC;
 *   3. every section in directory order: type, core index order, placement (sections
 *      follow each other 8-byte aligned, without gaps), padding, CRC;
 *   4. decoding, section by section: each size must be exactly what its counts imply
 *      (so no count read from the file can size an allocation beyond the file), and
 *      every field is validated;
 *   5. cross-references between sections: fan-out and input destinations, outputs.
 * Nothing is allocated before every CRC has passed. Every byte of the file is covered
 * by a CRC or checked to be zero, so any flipped bit is refused.
 *
 * Decoded data lives in one arena (img->priv), so img_free is one call and an
 * allocation failure at any point unwinds cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "image_int.h"
#include "mem.h"

#define FIX_CRC "the file is corrupted - recompile the model or copy the file again"
#define FIX_BAD "the image is invalid - recompile the model with this glif"

/* What img->priv points to. */
typedef struct img_priv {
  glif_arena *arena; /* owns everything, img itself included */
  int32_t *slot;     /* [mesh_x * mesh_y]: position in img->cores, or -1 */
} img_priv;

typedef struct dirent_rec {
  uint32_t type, index;
  uint64_t off, size;
  uint32_t crc, reserved;
} dirent_rec;

typedef struct reader {
  const uint8_t *p;      /* the whole file */
  uint64_t size;
  const char *name;      /* file named in messages */
  glif_err *err;
  uint32_t n_sections, arch_hash;
  uint32_t mesh_x;       /* from the ARCH section once its CRC passed, to name cores */
  int mapped;            /* p is our private read-only mapping of the file */
  imgv v;
  glif_arena *arena;
  img_image *img;
  img_priv *priv;
} reader;

/* A structural problem: the file is damaged. */
static int bad(const reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const reader *r, const char *fmt, ...) {
  char what[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return glif_errf(r->err, GLIF_ECORRUPT, r->name, 0, 0, "%s - %s", what, FIX_CRC);
}

static uint32_t crc_of(const uint8_t *p, uint64_t n) {
  uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
  while (n > 0) {
    uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
    crc = (uint32_t)crc32(crc, p, k);
    p += k;
    n -= k;
  }
  return crc;
}

/* Drops the pages of bytes [off, off + n) from a mapped file once they are read, so
 * the process holds the decoded image rather than the decoded image plus the file
 * (they come back from the page cache if touched again). A no-op for caller buffers. */
static void release(const reader *r, uint64_t off, uint64_t n) {
  const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  uint64_t from = (off + page - 1) / page * page, to = (off + n) / page * page;
  if (r->mapped && to > from)
    madvise((void *)(uintptr_t)(r->p + from), (size_t)(to - from), MADV_DONTNEED);
}

static int all_zero(const uint8_t *p, uint64_t n) {
  for (uint64_t i = 0; i < n; i++)
    if (p[i]) return 0;
  return 1;
}

/* ---- 1. header ------------------------------------------------------------------------ */

static int foreign(const reader *r) {
  char hex[32] = "", text[12] = "";
  size_t n = r->size < 8 ? (size_t)r->size : 8;
  for (size_t i = 0, at = 0; i < n; i++) {
    at += (size_t)snprintf(hex + at, sizeof hex - at, "%s%02x", i ? " " : "", r->p[i]);
    text[i] = r->p[i] >= 0x20 && r->p[i] < 0x7f ? (char)r->p[i] : '.';
  }
  return glif_errf(r->err, GLIF_ECORRUPT, r->name, 0, 0,
                   "not a GLIF chip image (magic %s \"%s\", expected \"GLIFIMG\" and a "
                   "NUL) - pass a .img file written by 'glif compile'", hex, text);
}

static int check_magic_version(const reader *r) {
  size_t n = r->size < 8 ? (size_t)r->size : 8;
  if (n > 0 && memcmp(r->p, IMG_MAGIC, n) != 0) return foreign(r);
  if (r->size < IMG_HEADER_SIZE)
    return bad(r, "truncated: the file has %llu bytes, a chip image starts with a "
               "%u-byte header", (unsigned long long)r->size, IMG_HEADER_SIZE);
  uint32_t version = ld32(r->p + 8);
  if (version != IMG_VERSION)
    return glif_errf(r->err, GLIF_EVERSION, r->name, 0, 0,
                     "chip image version %u, this glif reads version %u - recompile "
                     "the model with this glif", version, IMG_VERSION);
  return 0;
}

static int check_header(reader *r) {
  const uint8_t *p = r->p;
  int rc = check_magic_version(r);
  if (rc) return rc;
  uint32_t stored = ld32(p + 60), computed = crc_of(p, 60);
  if (stored != computed)
    return bad(r, "header CRC mismatch (stored 0x%08x, computed 0x%08x)", stored,
               computed);
  if (ld32(p + 12) != IMG_HEADER_SIZE || !all_zero(p + 36, 24))
    return bad(r, "header: header_size %u (expected %u) or non-zero reserved bytes",
               ld32(p + 12), IMG_HEADER_SIZE);
  uint64_t file_size = ld64(p + 16);
  if (file_size > r->size)
    return bad(r, "truncated: header says %llu bytes, file has %llu - the file was "
               "cut short", (unsigned long long)file_size, (unsigned long long)r->size);
  if (file_size < r->size)
    return bad(r, "header says %llu bytes, file has %llu: %llu bytes were appended",
               (unsigned long long)file_size, (unsigned long long)r->size,
               (unsigned long long)(r->size - file_size));
  r->n_sections = ld32(p + 24);
  r->arch_hash = ld32(p + 28);
  return 0;
}

/* ---- 2. directory ----------------------------------------------------------------------- */

static dirent_rec dirent_at(const reader *r, uint32_t i) {
  const uint8_t *e = r->p + IMG_HEADER_SIZE + (size_t)i * IMG_DIRENT_SIZE;
  dirent_rec d = {ld32(e), ld32(e + 4), ld64(e + 8), ld64(e + 16), ld32(e + 24),
                  ld32(e + 28)};
  return d;
}

static int check_directory(const reader *r) {
  if (r->n_sections < 5)
    return bad(r, "header: n_sections = %u, a chip image has at least 5 (ARCH, NET, "
               "INPUT, OUTPUT and one CORE)", r->n_sections);
  uint64_t bytes = (uint64_t)r->n_sections * IMG_DIRENT_SIZE;
  if (IMG_HEADER_SIZE + bytes > r->size)
    return bad(r, "header: a directory of %u sections (%llu bytes) does not fit the "
               "%llu-byte file", r->n_sections, (unsigned long long)bytes,
               (unsigned long long)r->size);
  uint32_t stored = ld32(r->p + 32), computed = crc_of(r->p + IMG_HEADER_SIZE, bytes);
  if (stored != computed)
    return bad(r, "section directory CRC mismatch (stored 0x%08x, computed 0x%08x)",
               stored, computed);
  return 0;
}

/* ---- 3. sections -------------------------------------------------------------------------- */

static const char *const type_names[] = {"?", "ARCH", "NET", "INPUT", "OUTPUT", "CORE"};

static const char *type_name(uint32_t t) {
  return t >= 1 && t <= IMG_SEC_CORE ? type_names[t] : "unknown";
}

static void sec_name(const reader *r, const dirent_rec *d, char *buf, size_t cap) {
  if (d->type != IMG_SEC_CORE)
    snprintf(buf, cap, "%s section", type_name(d->type));
  else if (r->mesh_x)
    imgv_core_name(buf, cap, d->index % r->mesh_x, d->index / r->mesh_x);
  else
    snprintf(buf, cap, "CORE section of core index %u", d->index);
}

static int check_order(const reader *r, uint32_t i, const dirent_rec *d,
                       int64_t *prev_core) {
  uint32_t want = i < 4 ? i + 1 : IMG_SEC_CORE;
  if (d->type != want)
    return bad(r, "directory entry %u: section type %u (%s), expected %u (%s): sections "
               "are ARCH, NET, INPUT, OUTPUT, then the cores", i, d->type,
               type_name(d->type), want, type_name(want));
  if (want != IMG_SEC_CORE && d->index != 0)
    return bad(r, "directory entry %u (%s): index %u, expected 0", i, type_name(want),
               d->index);
  if (want == IMG_SEC_CORE && (int64_t)d->index <= *prev_core)
    return bad(r, "directory entry %u: core index %u after core index %lld (cores come "
               "in increasing index y*mesh_x + x)", i, d->index, (long long)*prev_core);
  if (want == IMG_SEC_CORE) *prev_core = d->index;
  if (d->reserved != 0)
    return bad(r, "directory entry %u: reserved field 0x%08x is not zero", i,
               d->reserved);
  return 0;
}

/* Placement, CRC and trailing padding of one section; *next is where the next one
 * must start. */
static int check_placement(const reader *r, const dirent_rec *d, uint64_t *next) {
  char name[64];
  sec_name(r, d, name, sizeof name);
  if (d->off != *next)
    return bad(r, "%s: offset %llu, expected %llu (sections follow each other 8-byte "
               "aligned, without gaps)", name, (unsigned long long)d->off,
               (unsigned long long)*next);
  if (d->size > r->size - d->off)
    return bad(r, "%s: %llu bytes at offset %llu run past the end of the %llu-byte "
               "file", name, (unsigned long long)d->size, (unsigned long long)d->off,
               (unsigned long long)r->size);
  uint32_t computed = crc_of(r->p + d->off, d->size);
  release(r, d->off, d->size);
  if (computed != d->crc)
    return bad(r, "%s: CRC mismatch (stored 0x%08x, computed 0x%08x)", name, d->crc,
               computed);
  uint64_t end = d->off + d->size;
  *next = IMG_PAD8(end);
  if (*next > r->size || !all_zero(r->p + end, *next - end))
    return bad(r, "%s: the padding after it (bytes %llu .. %llu) is missing or not "
               "zero", name, (unsigned long long)end, (unsigned long long)*next);
  return 0;
}

static int check_sections(reader *r) {
  uint64_t next = IMG_HEADER_SIZE + (uint64_t)r->n_sections * IMG_DIRENT_SIZE;
  int64_t prev_core = -1;
  for (uint32_t i = 0; i < r->n_sections; i++) {
    dirent_rec d = dirent_at(r, i);
    int rc;
    if ((rc = check_order(r, i, &d, &prev_core)) ||
        (rc = check_placement(r, &d, &next)))
      return rc;
    if (i == 0 && d.size >= 68) r->mesh_x = ld32(r->p + d.off + 64);
  }
  if (next != r->size)
    return bad(r, "%llu bytes follow the last section (it ends at %llu, the file at "
               "%llu)", (unsigned long long)(r->size - next), (unsigned long long)next,
               (unsigned long long)r->size);
  return 0;
}

/* ---- 4. decoding ------------------------------------------------------------------------- */

static void *alloc(reader *r, uint64_t n, size_t size) {
  void *p = n > SIZE_MAX ? NULL : glif_arena_array(r->arena, (size_t)n, size);
  if (!p)
    glif_errf(r->err, GLIF_ENOMEM, r->name, 0, 0,
              "out of memory reading the chip image (%llu x %zu bytes)",
              (unsigned long long)n, size);
  return p;
}

/* A NUL-padded name: terminated within cap bytes, zero after the terminator. */
static int get_name(const reader *r, const uint8_t *b, size_t cap, const char *where,
                    const char *field, char *out) {
  const uint8_t *nul = memchr(b, 0, cap);
  if (!nul || !all_zero(nul, cap - (size_t)(nul - b)))
    return imgv_fail(&r->v, "%s: %s is not NUL-padded within %zu bytes", where, field,
                     cap);
  memcpy(out, b, cap);
  return 0;
}

static int exact_size(const reader *r, const char *where, uint64_t size, uint64_t want) {
  if (size == want) return 0;
  return imgv_fail(&r->v, "%s: %llu bytes, but its counts imply %llu", where,
                   (unsigned long long)size, (unsigned long long)want);
}

static int reserved_zero(const reader *r, const char *where, const uint8_t *b,
                         uint64_t n) {
  if (all_zero(b, n)) return 0;
  return imgv_fail(&r->v, "%s: reserved or padding bytes are not zero", where);
}

static int decode_arch(reader *r) {
  dirent_rec d = dirent_at(r, 0);
  const uint8_t *b = r->p + d.off;
  glif_arch *a = &r->img->arch;
  uint32_t u[IMGV_ARCH_U32_FIELDS];
  double f[10];
  if (exact_size(r, "ARCH section", d.size, IMG_ARCH_SIZE) ||
      get_name(r, b, 64, "ARCH section", "name", a->name) ||
      reserved_zero(r, "ARCH section", b + 156, 4))
    return r->v.code;
  for (int i = 0; i < IMGV_ARCH_U32_FIELDS; i++) u[i] = ld32(b + 64 + 4 * i);
  for (int i = 0; i < 10; i++) f[i] = ldf64(b + 160 + 8 * i);
  imgv_arch_set_u32(a, u);
  imgv_arch_set_f64(a, f);
  if (imgv_arch(&r->v, a)) return r->v.code;
  uint32_t h = arch_hash(a);
  if (h != r->arch_hash)
    return bad(r, "header: arch_hash 0x%08x, but the ARCH section's architecture "
               "'%s' hashes to 0x%08x", r->arch_hash, a->name, h);
  return 0;
}

static int decode_layer(reader *r, const uint8_t *b, uint32_t i, img_layer *l) {
  char where[48];
  snprintf(where, sizeof where, "NET section: layer %u", i);
  if (get_name(r, b, IMG_LAYER_NAME_MAX, where, "name", l->name) ||
      reserved_zero(r, where, b + 152, 8))
    return r->v.code;
  l->kind = ld32(b + 128);
  l->first_tick = ld32(b + 132);
  l->n_neurons = ld32(b + 136);
  l->c = ld32(b + 140);
  l->h = ld32(b + 144);
  l->w = ld32(b + 148);
  return 0;
}

static int decode_net(reader *r) {
  dirent_rec d = dirent_at(r, 1);
  const uint8_t *b = r->p + d.off;
  img_image *img = r->img;
  if (d.size < IMG_NET_HEADER_SIZE)
    return exact_size(r, "NET section", d.size, IMG_NET_HEADER_SIZE);
  img->T = ld32(b);
  img->n_ticks = ld32(b + 4);
  img->n_layers = ld32(b + 8);
  img->n_cores = ld32(b + 12);
  img->n_outputs = ld32(b + 16);
  if (exact_size(r, "NET section", d.size,
                 IMG_NET_HEADER_SIZE + (uint64_t)img->n_layers * IMG_LAYER_SIZE) ||
      reserved_zero(r, "NET section", b + 20, 4) ||
      reserved_zero(r, "NET section", b + 88, 8) ||
      get_name(r, b + 24, IMG_MODEL_NAME_MAX, "NET section", "model_name",
               img->model_name))
    return r->v.code;
  if (img->n_cores != r->n_sections - 4)
    return imgv_fail(&r->v, "NET section: n_cores = %u, the directory holds %u CORE "
                     "sections", img->n_cores, r->n_sections - 4);
  if (!(img->layers = alloc(r, img->n_layers, sizeof *img->layers))) return GLIF_ENOMEM;
  for (uint32_t i = 0; i < img->n_layers; i++)
    if (decode_layer(r, b + IMG_NET_HEADER_SIZE + (size_t)i * IMG_LAYER_SIZE, i,
                     &img->layers[i]))
      return r->v.code;
  if (imgv_net(&r->v, img->T, img->n_ticks, img->layers, img->n_layers))
    return r->v.code;
  r->v.T = img->T;
  r->v.n_ticks = img->n_ticks;
  r->v.n_layers = img->n_layers;
  r->v.layers = img->layers;
  return 0;
}

static void get_fanout(const uint8_t *b, img_fanout *f) {
  f->x = ld16(b);
  f->y = ld16(b + 2);
  f->axon = ld16(b + 4);
  f->delay = b[6];
  f->flags = b[7];
}

static int decode_input_arrays(reader *r, const uint8_t *b) {
  img_input *in = &r->img->input;
  uint64_t n_off = (uint64_t)in->n_inputs + 1;
  uint64_t entries_at = IMG_INPUT_HEADER_SIZE + IMG_PAD8(4 * n_off);
  if (!(in->offsets = alloc(r, n_off, sizeof *in->offsets)) ||
      !(in->entries = alloc(r, in->n_entries, sizeof *in->entries)))
    return GLIF_ENOMEM;
  for (uint64_t i = 0; i < n_off; i++)
    in->offsets[i] = ld32(b + IMG_INPUT_HEADER_SIZE + 4 * i);
  if (reserved_zero(r, "INPUT section", b + IMG_INPUT_HEADER_SIZE + 4 * n_off,
                    entries_at - IMG_INPUT_HEADER_SIZE - 4 * n_off))
    return r->v.code;
  for (uint32_t e = 0; e < in->n_entries; e++)
    get_fanout(b + entries_at + (size_t)e * IMG_FANOUT_SIZE, &in->entries[e]);
  return 0;
}

static int decode_input(reader *r) {
  dirent_rec d = dirent_at(r, 2);
  const uint8_t *b = r->p + d.off;
  img_input *in = &r->img->input;
  if (d.size < IMG_INPUT_HEADER_SIZE)
    return exact_size(r, "INPUT section", d.size, IMG_INPUT_HEADER_SIZE);
  in->c = ld32(b);
  in->h = ld32(b + 4);
  in->w = ld32(b + 8);
  in->encoding = ld32(b + 12);
  in->payload_bits = ld32(b + 20);
  in->scale = ldf64(b + 24);
  in->n_inputs = ld32(b + 32);
  in->n_entries = ld32(b + 36);
  uint64_t want = IMG_INPUT_HEADER_SIZE + IMG_PAD8(4 * ((uint64_t)in->n_inputs + 1)) +
                  (uint64_t)in->n_entries * IMG_FANOUT_SIZE;
  if (exact_size(r, "INPUT section", d.size, want) ||
      reserved_zero(r, "INPUT section", b + 40, 8))
    return r->v.code;
  if (ld32(b + 16) != r->img->T)
    return imgv_fail(&r->v, "INPUT section: T = %u, the network has T = %u",
                     ld32(b + 16), r->img->T);
  int rc = decode_input_arrays(r, b);
  if (rc) return rc;
  return imgv_input(&r->v, in);
}

static int decode_output(reader *r) {
  dirent_rec d = dirent_at(r, 3);
  const uint8_t *b = r->p + d.off;
  img_image *img = r->img;
  if (d.size < IMG_OUTPUT_HEADER_SIZE)
    return exact_size(r, "OUTPUT section", d.size, IMG_OUTPUT_HEADER_SIZE);
  uint32_t n = ld32(b);
  if (exact_size(r, "OUTPUT section", d.size,
                 IMG_OUTPUT_HEADER_SIZE + (uint64_t)n * IMG_OUTPUT_SIZE) ||
      reserved_zero(r, "OUTPUT section", b + 4, 4))
    return r->v.code;
  if (n != img->n_outputs)
    return imgv_fail(&r->v, "OUTPUT section: %u outputs, the NET section says %u", n,
                     img->n_outputs);
  if (!(img->outputs = alloc(r, n, sizeof *img->outputs))) return GLIF_ENOMEM;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *o = b + IMG_OUTPUT_HEADER_SIZE + (size_t)i * IMG_OUTPUT_SIZE;
    img->outputs[i] = (img_output){ld16(o), ld16(o + 2), ld32(o + 4), ldf64(o + 8)};
  }
  return 0;
}

/* ---- CORE sections ---- */

static int decode_groups(reader *r, const uint8_t *b, img_core *c, const char *where) {
  const uint32_t T = r->img->T;
  if (!(c->groups = alloc(r, c->n_groups, sizeof *c->groups))) return GLIF_ENOMEM;
  for (uint32_t g = 0; g < c->n_groups; g++) {
    const uint8_t *q = b + (size_t)g * IMG_GROUP_SIZE(T);
    img_group *gr = &c->groups[g];
    if (reserved_zero(r, where, q + 26, 2)) return r->v.code;
    gr->p = (nrn_param){ld32(q), ld32(q + 4), (int32_t)ld32(q + 8),
                        (int32_t)ld32(q + 12), (int32_t)ld32(q + 16),
                        (int32_t)ld32(q + 20), 0, q[24]};
    gr->shift = q[25];
    gr->first_tick = ld32(q + 28);
    if (!(gr->gain = alloc(r, T, sizeof *gr->gain))) return GLIF_ENOMEM;
    for (uint32_t t = 0; t < T; t++) gr->gain[t] = ld32(q + 32 + 4 * t);
  }
  return 0;
}

static int decode_neurons(reader *r, const uint8_t *b, img_core *c, const char *where) {
  if (!(c->neurons = alloc(r, c->n_neurons, sizeof *c->neurons)) ||
      !(c->symbols = alloc(r, c->n_neurons, sizeof *c->symbols)))
    return GLIF_ENOMEM;
  for (uint32_t j = 0; j < c->n_neurons; j++) {
    const uint8_t *q = b + (size_t)j * IMG_NEURON_SIZE;
    if (reserved_zero(r, where, q + 2, 2)) return r->v.code;
    c->neurons[j] = (img_neuron){ld16(q), ld32(q + 4), ld32(q + 8)};
  }
  return 0;
}

/* The padding after each array inside the section. */
static int check_inner_padding(const reader *r, const uint8_t *b, const img_core *c,
                               const imgv_core_layout *l, const char *where) {
  const uint64_t ends[4][2] = {
      {l->groups + (uint64_t)c->n_groups * IMG_GROUP_SIZE(r->img->T), l->neurons},
      {l->neurons + (uint64_t)c->n_neurons * IMG_NEURON_SIZE, l->axons},
      {l->axons + c->n_axons, l->crossbar},
      {l->crossbar + (uint64_t)c->n_axons * c->n_neurons, l->fanout}};
  for (int i = 0; i < 4; i++)
    if (reserved_zero(r, where, b + ends[i][0], ends[i][1] - ends[i][0]))
      return r->v.code;
  return 0;
}

static int decode_core_arrays(reader *r, const uint8_t *b, img_core *c,
                              const imgv_core_layout *l, const char *where) {
  int rc;
  if ((rc = check_inner_padding(r, b, c, l, where)) ||
      (rc = decode_groups(r, b + l->groups, c, where)) ||
      (rc = decode_neurons(r, b + l->neurons, c, where)))
    return rc;
  uint64_t cells = (uint64_t)c->n_axons * c->n_neurons;
  if (!(c->axon_flags = alloc(r, c->n_axons, 1)) || !(c->crossbar = alloc(r, cells, 1)) ||
      !(c->fanout = alloc(r, c->n_fanout, sizeof *c->fanout)))
    return GLIF_ENOMEM;
  memcpy(c->axon_flags, b + l->axons, c->n_axons);
  memcpy(c->crossbar, b + l->crossbar, (size_t)cells);
  for (uint32_t e = 0; e < c->n_fanout; e++)
    get_fanout(b + l->fanout + (size_t)e * IMG_FANOUT_SIZE, &c->fanout[e]);
  for (uint32_t j = 0; j < c->n_neurons; j++) {
    const uint8_t *q = b + l->symbols + (size_t)j * IMG_SYMBOL_SIZE;
    c->symbols[j] = (img_symbol){ld32(q), ld32(q + 4)};
  }
  return 0;
}

/* The core header against the directory entry that points to it. */
static int check_core_header(const reader *r, const dirent_rec *d, const uint8_t *b,
                             const img_core *c, const char *where) {
  const glif_arch *a = &r->img->arch;
  uint64_t index = (uint64_t)c->y * a->mesh_x + c->x;
  if (c->x >= a->mesh_x || c->y >= a->mesh_y || index != d->index)
    return imgv_fail(&r->v, "%s: the section holds core (%u, %u), the directory says "
                     "core index %u (index = y*mesh_x + x on the %u x %u mesh)", where,
                     c->x, c->y, d->index, a->mesh_x, a->mesh_y);
  if (ld32(b + 20) != r->img->T)
    return imgv_fail(&r->v, "%s: T = %u, the network has T = %u", where, ld32(b + 20),
                     r->img->T);
  if (reserved_zero(r, where, b + 24, 8) || imgv_core_counts(&r->v, c))
    return r->v.code;
  return 0;
}

static int decode_core(reader *r, uint32_t i) {
  dirent_rec d = dirent_at(r, 4 + i);
  const uint8_t *b = r->p + d.off;
  img_core *c = &r->img->cores[i];
  char where[64];
  sec_name(r, &d, where, sizeof where);
  if (d.size < IMG_CORE_HEADER_SIZE)
    return exact_size(r, where, d.size, IMG_CORE_HEADER_SIZE);
  c->x = ld16(b);
  c->y = ld16(b + 2);
  c->n_neurons = ld32(b + 4);
  c->n_axons = ld32(b + 8);
  c->n_groups = ld32(b + 12);
  c->n_fanout = ld32(b + 16);
  if (check_core_header(r, &d, b, c, where)) return r->v.code;
  imgv_core_layout l;
  imgv_core_layout_of(r->img->T, c->n_groups, c->n_neurons, c->n_axons, c->n_fanout,
                      &l);
  if (exact_size(r, where, d.size, l.size)) return r->v.code;
  int rc = decode_core_arrays(r, b, c, &l, where);
  if (rc) return rc;
  release(r, d.off, d.size);
  return imgv_core(&r->v, c);
}

/* ---- 5. cross-references ------------------------------------------------------------------ */

static int build_slots(reader *r) {
  const glif_arch *a = &r->img->arch;
  uint64_t mesh = (uint64_t)a->mesh_x * a->mesh_y;
  if (!(r->priv->slot = alloc(r, mesh, sizeof *r->priv->slot))) return GLIF_ENOMEM;
  for (uint64_t k = 0; k < mesh; k++) r->priv->slot[k] = -1;
  for (uint32_t i = 0; i < r->img->n_cores; i++) {
    const img_core *c = &r->img->cores[i];
    r->priv->slot[(size_t)c->y * a->mesh_x + c->x] = (int32_t)i;
  }
  return 0;
}

static int check_references(reader *r) {
  const img_image *img = r->img;
  const imgv_dests d = {img->arch.mesh_x, img->arch.mesh_y, r->priv->slot, img->cores};
  char where[64];
  for (uint32_t i = 0; i < img->n_cores; i++) {
    const img_core *c = &img->cores[i];
    imgv_core_name(where, sizeof where, c->x, c->y);
    for (uint32_t e = 0; e < c->n_fanout; e++)
      if (imgv_entry(&r->v, &d, &c->fanout[e], where, e)) return r->v.code;
  }
  for (uint32_t e = 0; e < img->input.n_entries; e++)
    if (imgv_entry(&r->v, &d, &img->input.entries[e], "INPUT section", e))
      return r->v.code;
  for (uint32_t i = 0; i < img->n_outputs; i++) {
    int32_t k = img_core_index(img, img->outputs[i].x, img->outputs[i].y);
    if (imgv_output(&r->v, &img->outputs[i], i, k < 0 ? NULL : &img->cores[k]))
      return r->v.code;
  }
  return 0;
}

static int decode_all(reader *r) {
  int rc;
  if (!(r->img = alloc(r, 1, sizeof *r->img)) || !(r->priv = alloc(r, 1, sizeof *r->priv)))
    return GLIF_ENOMEM;
  r->priv->arena = r->arena;
  r->img->priv = r->priv;
  r->v.arch = &r->img->arch;
  if ((rc = decode_arch(r)) || (rc = decode_net(r)) || (rc = decode_input(r)) ||
      (rc = decode_output(r)))
    return rc;
  if (!(r->img->cores = alloc(r, r->img->n_cores, sizeof *r->img->cores)))
    return GLIF_ENOMEM;
  for (uint32_t i = 0; i < r->img->n_cores; i++)
    if ((rc = decode_core(r, i))) return rc;
  if ((rc = build_slots(r))) return rc;
  return check_references(r);
}

static int read_image(const void *data, size_t size, int mapped, const char *name,
                      img_image **out, glif_err *err) {
  reader r;
  memset(&r, 0, sizeof r);
  r.mapped = mapped;
  r.p = data;
  r.size = size;
  r.name = name ? name : "<memory>";
  r.err = err;
  r.v = (imgv){err, r.name, GLIF_ECORRUPT, FIX_BAD, NULL, 0, 0, 0, NULL};
  *out = NULL;
  int rc;
  if ((rc = check_header(&r)) || (rc = check_directory(&r)) ||
      (rc = check_sections(&r)))
    return rc;
  /* the decoded image is at most about twice the file: small images get small blocks */
  size_t chunk = size < ((size_t)1 << 19) ? 2 * size + 4096 : (size_t)1 << 20;
  if (!(r.arena = glif_arena_create(chunk)))
    return glif_errf(err, GLIF_ENOMEM, r.name, 0, 0,
                     "out of memory reading the chip image");
  if ((rc = decode_all(&r))) {
    glif_arena_destroy(r.arena);
    return rc;
  }
  *out = r.img;
  return 0;
}

int img_read_buffer(const void *data, size_t size, const char *name, img_image **out,
                    glif_err *err) {
  return read_image(data, size, 0, name, out, err);
}

/* ---- files ----------------------------------------------------------------------------- */

/* Reads a file that cannot be mapped (a pipe, an empty file) into memory. */
static int slurp(int fd, const char *path, uint8_t **data, size_t *size, glif_err *err) {
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = glif_malloc(cap);
  for (;;) {
    if (!buf) return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory reading");
    if (n == cap) {
      uint8_t *more = cap > SIZE_MAX / 2 ? NULL : glif_realloc(buf, cap * 2);
      if (!more) glif_free(buf);
      buf = more;
      cap *= 2;
      continue;
    }
    ssize_t k = read(fd, buf + n, cap - n);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      int e = errno;
      glif_free(buf);
      return glif_errf(err, GLIF_EIO, path, 0, 0, "cannot read the chip image (%s) - "
                       "check that the path names a file", strerror(e));
    }
    if (k == 0) break;
    n += (size_t)k;
  }
  *data = buf;
  *size = n;
  return 0;
}

int img_read(const char *path, img_image **out, glif_err *err) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return glif_errf(err, e == ENOENT ? GLIF_EMISSING : GLIF_EIO, path, 0, 0,
                     "cannot open the chip image (%s) - check the path", strerror(e));
  }
  struct stat st;
  int rc;
  void *map = MAP_FAILED;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map != MAP_FAILED) {
    rc = read_image(map, (size_t)st.st_size, 1, path, out, err);
    munmap(map, (size_t)st.st_size);
  } else {
    uint8_t *data = NULL;
    size_t size = 0;
    rc = slurp(fd, path, &data, &size, err);
    if (!rc) {
      rc = read_image(data, size, 0, path, out, err);
      glif_free(data);
    }
  }
  close(fd);
  return rc;
}

void img_free(img_image *img) {
  if (img && img->priv) glif_arena_destroy(((img_priv *)img->priv)->arena);
}

int32_t img_core_index(const img_image *img, uint32_t x, uint32_t y) {
  if (x >= img->arch.mesh_x || y >= img->arch.mesh_y) return -1;
  const img_priv *priv = img->priv;
  if (priv && priv->slot) return priv->slot[(size_t)y * img->arch.mesh_x + x];
  for (uint32_t i = 0; i < img->n_cores; i++) /* an image built in memory */
    if (img->cores[i].x == x && img->cores[i].y == y) return (int32_t)i;
  return -1;
}
