/*
 * npy.c - NumPy .npy reader and writer (format versions 1.0, 2.0 and 3.0).
 *
 * Pipeline position: the one door through which arrays enter and leave the toolchain:
 * model tensors (compiler load pass), inputs, labels and calibration sets (reference,
 * simulator), arrays written by tests and tools. Contract in npy.h.
 *
 * File layout: "\x93NUMPY", major, minor, header length (uint16 LE for 1.0, uint32 LE
 * for 2.0/3.0), a Python dict literal {'descr': ..., 'fortran_order': ...,
 * 'shape': (...)} padded with spaces and '\n', then the raw data in C order.
 *
 * Robustness: every size comes from the file, so every size is checked against the
 * file's real length before anything is allocated (a corrupted shape can never make us
 * allocate more than 8 bytes per byte of file). Data is converted in fixed-size chunks,
 * so reading a 44 MB tensor needs the 88 MB result and nothing else.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, fileno */
#include "npy.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "ofile.h"

#define MAGIC "\x93NUMPY"
#define MAGIC_LEN 6
#define HEADER_MAX (1 << 20) /* a header longer than 1 MiB is not a real .npy */
#define CHUNK 65536          /* bytes converted per read */

/* ---- header parsing ------------------------------------------------------------ */

/* The parsed header dict. */
typedef struct header {
  int dtype;     /* enum npy_dtype, -1 = not seen */
  int itemsize;  /* bytes per element */
  int fortran;   /* -1 = not seen */
  int ndim;      /* -1 = not seen */
  int64_t shape[NPY_MAX_DIMS];
} header;

typedef struct cursor {
  const char *s, *end;
  const char *path;
  glif_err *err;
} cursor;

static void skip_space(cursor *c) {
  while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' ||
                           *c->s == '\r'))
    c->s++;
}

static int bad_header(cursor *c, const char *what) {
  return glif_errf(c->err, GLIF_ECORRUPT, c->path, 0, 0,
                   "not a valid .npy header: %s - re-save the array with numpy.save",
                   what);
}

/* Consumes `ch` after optional spaces; 0 if it is not there. */
static int accept(cursor *c, char ch) {
  skip_space(c);
  if (c->s < c->end && *c->s == ch) {
    c->s++;
    return 1;
  }
  return 0;
}

/* A quoted Python string ('...' or "...") without escapes, into buf. */
static int parse_string(cursor *c, char *buf, size_t len) {
  skip_space(c);
  if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
    return bad_header(c, "expected a quoted string");
  char q = *c->s++;
  size_t n = 0;
  while (c->s < c->end && *c->s != q) {
    if (*c->s == '\\' || n + 1 >= len) return bad_header(c, "string too long or escaped");
    buf[n++] = *c->s++;
  }
  if (c->s >= c->end) return bad_header(c, "unterminated string");
  c->s++;
  buf[n] = '\0';
  return 0;
}

/* A non-negative integer (Python 2 headers may add an 'L'). */
static int parse_dim(cursor *c, int64_t *out) {
  skip_space(c);
  if (c->s >= c->end || *c->s < '0' || *c->s > '9')
    return bad_header(c, "a shape entry is not a non-negative integer");
  int64_t v = 0;
  while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
    if (v > (INT64_MAX - 9) / 10) return bad_header(c, "a shape entry is absurdly large");
    v = v * 10 + (*c->s++ - '0');
  }
  if (c->s < c->end && (*c->s == 'L' || *c->s == 'l')) c->s++;
  *out = v;
  return 0;
}

static int parse_shape(cursor *c, header *h) {
  if (!accept(c, '(')) return bad_header(c, "'shape' is not a tuple");
  h->ndim = 0;
  for (;;) {
    if (accept(c, ')')) return 0;
    if (h->ndim == NPY_MAX_DIMS)
      return glif_errf(c->err, GLIF_ESHAPE, c->path, 0, 0,
                       "the array has more than %d dimensions - reshape it",
                       NPY_MAX_DIMS);
    int rc = parse_dim(c, &h->shape[h->ndim]);
    if (rc) return rc;
    h->ndim++;
    if (!accept(c, ',')) {
      if (!accept(c, ')')) return bad_header(c, "'shape' tuple is not closed");
      return 0;
    }
  }
}

static int parse_bool(cursor *c, int *out) {
  skip_space(c);
  size_t left = (size_t)(c->end - c->s);
  if (left >= 4 && !strncmp(c->s, "True", 4)) {
    c->s += 4;
    *out = 1;
    return 0;
  }
  if (left >= 5 && !strncmp(c->s, "False", 5)) {
    c->s += 5;
    *out = 0;
    return 0;
  }
  return bad_header(c, "'fortran_order' is not True or False");
}

/* Maps a descr string to a dtype, or explains why it is refused. */
static int parse_descr(cursor *c, header *h) {
  char d[64];
  skip_space(c);
  if (c->s < c->end && *c->s == '[')
    return glif_errf(c->err, GLIF_ETYPE, c->path, 0, 0,
                     "structured (record) arrays are not supported - save a plain "
                     "float32, float64 or int8 array");
  int rc = parse_string(c, d, sizeof d);
  if (rc) return rc;
  if (!strcmp(d, "<f4")) h->dtype = NPY_F32, h->itemsize = 4;
  else if (!strcmp(d, "<f8")) h->dtype = NPY_F64, h->itemsize = 8;
  else if (!strcmp(d, "|i1") || !strcmp(d, "<i1")) h->dtype = NPY_I8, h->itemsize = 1;
  else if (d[0] == '>' && d[1] != '\0')
    return glif_errf(c->err, GLIF_ETYPE, c->path, 0, 0,
                     "dtype '%s' is big-endian - convert to little-endian first "
                     "(x.astype(x.dtype.newbyteorder('<')))", d);
  else if (strchr(d, 'O'))
    return glif_errf(c->err, GLIF_ETYPE, c->path, 0, 0,
                     "object arrays ('%s') are not supported - save a numeric array", d);
  else
    return glif_errf(c->err, GLIF_ETYPE, c->path, 0, 0,
                     "dtype '%s' is not supported (float32 '<f4', float64 '<f8' or int8 "
                     "'|i1' are) - convert with x.astype(numpy.float32)", d);
  return 0;
}

static int parse_entry(cursor *c, header *h) {
  char key[32];
  int rc = parse_string(c, key, sizeof key);
  if (rc) return rc;
  if (!accept(c, ':')) return bad_header(c, "missing ':' after a key");
  if (!strcmp(key, "descr") && h->dtype < 0) return parse_descr(c, h);
  if (!strcmp(key, "fortran_order") && h->fortran < 0) return parse_bool(c, &h->fortran);
  if (!strcmp(key, "shape") && h->ndim < 0) return parse_shape(c, h);
  return bad_header(c, "unexpected or repeated key (only 'descr', 'fortran_order' "
                       "and 'shape' may appear, once each)");
}

static int parse_header(const char *text, size_t len, const char *path, header *h,
                        glif_err *err) {
  cursor c = {text, text + len, path, err};
  h->dtype = h->fortran = h->ndim = -1;
  if (!accept(&c, '{')) return bad_header(&c, "it does not start with '{'");
  while (!accept(&c, '}')) {
    int rc = parse_entry(&c, h);
    if (rc) return rc;
    if (!accept(&c, ',')) {
      if (!accept(&c, '}')) return bad_header(&c, "expected ',' or '}'");
      break;
    }
  }
  skip_space(&c);
  if (c.s != c.end) return bad_header(&c, "text after the closing '}'");
  if (h->dtype < 0 || h->fortran < 0 || h->ndim < 0)
    return bad_header(&c, "'descr', 'fortran_order' or 'shape' is missing");
  if (h->fortran)
    return glif_errf(err, GLIF_ETYPE, path, 0, 0,
                     "the array is in Fortran (column-major) order - save it in C order "
                     "(numpy.ascontiguousarray(x))");
  return 0;
}

/* ---- reading ------------------------------------------------------------------- */

static uint32_t le32(const unsigned char *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
}

static uint64_t le64(const unsigned char *b) {
  return (uint64_t)le32(b) | (uint64_t)le32(b + 4) << 32;
}

/* Converts n items of the file's dtype to float64. */
static void convert(int dtype, const unsigned char *src, int64_t n, double *dst) {
  for (int64_t i = 0; i < n; i++) {
    if (dtype == NPY_F32) {
      uint32_t bits = le32(src + 4 * i);
      float f;
      memcpy(&f, &bits, 4);
      dst[i] = f;
    } else if (dtype == NPY_F64) {
      uint64_t bits = le64(src + 8 * i);
      memcpy(&dst[i], &bits, 8);
    } else {
      dst[i] = (double)(int8_t)src[i];
    }
  }
}

/* Reads the magic, version and header text; *data_off receives the data offset. */
static int read_preamble(FILE *f, const char *path, int64_t fsize, header *h,
                         int64_t *data_off, glif_err *err) {
  unsigned char pre[12];
  if (fsize < 10 || fread(pre, 1, 10, f) != 10)
    return glif_errf(err, GLIF_ECORRUPT, path, 0, 0,
                     "file is %" PRId64 " bytes, too short for a .npy header - it is "
                     "empty or truncated", fsize);
  if (memcmp(pre, MAGIC, MAGIC_LEN))
    return glif_errf(err, GLIF_ECORRUPT, path, 0, 0,
                     "not a .npy file (no \\x93NUMPY magic) - save arrays with numpy.save");
  int major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0)
    return glif_errf(err, GLIF_EVERSION, path, 0, 0,
                     ".npy format version %d.%d is not supported (1.0, 2.0 and 3.0 are)",
                     major, minor);
  int64_t hlen, hstart = major == 1 ? 10 : 12;
  if (major == 1) {
    hlen = pre[8] | pre[9] << 8;
  } else {
    if (fsize < 12 || fread(pre + 10, 1, 2, f) != 2)
      return glif_errf(err, GLIF_ECORRUPT, path, 0, 0, "truncated .npy header");
    hlen = le32(pre + 8);
  }
  if (hlen > fsize - hstart || hlen > HEADER_MAX)
    return glif_errf(err, GLIF_ECORRUPT, path, 0, 0,
                     "header length %" PRId64 " exceeds the file (%" PRId64 " bytes) - the "
                     "file is truncated or not a .npy file", hlen, fsize);
  char *text = glif_malloc((size_t)hlen + 1);
  if (!text) return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory");
  int rc = 0;
  if (fread(text, 1, (size_t)hlen, f) != (size_t)hlen)
    rc = glif_errf(err, GLIF_EIO, path, 0, 0, "cannot read the header: %s",
                   strerror(errno));
  else
    rc = parse_header(text, (size_t)hlen, path, h, err);
  glif_free(text);
  *data_off = hstart + hlen;
  return rc;
}

/* Element count of the header's shape, checked against the bytes the file holds. */
static int data_size(const header *h, const char *path, int64_t avail, int64_t *size,
                     glif_err *err) {
  char buf[160];
  int64_t n = 1;
  for (int i = 0; i < h->ndim; i++) {
    if (h->shape[i] && n > avail / h->shape[i]) { n = -1; break; }
    n *= h->shape[i];
  }
  if (n < 0 || n > avail / h->itemsize)
    return glif_errf(err, GLIF_ECORRUPT, path, 0, 0,
                     "shape %s of %d-byte elements needs more data than the file's "
                     "%" PRId64 " bytes - the file is truncated or its header is wrong",
                     npy_shape_str(h->ndim, h->shape, buf, sizeof buf), h->itemsize, avail);
  if (n * h->itemsize != avail)
    return glif_errf(err, GLIF_ECORRUPT, path, 0, 0,
                     "shape %s needs %" PRId64 " bytes of data but the file has %" PRId64
                     " - it is not one complete .npy array",
                     npy_shape_str(h->ndim, h->shape, buf, sizeof buf),
                     n * h->itemsize, avail);
  *size = n;
  return 0;
}

static int read_data(FILE *f, const char *path, const header *h, npy_array *out,
                     glif_err *err) {
  unsigned char *buf = glif_malloc(CHUNK);
  out->data = glif_malloc((size_t)(out->size ? out->size : 1) * sizeof(double));
  if (!buf || !out->data) {
    glif_free(buf);
    return glif_errf(err, GLIF_ENOMEM, path, 0, 0,
                     "out of memory reading %" PRId64 " elements", out->size);
  }
  const int64_t per = CHUNK / h->itemsize;
  for (int64_t i = 0; i < out->size; i += per) {
    int64_t n = out->size - i < per ? out->size - i : per;
    if (fread(buf, (size_t)h->itemsize, (size_t)n, f) != (size_t)n) {
      glif_free(buf);
      return glif_errf(err, GLIF_EIO, path, 0, 0, "read error: %s", strerror(errno));
    }
    convert(h->dtype, buf, n, out->data + i);
  }
  glif_free(buf);
  return 0;
}

int npy_read(const char *path, npy_array *out, glif_err *err) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f)
    return glif_errf(err, errno == ENOENT ? GLIF_EMISSING : GLIF_EIO, path, 0, 0,
                     "cannot open the .npy file: %s - check the path", strerror(errno));
  struct stat st;
  header h;
  int64_t off = 0;
  const int stat_ok = fstat(fileno(f), &st) == 0;
  int rc = !stat_ok || !S_ISREG(st.st_mode)
               ? glif_errf(err, GLIF_EIO, path, 0, 0, "cannot read the .npy file: %s - "
                           "give an array saved with numpy.save",
                           !stat_ok               ? strerror(errno)
                           : S_ISDIR(st.st_mode) ? "it is a directory"
                                                 : "it is not a regular file")
               : read_preamble(f, path, (int64_t)st.st_size, &h, &off, err);
  if (!rc) rc = data_size(&h, path, (int64_t)st.st_size - off, &out->size, err);
  if (!rc) {
    out->dtype = h.dtype;
    out->ndim = h.ndim;
    memcpy(out->shape, h.shape, sizeof h.shape);
    rc = read_data(f, path, &h, out, err);
  }
  fclose(f);
  if (rc) npy_free(out);
  return rc;
}

void npy_free(npy_array *a) {
  if (!a) return;
  glif_free(a->data);
  a->data = NULL;
  a->size = 0;
}

/* ---- writing ------------------------------------------------------------------- */

const char *npy_shape_str(int ndim, const int64_t *shape, char *buf, int len) {
  int pos = snprintf(buf, (size_t)len, "[");
  for (int i = 0; i < ndim && pos < len; i++)
    pos += snprintf(buf + pos, (size_t)(len - pos), "%s%" PRId64, i ? ", " : "",
                    shape[i]);
  if (pos < len) snprintf(buf + pos, (size_t)(len - pos), "]");
  return buf;
}

/* The header dict padded so that the data starts on a 64-byte boundary. */
static int format_header(int dtype, int ndim, const int64_t *shape, char *text,
                         size_t cap, int *major) {
  static const char *descr[] = {"<f4", "<f8", "|i1"};
  int n = snprintf(text, cap, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                   descr[dtype]);
  for (int i = 0; i < ndim; i++)
    n += snprintf(text + n, cap - (size_t)n, "%" PRId64 "%s", shape[i],
                  ndim == 1 || i + 1 < ndim ? ", " : "");
  if (ndim == 1) n -= 1; /* "(5,)" not "(5, )" */
  n += snprintf(text + n, cap - (size_t)n, "), }");
  *major = n + 11 > 65535 ? 2 : 1;
  int pre = *major == 1 ? 10 : 12;
  while ((pre + n + 1) % 64) text[n++] = ' ';
  text[n++] = '\n';
  text[n] = '\0';
  return n;
}

static int check_write_args(const char *path, int dtype, int ndim, const int64_t *shape,
                            const double *data, int64_t *size, glif_err *err) {
  if (dtype < NPY_F32 || dtype > NPY_I8 || ndim < 0 || ndim > NPY_MAX_DIMS)
    return glif_errf(err, GLIF_EINTERNAL, path, 0, 0,
                     "npy_write: dtype %d / %d dimensions not supported", dtype, ndim);
  *size = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0 || (shape[i] && *size > INT64_MAX / 8 / shape[i]))
      return glif_errf(err, GLIF_ESHAPE, path, 0, 0, "npy_write: bad shape");
    *size *= shape[i];
  }
  for (int64_t i = 0; dtype == NPY_I8 && i < *size; i++)
    if (!(data[i] >= -128 && data[i] <= 127 && data[i] == floor(data[i])))
      return glif_errf(err, GLIF_ERANGE, path, 0, 0,
                       "element %" PRId64 " = %.17g is not an int8 value", i, data[i]);
  return 0;
}

static void put_le(unsigned char *b, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) b[i] = (unsigned char)(v >> (8 * i));
}

static int write_body(FILE *f, int dtype, const double *data, int64_t size) {
  unsigned char buf[CHUNK];
  const int item = dtype == NPY_F64 ? 8 : dtype == NPY_F32 ? 4 : 1;
  int64_t fill = 0;
  for (int64_t i = 0; i < size; i++) {
    if (dtype == NPY_F64) {
      uint64_t bits;
      memcpy(&bits, &data[i], 8);
      put_le(buf + fill, bits, 8);
    } else if (dtype == NPY_F32) {
      float v = (float)data[i];
      uint32_t bits;
      memcpy(&bits, &v, 4);
      put_le(buf + fill, bits, 4);
    } else {
      buf[fill] = (unsigned char)(int8_t)data[i];
    }
    fill += item;
    if (fill + 8 > CHUNK || i + 1 == size) {
      if (fwrite(buf, 1, (size_t)fill, f) != (size_t)fill) return -1;
      fill = 0;
    }
  }
  return 0;
}

int npy_write(const char *path, int dtype, int ndim, const int64_t *shape,
              const double *data, glif_err *err) {
  int64_t size = 0;
  int rc = check_write_args(path, dtype, ndim, shape, data, &size, err);
  if (rc) return rc;
  char text[64 + NPY_MAX_DIMS * 24 + 128];
  unsigned char pre[12];
  int major, hlen = format_header(dtype, ndim, shape, text, sizeof text, &major);
  memcpy(pre, MAGIC, MAGIC_LEN);
  pre[6] = (unsigned char)major;
  pre[7] = 0;
  put_le(pre + 8, (uint64_t)hlen, major == 1 ? 2 : 4);
  glif_ofile o;
  if ((rc = glif_ofile_open(&o, path, "the array", err))) return rc;
  const int bad = fwrite(pre, 1, major == 1 ? 10 : 12, o.f) != (size_t)(major == 1 ? 10 : 12) ||
                  fwrite(text, 1, (size_t)hlen, o.f) != (size_t)hlen ||
                  write_body(o.f, dtype, data, size);
  if (bad) {
    glif_ofile_abort(&o);
    return glif_errf(err, GLIF_EIO, path, 0, 0, "cannot write the array (%s)", strerror(errno));
  }
  return glif_ofile_commit(&o, "the array", err);
}

int npy_samples(const npy_array *a, int spikes, int T, int64_t c, int64_t h, int64_t w,
                const char *path, const char *what, int64_t *n_samples, glif_err *err) {
  int64_t want[4];
  int nd = 0;
  if (spikes) want[nd++] = T;
  want[nd++] = c;
  if (h != 1 || w != 1 || a->ndim == nd + 2 || a->ndim == nd + 3)
    want[nd++] = h, want[nd++] = w;
  const int batch = a->ndim == nd + 1;
  int ok = a->ndim == nd || batch;
  for (int i = 0; ok && i < nd; i++) ok = a->shape[i + batch] == want[i];
  if (ok && (!batch || a->shape[0] >= 1)) {
    *n_samples = batch ? a->shape[0] : 1;
    return 0;
  }
  char got[128], one[128];
  return glif_errf(err, GLIF_ESHAPE, path, 0, 0,
                   "array shape %s does not fit %s (%s encoding): give one sample %s or "
                   "a batch [N, ...] of them",
                   npy_shape_str(a->ndim, a->shape, got, sizeof got), what,
                   spikes ? "spikes" : "direct", npy_shape_str(nd, want, one, sizeof one));
}

int npy_read_labels(const char *path, int64_t n, int64_t n_classes, int64_t **out,
                    glif_err *err) {
  npy_array a;
  int rc = npy_read(path, &a, err);
  if (rc == GLIF_ETYPE && err) { /* the reader's hint is for inputs: give the labels' one */
    char *hint = strstr(err->msg, " - convert with x.astype(numpy.float32)");
    if (hint) snprintf(hint, sizeof err->msg - (size_t)(hint - err->msg),
                       " - save the labels with y.astype(numpy.int8)");
  }
  if (rc) return rc;
  if (a.size != n || a.ndim > 1) {
    char buf[64];
    rc = glif_errf(err, GLIF_ESHAPE, path, 0, 0, "labels have shape %s, expected [%lld] "
                   "(one per input sample)", npy_shape_str(a.ndim, a.shape, buf, 64),
                   (long long)n);
  }
  int64_t *y = rc ? NULL : glif_malloc(sizeof *y * (size_t)(n ? n : 1));
  if (!rc && !y) rc = glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory");
  for (int64_t i = 0; !rc && i < n; i++) {
    const double v = a.data[i];
    if (v != floor(v) || v < 0 || v >= (double)n_classes)
      rc = glif_errf(err, GLIF_ERANGE, path, 0, 0, "label %lld is %.9g; labels are "
                     "integer classes 0 .. %lld", (long long)i, v, (long long)n_classes - 1);
    else
      y[i] = (int64_t)v;
  }
  npy_free(&a);
  if (rc) glif_free(y);
  else *out = y;
  return rc;
}
