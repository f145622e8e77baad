/*
 * image.c - the chip-image writer: streaming, validated, atomic.
 *
 * Pipeline position: the last step of the compiler (mapping/emit.c calls it); the file
 * it writes is the only thing the simulator and the RTL harness read. The byte layout
 * is fabric/image.h; the rules every field obeys are image_check.c, shared with the
 * reader (image_read.c).
 *
 * How it writes: into "<path>.tmp.<pid>.XXXXXX" beside the target (same directory, so
 * the final rename is atomic). The header and a zeroed directory go first, then each
 * section is appended through a 1 MiB buffer while its CRC-32 is computed on the fly,
 * so a compiler with tens of thousands of cores never holds the image in memory.
 * close() checks the references that point forward (fan-out entries to cores written
 * later, input entries) by reading the fan-out tables back in buffer-sized pieces,
 * then fills in the directory and the header and renames. Any failure, or abort(),
 * unlinks the temporary file: a failed compile never leaves a partial image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "image_int.h"
#include "mem.h"
#include "ofile.h"

#define BUF_SIZE ((size_t)1 << 20)
#define CRC_CHUNK ((size_t)1 << 30) /* crc32() takes a uInt length */

/* The calls, in their only legal order. */
enum stage { ST_NET, ST_INPUT, ST_OUTPUT, ST_CORES, ST_FAILED };

static const char *const stage_call[] = {"img_writer_net", "img_writer_input",
                                         "img_writer_output", "img_writer_core"};

/* What close() needs to re-check one core's fan-out table. */
typedef struct core_note {
  uint64_t fanout_off; /* file offset of its fan-out array */
  uint32_t n_fanout;
} core_note;

struct img_writer {
  char *path, *tmp;          /* target and temporary file names */
  int fd;                    /* -1 once closed */
  uint8_t *buf;              /* BUF_SIZE bytes; also the read-back buffer in close */
  size_t fill;               /* bytes pending in buf */
  uint64_t pos;              /* file offset of the next byte */
  uint32_t crc;              /* CRC-32 of the current section so far */
  uint64_t sec_start;        /* offset of the current section */
  int stage;
  glif_arch arch;
  imgv v;                    /* validator; v.err is set on every call */
  uint32_t n_cores, n_sections, cores_done;
  int64_t last_index;        /* core index of the last CORE section, -1 before */
  uint8_t *dir;              /* n_sections x IMG_DIRENT_SIZE, filled as sections end */
  img_layer *layers;         /* copy of NET's layers, for the symbol checks */
  uint32_t n_outputs;
  img_output *outputs;       /* copy, checked as their cores arrive */
  uint64_t *out_order;       /* core index << 32 | output, sorted */
  uint32_t out_next;         /* outputs before this one are checked */
  uint32_t n_entries;        /* input entries ... */
  uint64_t input_off;        /* ... and their file offset */
  int32_t *slot;             /* mesh position -> position in seen[], or -1 */
  img_core *seen;            /* x, y, n_neurons, n_axons, axon_flags of written cores */
  core_note *notes;          /* per written core */
};

/* ---- failure and cleanup ------------------------------------------------------------ */

/* Removes the temporary file; the writer refuses every later call but close/abort. */
static void discard(img_writer *w) {
  if (w->fd >= 0) {
    close(w->fd);
    w->fd = -1;
    unlink(w->tmp);
  }
  w->stage = ST_FAILED;
}

static void free_writer(img_writer *w) {
  if (!w) return;
  if (w->seen)
    for (uint32_t i = 0; i < w->cores_done; i++) glif_free(w->seen[i].axon_flags);
  glif_free(w->seen);
  glif_free(w->notes);
  glif_free(w->slot);
  glif_free(w->out_order);
  glif_free(w->outputs);
  glif_free(w->layers);
  glif_free(w->dir);
  glif_free(w->buf);
  glif_free(w->tmp);
  glif_free(w->path);
  glif_free(w);
}

/* Any failing call: discard the file, keep the error the caller already filled. */
static int failed(img_writer *w, int rc) {
  discard(w);
  return rc;
}

static int io_fail(img_writer *w, const char *doing) {
  int e = errno;
  glif_errf(w->v.err, GLIF_EIO, w->path, 0, 0,
            "%s the temporary chip image %s failed (%s) - check the disk space and "
            "permissions of its directory",
            doing, w->tmp, strerror(e));
  return failed(w, GLIF_EIO);
}

/* Guards the call order; `want` is the stage this call belongs to. */
static int expect(img_writer *w, int want, glif_err *err, const char *call) {
  if (!w)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "%s called without a writer "
                     "(img_writer_open failed or was not called)", call);
  w->v.err = err;
  if (w->stage == want) return 0;
  if (w->stage == ST_FAILED)
    return glif_errf(err, GLIF_EINTERNAL, w->path, 0, 0,
                     "%s called after an earlier call failed - call img_writer_abort",
                     call);
  const char *next = w->stage == ST_CORES && w->cores_done == w->n_cores
                         ? "img_writer_close" : stage_call[w->stage];
  glif_errf(err, GLIF_EINTERNAL, w->path, 0, 0,
            "%s called when %s was expected (the order is open, net, input, output, "
            "core x %u, close) - this is a bug in the caller", call, next, w->n_cores);
  return failed(w, GLIF_EINTERNAL);
}

/* ---- buffered, CRC'd output --------------------------------------------------------- */

static int write_all(img_writer *w, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t k = write(w->fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (k == 0) errno = EIO;
      return io_fail(w, "writing");
    }
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

static int flush(img_writer *w) {
  int rc = write_all(w, w->buf, w->fill);
  w->fill = 0;
  return rc;
}

/* Appends bytes without touching the CRC (the header, the directory, the padding
 * between sections). */
static int put_raw(img_writer *w, const void *data, size_t n) {
  const uint8_t *p = data;
  while (n > 0) {
    if (w->fill == BUF_SIZE && flush(w)) return GLIF_EIO;
    size_t k = BUF_SIZE - w->fill < n ? BUF_SIZE - w->fill : n;
    memcpy(w->buf + w->fill, p, k);
    w->fill += k;
    w->pos += k;
    p += k;
    n -= k;
  }
  return 0;
}

/* Appends section bytes and folds them into the section's CRC. */
static int put(img_writer *w, const void *data, size_t n) {
  const uint8_t *p = data;
  for (size_t done = 0; done < n;) {
    size_t k = n - done < CRC_CHUNK ? n - done : CRC_CHUNK;
    w->crc = (uint32_t)crc32(w->crc, p + done, (uInt)k);
    done += k;
  }
  return put_raw(w, data, n);
}

static int put_zeros(img_writer *w, uint64_t n, int in_crc) {
  static const uint8_t zero[8];
  while (n > 0) {
    size_t k = n < sizeof zero ? (size_t)n : sizeof zero;
    if ((in_crc ? put(w, zero, k) : put_raw(w, zero, k))) return GLIF_EIO;
    n -= k;
  }
  return 0;
}

/* Pads inside a section so the next array starts 8-byte aligned. */
static int pad_section(img_writer *w) {
  return put_zeros(w, IMG_PAD8(w->pos) - w->pos, 1);
}

static void begin_section(img_writer *w) {
  w->sec_start = w->pos;
  w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
}

/* Records directory entry i and pads the file to the next multiple of 8. */
static int end_section(img_writer *w, uint32_t i, uint32_t type, uint32_t index) {
  uint8_t *e = w->dir + (size_t)i * IMG_DIRENT_SIZE;
  st32(e, type);
  st32(e + 4, index);
  st64(e + 8, w->sec_start);
  st64(e + 16, w->pos - w->sec_start);
  st32(e + 24, w->crc);
  st32(e + 28, 0);
  return put_zeros(w, IMG_PAD8(w->pos) - w->pos, 0);
}

/* ---- open ----------------------------------------------------------------------------- */

static int make_temp(img_writer *w) {
  size_t n = strlen(w->path) + 48;
  w->tmp = glif_malloc(n);
  if (!w->tmp)
    return glif_errf(w->v.err, GLIF_ENOMEM, w->path, 0, 0,
                     "out of memory naming the temporary file");
  snprintf(w->tmp, n, "%s.tmp.%ld.XXXXXX", w->path, (long)getpid());
  w->fd = mkstemp(w->tmp);
  if (w->fd < 0) {
    int e = errno;
    return glif_errf(w->v.err, GLIF_EIO, w->path, 0, 0,
                     "cannot create a temporary file beside %s (%s) - check that the "
                     "directory exists and is writable", w->path, strerror(e));
  }
  /* mkstemp makes 0600; give the image the usual mode (the image streams through a raw
   * descriptor with seeks back to the directory, so it does not use glif_ofile) */
  if (fchmod(w->fd, 0666 & ~(mode_t)glif_umask()) != 0) return io_fail(w, "setting the mode of");
  return 0;
}

static int put_arch(img_writer *w) {
  uint8_t b[IMG_ARCH_SIZE] = {0};
  uint32_t u[IMGV_ARCH_U32_FIELDS];
  double f[10];
  memcpy(b, w->arch.name, strnlen(w->arch.name, sizeof w->arch.name));
  imgv_arch_u32(&w->arch, u);
  for (int i = 0; i < IMGV_ARCH_U32_FIELDS; i++) st32(b + 64 + 4 * i, u[i]);
  imgv_arch_f64(&w->arch, f);
  for (int i = 0; i < 10; i++) stf64(b + 160 + 8 * i, f[i]);
  begin_section(w);
  if (put(w, b, sizeof b)) return GLIF_EIO;
  return end_section(w, 0, IMG_SEC_ARCH, 0);
}

static int alloc_tables(img_writer *w) {
  size_t mesh = (size_t)w->arch.mesh_x * w->arch.mesh_y;
  w->buf = glif_malloc(BUF_SIZE);
  w->dir = glif_calloc(w->n_sections, IMG_DIRENT_SIZE);
  w->slot = glif_malloc(mesh * sizeof *w->slot);
  w->seen = glif_calloc(w->n_cores, sizeof *w->seen);
  w->notes = glif_calloc(w->n_cores, sizeof *w->notes);
  if (!w->buf || !w->dir || !w->slot || !w->seen || !w->notes)
    return glif_errf(w->v.err, GLIF_ENOMEM, w->path, 0, 0,
                     "out of memory opening the chip image writer (%u cores)",
                     w->n_cores);
  for (size_t i = 0; i < mesh; i++) w->slot[i] = -1;
  return 0;
}

static int init_writer(img_writer *w, const char *path, const glif_arch *arch,
                       uint32_t n_cores, glif_err *err) {
  w->fd = -1;
  w->arch = *arch;
  w->n_cores = n_cores;
  w->n_sections = 4 + n_cores;
  w->last_index = -1;
  w->v = (imgv){err, path, GLIF_EINTERNAL,
                "refusing to write an invalid chip image (a bug in the compiler: "
                "please report it); no file was written", &w->arch, 0, 0, 0, NULL};
  if (imgv_arch(&w->v, arch)) return w->v.code;
  uint64_t mesh = (uint64_t)arch->mesh_x * arch->mesh_y;
  if (n_cores < 1 || n_cores > mesh)
    return imgv_fail(&w->v, "n_cores = %u is out of range (1 .. %llu cores of the "
                     "%u x %u mesh)", n_cores, (unsigned long long)mesh, arch->mesh_x,
                     arch->mesh_y);
  w->path = glif_strdup(path);
  if (!w->path)
    return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory opening %s", path);
  w->v.file = w->path;
  return alloc_tables(w);
}

int img_writer_open(img_writer **out, const char *path, const glif_arch *arch,
                    uint32_t n_cores, glif_err *err) {
  *out = NULL;
  img_writer *w = glif_calloc(1, sizeof *w);
  if (!w) return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory opening %s", path);
  int rc = init_writer(w, path, arch, n_cores, err);
  if (!rc) rc = make_temp(w);
  /* header and directory are placeholders until close */
  if (!rc) rc = put_zeros(w, IMG_HEADER_SIZE + (uint64_t)w->n_sections * IMG_DIRENT_SIZE, 0);
  if (!rc) rc = put_arch(w);
  if (rc) {
    discard(w);
    free_writer(w);
    return rc;
  }
  w->stage = ST_NET;
  *out = w;
  return 0;
}

/* ---- NET -------------------------------------------------------------------------------- */

static int put_layer(img_writer *w, const img_layer *l) {
  uint8_t b[IMG_LAYER_SIZE] = {0};
  memcpy(b, l->name, strnlen(l->name, sizeof l->name));
  st32(b + 128, l->kind);
  st32(b + 132, l->first_tick);
  st32(b + 136, l->n_neurons);
  st32(b + 140, l->c);
  st32(b + 144, l->h);
  st32(b + 148, l->w);
  return put(w, b, sizeof b);
}

static int put_net(img_writer *w, const char *model_name, uint32_t n_outputs) {
  uint8_t b[IMG_NET_HEADER_SIZE] = {0};
  st32(b, w->v.T);
  st32(b + 4, w->v.n_ticks);
  st32(b + 8, w->v.n_layers);
  st32(b + 12, w->n_cores);
  st32(b + 16, n_outputs);
  memcpy(b + 24, model_name, strlen(model_name));
  begin_section(w);
  if (put(w, b, sizeof b)) return GLIF_EIO;
  for (uint32_t i = 0; i < w->v.n_layers; i++)
    if (put_layer(w, &w->layers[i])) return GLIF_EIO;
  return end_section(w, 1, IMG_SEC_NET, 0);
}

int img_writer_net(img_writer *w, uint32_t T, uint32_t n_ticks, const char *model_name,
                   const img_layer *layers, uint32_t n_layers, uint32_t n_outputs,
                   glif_err *err) {
  if (expect(w, ST_NET, err, "img_writer_net")) return GLIF_EINTERNAL;
  if (!model_name || (n_layers && !layers))
    return failed(w, imgv_fail(&w->v, "NET: model_name or layers is NULL"));
  if (strnlen(model_name, IMG_MODEL_NAME_MAX) >= IMG_MODEL_NAME_MAX)
    return failed(w, imgv_fail(&w->v, "NET section: model name '%.40s...' is longer "
                               "than %u bytes", model_name, IMG_MODEL_NAME_MAX - 1));
  if (imgv_net(&w->v, T, n_ticks, layers, n_layers)) return failed(w, w->v.code);
  w->layers = glif_calloc(n_layers, sizeof *w->layers);
  if (!w->layers)
    return failed(w, glif_errf(err, GLIF_ENOMEM, w->path, 0, 0,
                               "out of memory copying %u layers", n_layers));
  memcpy(w->layers, layers, (size_t)n_layers * sizeof *layers);
  w->v.T = T;
  w->v.n_ticks = n_ticks;
  w->v.n_layers = n_layers;
  w->v.layers = w->layers;
  w->n_outputs = n_outputs;
  if (put_net(w, model_name, n_outputs)) return GLIF_EIO;
  w->stage = ST_INPUT;
  return 0;
}

/* ---- INPUT and OUTPUT ------------------------------------------------------------------- */

static void enc_fanout(uint8_t b[IMG_FANOUT_SIZE], const img_fanout *f) {
  st16(b, f->x);
  st16(b + 2, f->y);
  st16(b + 4, f->axon);
  b[6] = f->delay;
  b[7] = f->flags;
}

static int put_fanouts(img_writer *w, const img_fanout *f, uint32_t n) {
  uint8_t b[IMG_FANOUT_SIZE];
  for (uint32_t i = 0; i < n; i++) {
    enc_fanout(b, &f[i]);
    if (put(w, b, sizeof b)) return GLIF_EIO;
  }
  return 0;
}

static int put_input(img_writer *w, const img_input *in) {
  uint8_t b[IMG_INPUT_HEADER_SIZE] = {0}, o[4];
  st32(b, in->c);
  st32(b + 4, in->h);
  st32(b + 8, in->w);
  st32(b + 12, in->encoding);
  st32(b + 16, w->v.T); /* the input map covers the network's T steps */
  st32(b + 20, in->payload_bits);
  stf64(b + 24, in->scale);
  st32(b + 32, in->n_inputs);
  st32(b + 36, in->n_entries);
  begin_section(w);
  if (put(w, b, sizeof b)) return GLIF_EIO;
  for (uint64_t i = 0; i <= in->n_inputs; i++) {
    st32(o, in->offsets[i]);
    if (put(w, o, sizeof o)) return GLIF_EIO;
  }
  if (pad_section(w)) return GLIF_EIO;
  w->input_off = w->pos;
  if (put_fanouts(w, in->entries, in->n_entries)) return GLIF_EIO;
  return end_section(w, 2, IMG_SEC_INPUT, 0);
}

int img_writer_input(img_writer *w, const img_input *in, glif_err *err) {
  if (expect(w, ST_INPUT, err, "img_writer_input")) return GLIF_EINTERNAL;
  if (!in || !in->offsets || (in->n_entries && !in->entries))
    return failed(w, imgv_fail(&w->v, "INPUT: the input map or its arrays are NULL"));
  if (imgv_input(&w->v, in)) return failed(w, w->v.code);
  w->n_entries = in->n_entries;
  if (put_input(w, in)) return GLIF_EIO;
  w->stage = ST_OUTPUT;
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Orders the outputs by the core they name, so each core checks its own as it comes. */
static int sort_outputs(img_writer *w, const img_output *out, uint32_t n) {
  w->outputs = glif_calloc(n, sizeof *w->outputs);
  w->out_order = glif_calloc(n, sizeof *w->out_order);
  if (!w->outputs || !w->out_order)
    return glif_errf(w->v.err, GLIF_ENOMEM, w->path, 0, 0,
                     "out of memory copying %u outputs", n);
  memcpy(w->outputs, out, (size_t)n * sizeof *out);
  for (uint32_t i = 0; i < n; i++) {
    uint64_t k = out[i].x < w->arch.mesh_x && out[i].y < w->arch.mesh_y
                     ? (uint64_t)out[i].y * w->arch.mesh_x + out[i].x
                     : UINT32_MAX; /* off the mesh: reported as a missing core */
    w->out_order[i] = k << 32 | i;
  }
  qsort(w->out_order, n, sizeof *w->out_order, cmp_u64);
  return 0;
}

static int put_outputs(img_writer *w, const img_output *out, uint32_t n) {
  uint8_t b[IMG_OUTPUT_SIZE] = {0};
  begin_section(w);
  st32(b, n);
  if (put(w, b, IMG_OUTPUT_HEADER_SIZE)) return GLIF_EIO;
  for (uint32_t i = 0; i < n; i++) {
    st16(b, out[i].x);
    st16(b + 2, out[i].y);
    st32(b + 4, out[i].neuron);
    stf64(b + 8, out[i].scale);
    if (put(w, b, sizeof b)) return GLIF_EIO;
  }
  return end_section(w, 3, IMG_SEC_OUTPUT, 0);
}

int img_writer_output(img_writer *w, const img_output *out, uint32_t n, glif_err *err) {
  if (expect(w, ST_OUTPUT, err, "img_writer_output")) return GLIF_EINTERNAL;
  if (n != w->n_outputs)
    return failed(w, imgv_fail(&w->v, "OUTPUT section: %u outputs given, NET declared "
                               "n_outputs = %u", n, w->n_outputs));
  if (n && !out) return failed(w, imgv_fail(&w->v, "OUTPUT: the output array is NULL"));
  int rc = sort_outputs(w, out, n);
  if (rc) return failed(w, rc);
  if (put_outputs(w, out, n)) return GLIF_EIO;
  w->stage = ST_CORES;
  return 0;
}

/* ---- CORE ------------------------------------------------------------------------------- */

static int put_core_header(img_writer *w, const img_core *c) {
  uint8_t b[IMG_CORE_HEADER_SIZE] = {0};
  st16(b, c->x);
  st16(b + 2, c->y);
  st32(b + 4, c->n_neurons);
  st32(b + 8, c->n_axons);
  st32(b + 12, c->n_groups);
  st32(b + 16, c->n_fanout);
  st32(b + 20, w->v.T);
  return put(w, b, sizeof b);
}

static int put_groups(img_writer *w, const img_core *c) {
  uint8_t b[IMG_GROUP_FIXED_SIZE + 4 * 32];
  for (uint32_t g = 0; g < c->n_groups; g++) {
    const img_group *gr = &c->groups[g];
    memset(b, 0, sizeof b);
    st32(b, gr->p.k);
    st32(b + 4, gr->p.ks);
    st32(b + 8, (uint32_t)gr->p.d);
    st32(b + 12, (uint32_t)gr->p.r);
    st32(b + 16, (uint32_t)gr->p.theta);
    st32(b + 20, (uint32_t)gr->p.bias);
    b[24] = gr->p.kind;
    b[25] = gr->shift;
    st32(b + 28, gr->first_tick);
    for (uint32_t t = 0; t < w->v.T; t++) st32(b + 32 + 4 * t, gr->gain[t]);
    if (put(w, b, IMG_GROUP_SIZE(w->v.T))) return GLIF_EIO;
  }
  return pad_section(w);
}

static int put_neurons_symbols(img_writer *w, const img_core *c, int symbols) {
  uint8_t b[IMG_NEURON_SIZE] = {0};
  for (uint32_t j = 0; j < c->n_neurons; j++) {
    if (symbols) {
      st32(b, c->symbols[j].layer);
      st32(b + 4, c->symbols[j].index);
    } else {
      st16(b, c->neurons[j].group);
      st32(b + 4, c->neurons[j].fanout_start);
      st32(b + 8, c->neurons[j].fanout_count);
    }
    if (put(w, b, symbols ? IMG_SYMBOL_SIZE : IMG_NEURON_SIZE)) return GLIF_EIO;
  }
  return pad_section(w);
}

static int put_core(img_writer *w, const img_core *c, uint32_t index) {
  begin_section(w);
  if (put_core_header(w, c) || put_groups(w, c) || put_neurons_symbols(w, c, 0) ||
      put(w, c->axon_flags, c->n_axons) || pad_section(w) ||
      put(w, c->crossbar, (size_t)c->n_axons * c->n_neurons) || pad_section(w))
    return GLIF_EIO;
  w->notes[w->cores_done].fanout_off = w->pos;
  w->notes[w->cores_done].n_fanout = c->n_fanout;
  if (put_fanouts(w, c->fanout, c->n_fanout) || put_neurons_symbols(w, c, 1))
    return GLIF_EIO;
  return end_section(w, 4 + w->cores_done, IMG_SEC_CORE, index);
}

/* Checks the outputs that name cores up to `index` (this core or missing ones). */
static int check_outputs_upto(img_writer *w, uint64_t index, const img_core *c) {
  while (w->out_next < w->n_outputs && w->out_order[w->out_next] >> 32 <= index) {
    uint32_t i = (uint32_t)w->out_order[w->out_next];
    const img_core *at = w->out_order[w->out_next] >> 32 == index ? c : NULL;
    if (imgv_output(&w->v, &w->outputs[i], i, at)) return w->v.code;
    w->out_next++;
  }
  return 0;
}

static int check_core_args(img_writer *w, const img_core *c) {
  if (!c) return imgv_fail(&w->v, "CORE: NULL core");
  if (w->cores_done == w->n_cores)
    return imgv_fail(&w->v, "CORE: core (%u, %u) is one more than the %u cores "
                     "announced to img_writer_open", c->x, c->y, w->n_cores);
  if (!c->groups || !c->neurons || !c->symbols || (c->n_axons && !c->axon_flags) ||
      (c->n_axons && !c->crossbar) || (c->n_fanout && !c->fanout))
    return imgv_fail(&w->v, "CORE: core (%u, %u) has a NULL array", c->x, c->y);
  if (imgv_core_counts(&w->v, c)) return w->v.code;
  uint64_t index = (uint64_t)c->y * w->arch.mesh_x + c->x;
  if ((int64_t)index <= w->last_index)
    return imgv_fail(&w->v, "CORE: core (%u, %u) (index %llu) comes after core index "
                     "%lld; cores must come in increasing index y*mesh_x + x", c->x,
                     c->y, (unsigned long long)index, (long long)w->last_index);
  for (uint32_t g = 0; g < c->n_groups; g++)
    if (!c->groups[g].gain)
      return imgv_fail(&w->v, "CORE: core (%u, %u) group %u has no gain table", c->x,
                       c->y, g);
  return 0;
}

/* Keeps what close() and later cores need to check references to this core. */
static int remember(img_writer *w, const img_core *c, uint32_t index) {
  img_core *s = &w->seen[w->cores_done];
  s->x = c->x;
  s->y = c->y;
  s->n_neurons = c->n_neurons;
  s->n_axons = c->n_axons;
  s->axon_flags = glif_malloc(c->n_axons);
  if (!s->axon_flags)
    return glif_errf(w->v.err, GLIF_ENOMEM, w->path, 0, 0,
                     "out of memory keeping the axon table of core (%u, %u)", c->x,
                     c->y);
  memcpy(s->axon_flags, c->axon_flags, c->n_axons);
  w->slot[index] = (int32_t)w->cores_done;
  return 0;
}

int img_writer_core(img_writer *w, const img_core *c, glif_err *err) {
  if (expect(w, ST_CORES, err, "img_writer_core")) return GLIF_EINTERNAL;
  int rc;
  if ((rc = check_core_args(w, c)) || (rc = imgv_core(&w->v, c))) return failed(w, rc);
  uint32_t index = c->y * w->arch.mesh_x + c->x;
  if ((rc = check_outputs_upto(w, index, c))) return failed(w, rc);
  if ((rc = put_core(w, c, index))) return rc;
  if ((rc = remember(w, c, index))) return failed(w, rc);
  w->cores_done++;
  w->last_index = index;
  return 0;
}

/* ---- close ------------------------------------------------------------------------------ */

/* Reads `n` fan-out entries at file offset `off` back in buffer-sized pieces and checks
 * each against the cores (their destinations may have been written after them). */
static int check_entries_at(img_writer *w, uint64_t off, uint32_t n, const char *where) {
  const imgv_dests d = {w->arch.mesh_x, w->arch.mesh_y, w->slot, w->seen};
  const uint32_t per = (uint32_t)(BUF_SIZE / IMG_FANOUT_SIZE);
  for (uint32_t e = 0; e < n; e += per) {
    uint32_t k = n - e < per ? n - e : per;
    size_t bytes = (size_t)k * IMG_FANOUT_SIZE;
    ssize_t got = pread(w->fd, w->buf, bytes, (off_t)(off + (uint64_t)e * IMG_FANOUT_SIZE));
    if (got != (ssize_t)bytes) return io_fail(w, "reading back");
    for (uint32_t i = 0; i < k; i++) {
      const uint8_t *b = w->buf + (size_t)i * IMG_FANOUT_SIZE;
      img_fanout f = {ld16(b), ld16(b + 2), ld16(b + 4), b[6], b[7]};
      if (imgv_entry(&w->v, &d, &f, where, e + i)) return failed(w, w->v.code);
    }
  }
  return 0;
}

static int check_references(img_writer *w) {
  int rc;
  if ((rc = check_outputs_upto(w, UINT32_MAX, NULL))) return failed(w, rc);
  if ((rc = check_entries_at(w, w->input_off, w->n_entries, "INPUT section")))
    return rc;
  for (uint32_t i = 0; i < w->n_cores; i++) {
    char where[64];
    imgv_core_name(where, sizeof where, w->seen[i].x, w->seen[i].y);
    rc = check_entries_at(w, w->notes[i].fanout_off, w->notes[i].n_fanout, where);
    if (rc) return rc;
  }
  return 0;
}

static int pwrite_all(img_writer *w, const uint8_t *p, size_t n, uint64_t off) {
  while (n > 0) {
    ssize_t k = pwrite(w->fd, p, n, (off_t)off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (k == 0) errno = EIO;
      return io_fail(w, "writing");
    }
    p += k;
    n -= (size_t)k;
    off += (uint64_t)k;
  }
  return 0;
}

/* The directory and the header, now that every section is known. */
static int finish_file(img_writer *w) {
  size_t dir_bytes = (size_t)w->n_sections * IMG_DIRENT_SIZE;
  uint8_t h[IMG_HEADER_SIZE] = {0};
  memcpy(h, IMG_MAGIC, 8);
  st32(h + 8, IMG_VERSION);
  st32(h + 12, IMG_HEADER_SIZE);
  st64(h + 16, w->pos);
  st32(h + 24, w->n_sections);
  st32(h + 28, arch_hash(&w->arch));
  uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
  for (size_t done = 0; done < dir_bytes;) {
    size_t k = dir_bytes - done < CRC_CHUNK ? dir_bytes - done : CRC_CHUNK;
    crc = (uint32_t)crc32(crc, w->dir + done, (uInt)k);
    done += k;
  }
  st32(h + 32, crc);
  st32(h + 60, (uint32_t)crc32(crc32(0L, Z_NULL, 0), h, 60));
  if (pwrite_all(w, w->dir, dir_bytes, IMG_HEADER_SIZE) ||
      pwrite_all(w, h, sizeof h, 0))
    return GLIF_EIO;
  return 0;
}

/* Closes the temporary file and renames it over the target; on failure nothing is
 * left behind. */
static int commit(img_writer *w) {
  int fd = w->fd, e;
  w->fd = -1; /* from here on discard() has nothing to close */
  if (close(fd) != 0) {
    e = errno;
    unlink(w->tmp);
    return glif_errf(w->v.err, GLIF_EIO, w->path, 0, 0,
                     "closing the temporary chip image %s failed (%s) - check the disk "
                     "space", w->tmp, strerror(e));
  }
  if (rename(w->tmp, w->path) != 0) {
    e = errno;
    unlink(w->tmp);
    return glif_errf(w->v.err, GLIF_EIO, w->path, 0, 0,
                     "cannot rename %s to %s (%s) - check the permissions of the "
                     "directory", w->tmp, w->path, strerror(e));
  }
  return 0;
}

int img_writer_close(img_writer *w, glif_err *err) {
  int rc = expect(w, ST_CORES, err, "img_writer_close");
  if (!w) return rc;
  if (!rc && w->cores_done != w->n_cores)
    rc = imgv_fail(&w->v, "close: %u of the %u cores announced to img_writer_open "
                   "were written", w->cores_done, w->n_cores);
  if (!rc) rc = flush(w);
  if (!rc) rc = check_references(w);
  if (!rc) rc = finish_file(w);
  if (!rc) rc = commit(w);
  if (rc) discard(w);
  free_writer(w);
  return rc;
}

void img_writer_abort(img_writer *w) {
  if (!w) return;
  discard(w);
  free_writer(w);
}

/* ---- whole image ---------------------------------------------------------------------- */

int img_write(const char *path, const img_image *img, glif_err *err) {
  img_writer *w;
  if (!memchr(img->model_name, '\0', sizeof img->model_name))
    return glif_errf(err, GLIF_EINTERNAL, path, 0, 0,
                     "model_name is not NUL-terminated within %u bytes - no file was "
                     "written", IMG_MODEL_NAME_MAX);
  int rc = img_writer_open(&w, path, &img->arch, img->n_cores, err);
  if (rc) return rc;
  if ((rc = img_writer_net(w, img->T, img->n_ticks, img->model_name, img->layers,
                           img->n_layers, img->n_outputs, err)) ||
      (rc = img_writer_input(w, &img->input, err)) ||
      (rc = img_writer_output(w, img->outputs, img->n_outputs, err))) {
    img_writer_abort(w);
    return rc;
  }
  for (uint32_t i = 0; i < img->n_cores; i++)
    if ((rc = img_writer_core(w, &img->cores[i], err))) {
      img_writer_abort(w);
      return rc;
    }
  return img_writer_close(w, err);
}
