/*
 * test_image.c - the chip image: writer, reader and their shared rules.
 *
 * Built on the hand-made image of image/sample.h (5 cores of a 4 x 2 mesh, groups with
 * gain tables, fan-out between cores, graded axons, input and output maps):
 *   - round trip: every field read back, same bytes on every write and after a re-write;
 *   - the byte layout at hand-computed offsets (independent of the reader);
 *   - the committed sample.img (used by tests/cli/inspect.sh) equals a fresh write;
 *   - damage: truncation, bit flips (exhaustive over header and directory, 20,000
 *     random ones), foreign files, wrong version, trailing bytes;
 *   - semantic corruption with correct CRCs, each refused with its message;
 *   - the writer refusing invalid input, misuse and I/O errors, never leaving a file;
 *   - allocation failure at every allocation of a read and of a write;
 *   - boundary values accepted, one test each.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "fabric/image.h"
#include "fabric/mem.h"
#include "image/sample.h"

/* Sections of the sample in directory order. */
enum { SEC_ARCH, SEC_NET, SEC_INPUT, SEC_OUTPUT, SEC_C00, SEC_C10, SEC_C20, SEC_C30,
       SEC_C01, N_SEC };
/* Hand-computed layout of the sample (see test_layout_offsets). */
#define SAMPLE_SIZE 4776u

static char tmpdir[512];

/* ---- helpers ------------------------------------------------------------------------ */

static const char *tmp_path(const char *name) {
  static char buf[4][640];
  static int next;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
  return p;
}

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* 1 when a writer's temporary file is left in the test directory. */
static int temp_left(void) {
  DIR *d = opendir(tmpdir);
  struct dirent *e;
  int found = 0;
  assert_non_null(d);
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp.")) found = 1;
  closedir(d);
  return found;
}

static uint8_t *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc((size_t)n + 1);
  assert_non_null(b);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *size = (size_t)n;
  return b;
}

static void write_ok(const img_image *img, const char *path) {
  glif_err err;
  glif_err_clear(&err);
  int rc = img_write(path, img, &err);
  if (rc) fprintf(stderr, "img_write: %s\n", err.msg);
  assert_int_equal(rc, 0);
}

/* The sample's bytes, as written now. */
static uint8_t *sample_bytes(size_t *size) {
  sample *s = malloc(sizeof *s);
  sample_build(s);
  write_ok(&s->img, tmp_path("bytes.img"));
  free(s);
  uint8_t *b = slurp(tmp_path("bytes.img"), size);
  assert_non_null(b);
  return b;
}

static void assert_msg(const glif_err *err, const char *want) {
  if (!strstr(err->msg, want)) {
    fprintf(stderr, "expected message containing\n  %s\ngot (%s)\n  %s\n", want,
            glif_err_name(err->code), err->msg);
    fail();
  }
}

static int read_buf(const uint8_t *b, size_t n, glif_err *err) {
  img_image *img = NULL;
  glif_err_clear(err);
  int rc = img_read_buffer(b, n, "t.img", &img, err);
  if (rc == 0) img_free(img);
  else assert_null(img);
  return rc;
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p) {
  return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}
static void put_le(uint8_t *p, int width, uint64_t v) {
  for (int i = 0; i < width; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t crc(const uint8_t *p, size_t n) {
  return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)n);
}

static size_t sec_off(const uint8_t *b, int i) { return get64(b + 64 + 32 * i + 8); }
static size_t sec_size(const uint8_t *b, int i) { return get64(b + 64 + 32 * i + 16); }

/* Recomputes every section CRC, the directory CRC and the header CRC after an edit, so
 * that only the semantic checks can catch it. */
static void fix_crcs(uint8_t *b, size_t size) {
  uint32_t n = get32(b + 24);
  if (64 + 32 * (uint64_t)n <= size) { /* an edited n_sections may not fit */
    for (uint32_t i = 0; i < n; i++)
      if (sec_off(b, i) <= size && sec_size(b, i) <= size - sec_off(b, i))
        put_le(b + 64 + 32 * i + 24, 4, crc(b + sec_off(b, i), sec_size(b, i)));
    put_le(b + 32, 4, crc(b + 64, 32 * n));
  }
  put_le(b + 60, 4, crc(b, 60));
}

/* Byte offset, inside a CORE section, of one of its arrays (the layout of image.h,
 * computed here independently of the library). */
enum { A_HEADER, A_GROUPS, A_NEURONS, A_AXONS, A_CROSSBAR, A_FANOUT, A_SYMBOLS };
static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }
static size_t core_arr(const uint8_t *b, int sec, int which) {
  const uint8_t *c = b + sec_off(b, sec);
  size_t T = get32(c + 20), nn = get32(c + 4), na = get32(c + 8), ng = get32(c + 12);
  size_t nf = get32(c + 16);
  size_t at[7];
  at[A_HEADER] = 0;
  at[A_GROUPS] = 32;
  at[A_NEURONS] = at[A_GROUPS] + pad8(ng * (32 + 4 * T));
  at[A_AXONS] = at[A_NEURONS] + pad8(nn * 12);
  at[A_CROSSBAR] = at[A_AXONS] + pad8(na);
  at[A_FANOUT] = at[A_CROSSBAR] + pad8(na * nn);
  at[A_SYMBOLS] = at[A_FANOUT] + nf * 8;
  return at[which];
}

/* ---- fixture -------------------------------------------------------------------------- */

static int group_setup(void **state) {
  snprintf(tmpdir, sizeof tmpdir, "%s/tests/test_image.XXXXXX", GLIF_BINARY_DIR);
  if (!mkdtemp(tmpdir)) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_image.XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
  }
  (void)state;
  return 0;
}

static int group_teardown(void **state) {
  DIR *d = opendir(tmpdir);
  struct dirent *e;
  char p[1024];
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
    unlink(p);
  }
  if (d) closedir(d);
  rmdir(tmpdir);
  (void)state;
  return 0;
}

/* ---- round trip ----------------------------------------------------------------------- */

static void assert_arch_equal(const glif_arch *a, const glif_arch *b) {
  assert_string_equal(a->name, b->name);
#define U(f) assert_int_equal(a->f, b->f)
  U(mesh_x); U(mesh_y); U(io_x); U(io_y); U(neurons); U(axons); U(delay_slots);
  U(groups); U(max_steps); U(fanout_entries); U(lanes); U(pipeline_depth);
  U(core_buffer); U(weight_bits); U(membrane_bits); U(acc_bits); U(frac_bits);
  U(shift_max); U(payload_in_bits); U(payload_sum_bits); U(router_latency);
  U(router_buffer); U(barrier_cycles);
#undef U
#define D(f) assert_memory_equal(&a->f, &b->f, sizeof(double))
  D(clock_mhz); D(e_synop); D(e_mac); D(e_row_read); D(e_update); D(e_spike);
  D(e_packet); D(e_hop); D(e_barrier); D(static_uw_per_core);
#undef D
}

static void assert_fanout_equal(const img_fanout *a, const img_fanout *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    assert_int_equal(a[i].x, b[i].x);
    assert_int_equal(a[i].y, b[i].y);
    assert_int_equal(a[i].axon, b[i].axon);
    assert_int_equal(a[i].delay, b[i].delay);
    assert_int_equal(a[i].flags, b[i].flags);
  }
}

static void assert_group_equal(const img_group *a, const img_group *b, uint32_t T) {
  assert_int_equal(a->p.k, b->p.k);
  assert_int_equal(a->p.ks, b->p.ks);
  assert_int_equal(a->p.d, b->p.d);
  assert_int_equal(a->p.r, b->p.r);
  assert_int_equal(a->p.theta, b->p.theta);
  assert_int_equal(a->p.bias, b->p.bias);
  assert_int_equal(a->p.kind, b->p.kind);
  assert_int_equal(a->shift, b->shift);
  assert_int_equal(a->first_tick, b->first_tick);
  assert_memory_equal(a->gain, b->gain, 4 * T);
}

static void assert_core_equal(const img_core *a, const img_core *b, uint32_t T) {
  assert_int_equal(a->x, b->x);
  assert_int_equal(a->y, b->y);
  assert_int_equal(a->n_neurons, b->n_neurons);
  assert_int_equal(a->n_axons, b->n_axons);
  assert_int_equal(a->n_groups, b->n_groups);
  assert_int_equal(a->n_fanout, b->n_fanout);
  for (uint32_t g = 0; g < a->n_groups; g++)
    assert_group_equal(&a->groups[g], &b->groups[g], T);
  for (uint32_t j = 0; j < a->n_neurons; j++) {
    assert_int_equal(a->neurons[j].group, b->neurons[j].group);
    assert_int_equal(a->neurons[j].fanout_start, b->neurons[j].fanout_start);
    assert_int_equal(a->neurons[j].fanout_count, b->neurons[j].fanout_count);
    assert_int_equal(a->symbols[j].layer, b->symbols[j].layer);
    assert_int_equal(a->symbols[j].index, b->symbols[j].index);
  }
  assert_memory_equal(a->axon_flags, b->axon_flags, a->n_axons);
  assert_memory_equal(a->crossbar, b->crossbar, (size_t)a->n_axons * a->n_neurons);
  assert_fanout_equal(a->fanout, b->fanout, a->n_fanout);
}

static void assert_image_equal(const img_image *a, const img_image *b) {
  assert_arch_equal(&a->arch, &b->arch);
  assert_int_equal(a->T, b->T);
  assert_int_equal(a->n_ticks, b->n_ticks);
  assert_string_equal(a->model_name, b->model_name);
  assert_int_equal(a->n_layers, b->n_layers);
  for (uint32_t i = 0; i < a->n_layers; i++) {
    assert_string_equal(a->layers[i].name, b->layers[i].name);
    assert_int_equal(a->layers[i].kind, b->layers[i].kind);
    assert_int_equal(a->layers[i].first_tick, b->layers[i].first_tick);
    assert_int_equal(a->layers[i].n_neurons, b->layers[i].n_neurons);
    assert_int_equal(a->layers[i].c, b->layers[i].c);
    assert_int_equal(a->layers[i].h, b->layers[i].h);
    assert_int_equal(a->layers[i].w, b->layers[i].w);
  }
  const img_input *x = &a->input, *y = &b->input;
  assert_int_equal(x->c, y->c);
  assert_int_equal(x->h, y->h);
  assert_int_equal(x->w, y->w);
  assert_int_equal(x->encoding, y->encoding);
  assert_int_equal(x->payload_bits, y->payload_bits);
  assert_memory_equal(&x->scale, &y->scale, sizeof(double));
  assert_int_equal(x->n_inputs, y->n_inputs);
  assert_int_equal(x->n_entries, y->n_entries);
  assert_memory_equal(x->offsets, y->offsets, 4 * ((size_t)x->n_inputs + 1));
  assert_fanout_equal(x->entries, y->entries, x->n_entries);
  assert_int_equal(a->n_outputs, b->n_outputs);
  for (uint32_t i = 0; i < a->n_outputs; i++) {
    assert_int_equal(a->outputs[i].x, b->outputs[i].x);
    assert_int_equal(a->outputs[i].y, b->outputs[i].y);
    assert_int_equal(a->outputs[i].neuron, b->outputs[i].neuron);
    assert_memory_equal(&a->outputs[i].scale, &b->outputs[i].scale, sizeof(double));
  }
  assert_int_equal(a->n_cores, b->n_cores);
  for (uint32_t i = 0; i < a->n_cores; i++)
    assert_core_equal(&a->cores[i], &b->cores[i], a->T);
}

static void test_round_trip_every_field(void **state) {
  sample *s = malloc(sizeof *s);
  img_image *img = NULL;
  glif_err err;
  sample_build(s);
  write_ok(&s->img, tmp_path("rt.img"));
  assert_int_equal(img_read(tmp_path("rt.img"), &img, &err), 0);
  assert_image_equal(&s->img, img);
  img_free(img);
  free(s);
  (void)state;
}

static void test_bytes_identical(void **state) {
  size_t n1, n2, n3;
  uint8_t *a = sample_bytes(&n1), *b = sample_bytes(&n2);
  img_image *img = NULL;
  glif_err err;
  assert_int_equal(n1, n2);
  assert_memory_equal(a, b, n1); /* write twice: same bytes */
  assert_int_equal(img_read_buffer(a, n1, "a.img", &img, &err), 0);
  write_ok(img, tmp_path("again.img")); /* read -> write: same bytes */
  img_free(img);
  uint8_t *c = slurp(tmp_path("again.img"), &n3);
  assert_int_equal(n1, n3);
  assert_memory_equal(a, c, n1);
  free(a), free(b), free(c);
  (void)state;
}

/* The committed tests/fabric/image/sample.img (read by tests/cli/inspect.sh) is exactly
 * what the writer produces now. GLIF_UPDATE_SAMPLE=1 rewrites it after a deliberate
 * format or sample change. */
static void test_committed_sample_is_current(void **state) {
  size_t n, m = 0;
  uint8_t *fresh = sample_bytes(&n);
  const char *committed = GLIF_SOURCE_DIR "/tests/fabric/image/sample.img";
  const char *update = getenv("GLIF_UPDATE_SAMPLE");
  if (update && !strcmp(update, "1")) {
    FILE *f = fopen(committed, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(fresh, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
  }
  uint8_t *old = slurp(committed, &m);
  if (!old || m != n || memcmp(old, fresh, n) != 0) {
    fprintf(stderr, "%s is stale (%zu bytes, the writer now makes %zu): rerun this test "
            "with GLIF_UPDATE_SAMPLE=1 and commit the file\n", committed, m, n);
    fail();
  }
  free(old), free(fresh);
  (void)state;
}

/* Offsets computed by hand from image.h:
 *   header 64, directory 9 x 32 = 288            -> ARCH at 352
 *   ARCH 240                                     -> NET at 592
 *   NET 96 + 4 x 160 = 736                       -> INPUT at 1328
 *   INPUT 48 + pad8(17 x 4 = 68) = 72 + 32 x 8   = 376 -> OUTPUT at 1704
 *   OUTPUT 8 + 4 x 16 = 72                       -> core (0,0) at 1776
 *   core (0,0): 32 + 2 x (32 + 16) + 16 x 12 + 16 + 16 x 16 + 20 x 8 + 16 x 8 = 880
 *   core (1,0): 880 - 4 x 8 (four fewer fan-out entries) = 848
 *   core (2,0): 32 + 48 + 96 + 32 + 256 + 64 + 64 = 592
 *   core (3,0): 32 + 48 + pad8(120) + 8 + 80 + 80 + 80 = 448
 *   core (0,1): 32 + 48 + 48 + pad8(14) + 56 + 0 + 32 = 232
 *   total 1776 + 880 + 848 + 592 + 448 + 232 = 4776 */
static void test_layout_offsets(void **state) {
  static const size_t off[N_SEC] = {352, 592, 1328, 1704, 1776, 2656, 3504, 4096, 4544};
  static const size_t size[N_SEC] = {240, 736, 376, 72, 880, 848, 592, 448, 232};
  static const uint32_t type[N_SEC] = {1, 2, 3, 4, 5, 5, 5, 5, 5};
  static const uint32_t index[N_SEC] = {0, 0, 0, 0, 0, 1, 2, 3, 4};
  size_t n;
  uint8_t *b = sample_bytes(&n);
  assert_int_equal(n, SAMPLE_SIZE);
  assert_memory_equal(b, "GLIFIMG\0", 8);
  assert_int_equal(get32(b + 8), 1);
  assert_int_equal(get32(b + 12), 64);
  assert_int_equal(get64(b + 16), SAMPLE_SIZE);
  assert_int_equal(get32(b + 24), N_SEC);
  for (int i = 0; i < N_SEC; i++) {
    assert_int_equal(get32(b + 64 + 32 * i), type[i]);
    assert_int_equal(get32(b + 64 + 32 * i + 4), index[i]);
    assert_int_equal(sec_off(b, i), off[i]);
    assert_int_equal(sec_size(b, i), size[i]);
  }
  const uint8_t *net = b + 592, *c0 = b + 1776, *in = b + 1328;
  assert_int_equal(get32(net), 4);          /* T */
  assert_int_equal(get32(net + 4), 7);      /* n_ticks */
  assert_int_equal(get32(net + 12), 5);     /* n_cores */
  assert_string_equal((const char *)net + 24, "sample-net");
  assert_string_equal((const char *)net + 96 + 160, "fc1.psum");
  assert_int_equal(get32(net + 96 + 160 + 128), NRN_RELAY);
  assert_int_equal(get32(in + 36), 32);     /* n_entries */
  assert_int_equal(get32(in + 48 + 4 * 16), 32); /* offsets[16] */
  assert_int_equal(get32(c0 + 4), 16);      /* core (0,0) n_neurons */
  assert_int_equal(get32(c0 + 16), 20);     /* n_fanout */
  assert_int_equal(get32(c0 + 32), 24576);  /* group 0 k */
  assert_int_equal(c0[32 + 25], 3);         /* group 0 shift */
  assert_int_equal(get32(c0 + 32 + 48 + 32 + 4), S_ONE - 2000u); /* group 1 gain[1] */
  assert_int_equal(c0[320], IMG_AXON_GRADED);                    /* axon 0 */
  assert_int_equal(c0[592 + 8 + 4], 10);    /* entry 1: axon 10 of core (0,1) */
  assert_int_equal(c0[592 + 8 + 6], 2);     /* ... with delay 2 */
  free(b);
  (void)state;
}

static void test_core_index(void **state) {
  sample *s = malloc(sizeof *s);
  img_image *img = NULL;
  glif_err err;
  sample_build(s);
  write_ok(&s->img, tmp_path("idx.img"));
  assert_int_equal(img_read(tmp_path("idx.img"), &img, &err), 0);
  const img_image *both[2] = {img, &s->img}; /* O(1) table, and an in-memory image */
  for (int k = 0; k < 2; k++) {
    assert_int_equal(img_core_index(both[k], 0, 0), 0);
    assert_int_equal(img_core_index(both[k], 3, 0), 3);
    assert_int_equal(img_core_index(both[k], 0, 1), 4);
    assert_int_equal(img_core_index(both[k], 1, 1), -1);  /* unused core */
    assert_int_equal(img_core_index(both[k], 4, 0), -1);  /* off the mesh */
    assert_int_equal(img_core_index(both[k], 0, 2), -1);
  }
  img_free(img);
  free(s);
  (void)state;
}

/* ---- damage --------------------------------------------------------------------------- */

static void expect_truncated(const uint8_t *b, size_t len) {
  glif_err err;
  int rc = read_buf(b, len, &err);
  if (rc != GLIF_ECORRUPT) fprintf(stderr, "length %zu: rc %d\n", len, rc);
  assert_int_equal(rc, GLIF_ECORRUPT);
  assert_msg(&err, "truncated");
}

static void test_truncation(void **state) {
  size_t n;
  uint8_t *b = sample_bytes(&n);
  for (size_t len = 0; len <= 64 + 32 * N_SEC; len++) expect_truncated(b, len);
  for (int i = 0; i < N_SEC; i++) {
    size_t o = sec_off(b, i), e = o + sec_size(b, i);
    expect_truncated(b, o - 1);
    expect_truncated(b, o + 1);
    expect_truncated(b, e - 1);
    if (e < n) expect_truncated(b, e);
  }
  for (size_t len = 64 + 32 * N_SEC; len < n; len += 7) expect_truncated(b, len);
  glif_err err;
  assert_int_equal(read_buf(b, n, &err), 0);
  free(b);
  (void)state;
}

static void test_trailing_bytes(void **state) {
  size_t n;
  uint8_t *b = sample_bytes(&n);
  uint8_t *more = calloc(n + 8, 1);
  glif_err err;
  memcpy(more, b, n);
  assert_int_equal(read_buf(more, n + 8, &err), GLIF_ECORRUPT);
  assert_msg(&err, "header says 4776 bytes, file has 4784: 8 bytes were appended");
  free(more), free(b);
  (void)state;
}

/* Every single bit of the header and the directory. */
static void test_header_directory_bit_flips(void **state) {
  size_t n;
  uint8_t *b = sample_bytes(&n);
  glif_err err;
  for (size_t bit = 0; bit < 8 * (64 + 32 * N_SEC); bit++) {
    b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    int rc = read_buf(b, n, &err);
    int in_version = bit / 8 >= 8 && bit / 8 < 12;
    assert_int_equal(rc, in_version ? GLIF_EVERSION : GLIF_ECORRUPT);
    b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
  }
  assert_int_equal(read_buf(b, n, &err), 0);
  free(b);
  (void)state;
}

/* 20,000 random flips of 1 to 4 bits anywhere (fixed seed). Every byte of an image is
 * under a CRC (header, directory, sections; inside sections the padding too) or, for
 * padding between sections, checked to be zero - in version 1 every section size is a
 * multiple of 8, so there is none - so every flip must be refused. */
static void test_random_bit_flips(void **state) {
  size_t n;
  uint8_t *b = sample_bytes(&n), *orig = malloc(n);
  uint32_t seed = 12345;
  memcpy(orig, b, n);
  int counts[3] = {0};
  glif_err err;
  for (int trial = 0; trial < 20000; trial++) {
    size_t where[4];
    int k = 1 + (int)(sample_rand(&seed) % 4);
    for (int i = 0; i < k; i++) {
      where[i] = sample_rand(&seed) % (8 * n);
      b[where[i] / 8] ^= (uint8_t)(1u << (where[i] % 8));
    }
    int rc = read_buf(b, n, &err);
    if (memcmp(b, orig, n) != 0) { /* flips of one bit twice cancel */
      assert_true(rc == GLIF_ECORRUPT || rc == GLIF_EVERSION);
      counts[rc == GLIF_ECORRUPT ? 0 : 1]++;
    } else {
      counts[2]++;
    }
    for (int i = k - 1; i >= 0; i--) b[where[i] / 8] ^= (uint8_t)(1u << (where[i] % 8));
  }
  assert_int_equal(read_buf(b, n, &err), 0);
  print_message("random flips: %d corrupt, %d version, %d cancelled\n", counts[0],
                counts[1], counts[2]);
  free(b), free(orig);
  (void)state;
}

static void test_foreign_files(void **state) {
  static const uint8_t png[16] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  glif_err err;
  assert_int_equal(read_buf(png, sizeof png, &err), GLIF_ECORRUPT);
  assert_msg(&err, "not a GLIF chip image (magic 89 50 4e 47 0d 0a 1a 0a \".PNG....\"");
  assert_int_equal(read_buf((const uint8_t *)"hello", 5, &err), GLIF_ECORRUPT);
  assert_msg(&err, "not a GLIF chip image (magic 68 65 6c 6c 6f \"hello\"");
  assert_int_equal(read_buf((const uint8_t *)"GLIF", 4, &err), GLIF_ECORRUPT);
  assert_msg(&err, "truncated: the file has 4 bytes");
  assert_int_equal(read_buf((const uint8_t *)"", 0, &err), GLIF_ECORRUPT);
  assert_msg(&err, "truncated: the file has 0 bytes");
  assert_int_equal(read_buf(NULL, 0, &err), GLIF_ECORRUPT);
  assert_msg(&err, "truncated: the file has 0 bytes");
  FILE *f = fopen(tmp_path("empty.img"), "wb"); /* an empty file cannot be mapped */
  assert_non_null(f);
  fclose(f);
  img_image *img = NULL;
  assert_int_equal(img_read(tmp_path("empty.img"), &img, &err), GLIF_ECORRUPT);
  assert_msg(&err, "truncated: the file has 0 bytes");
  (void)state;
}

static void test_wrong_version(void **state) {
  size_t n;
  uint8_t *b = sample_bytes(&n);
  glif_err err;
  put_le(b + 8, 4, 7);
  fix_crcs(b, n);
  assert_int_equal(read_buf(b, n, &err), GLIF_EVERSION);
  assert_string_equal(err.msg, "chip image version 7, this glif reads version 1 - "
                               "recompile the model with this glif");
  assert_string_equal(err.file, "t.img");
  free(b);
  (void)state;
}

static void test_crc_messages(void **state) {
  size_t n;
  uint8_t *b = sample_bytes(&n);
  glif_err err;
  b[sec_off(b, SEC_C30) + 100] ^= 0x10;
  assert_int_equal(read_buf(b, n, &err), GLIF_ECORRUPT);
  assert_msg(&err, "CORE section of core (3, 0): CRC mismatch (stored 0x");
  assert_msg(&err, "the file is corrupted - recompile the model or copy the file again");
  b[sec_off(b, SEC_C30) + 100] ^= 0x10;
  b[60] ^= 1;
  assert_int_equal(read_buf(b, n, &err), GLIF_ECORRUPT);
  assert_msg(&err, "header CRC mismatch");
  b[60] ^= 1;
  b[64 + 32 * 3 + 16] ^= 4; /* OUTPUT's size */
  assert_int_equal(read_buf(b, n, &err), GLIF_ECORRUPT);
  assert_msg(&err, "section directory CRC mismatch");
  free(b);
  (void)state;
}

static void test_read_errors(void **state) {
  img_image *img = (img_image *)1;
  glif_err err;
  assert_int_equal(img_read(tmp_path("no-such.img"), &img, &err), GLIF_EMISSING);
  assert_null(img);
  assert_msg(&err, "cannot open the chip image (No such file or directory)");
  assert_int_equal(img_read(tmpdir, &img, &err), GLIF_EIO); /* a directory */
  assert_null(img);
  (void)state;
}

static void test_check_arch(void **state) {
  sample *s = malloc(sizeof *s);
  img_image *img = NULL;
  glif_err err;
  glif_arch a;
  sample_build(s);
  write_ok(&s->img, tmp_path("arch.img"));
  assert_int_equal(img_read(tmp_path("arch.img"), &img, &err), 0);
  sample_arch(&a);
  assert_int_equal(img_check_arch(img, &a, &err), 0);
  a.e_synop = 99.0, a.clock_mhz = 500.0, a.barrier_cycles = 1; /* re-costing is fine */
  assert_int_equal(img_check_arch(img, &a, &err), 0);
  a.neurons = 1024;
  strcpy(a.name, "big");
  assert_int_equal(img_check_arch(img, &a, &err), GLIF_EARCH);
  assert_msg(&err, "compiled for architecture 'sample-4x2' with core.neurons = 16; "
                   "architecture 'big' has core.neurons = 1024 (");
  assert_msg(&err, ") - recompile the model with --arch");
  a.mesh_y = 3; /* the first differing field is named */
  assert_int_equal(img_check_arch(img, &a, &err), GLIF_EARCH);
  assert_msg(&err, "with mesh.y = 2;");
  sample_arch(&a);
  a.router_buffer = 8; /* the last structural field counts too */
  assert_int_equal(img_check_arch(img, &a, &err), GLIF_EARCH);
  assert_msg(&err, "with router.buffer = 4;");
  img_free(img);
  free(s);
  (void)state;
}

/* ---- semantic corruption under correct CRCs -------------------------------------------- */

typedef struct edit {
  const char *what;
  int sec;      /* directory index; -1: the header */
  int arr;      /* A_* inside a CORE section, or -1: offset from the section start */
  size_t off;   /* bytes from there */
  int width;    /* 1, 2, 4 or 8 */
  uint64_t value;
  int code;
  const char *msg;
} edit;

/* Core (0,0): neuron j has entries 2j, 2j+1 for j < 4, then one each (j + 4). Fan-out
 * record: x y axon(+4) delay(+6) flags(+7). Neuron record: group(+0) start(+4) count(+8). */
static const edit edits[] = {
    {"dest axon out of range", SEC_C00, A_FANOUT, 0 * 8 + 4, 2, 40, GLIF_ECORRUPT,
     "CORE section of core (0, 0): entry 0: destination axon 40 of core (2, 0) out of "
     "range (that core uses 32 axons)"},
    {"delay too big", SEC_C00, A_FANOUT, 1 * 8 + 6, 1, 3, GLIF_ECORRUPT,
     "CORE section of core (0, 0): fan-out entry 1: delay 3 (at most delay_slots - 2 = 2)"},
    {"group index out of range", SEC_C00, A_NEURONS, 5 * 12, 2, 2, GLIF_ECORRUPT,
     "CORE section of core (0, 0): neuron 5: group 2 out of range (n_groups 2)"},
    {"fan-out range past the table", SEC_C00, A_NEURONS, 15 * 12 + 8, 4, 2, GLIF_ECORRUPT,
     "neuron 15: fanout_start 19 + fanout_count 2 exceeds n_fanout 20"},
    {"fan-out range wrapping 32 bits", SEC_C00, A_NEURONS, 15 * 12 + 8, 4, 0xFFFFFFFFu,
     GLIF_ECORRUPT, "neuron 15: fanout_start 19 + fanout_count 4294967295 exceeds"},
    {"graded flag vs binary axon", SEC_C20, A_AXONS, 0, 1, IMG_AXON_GRADED, GLIF_ECORRUPT,
     "CORE section of core (0, 0): entry 0 is binary, but axon 0 of core (2, 0) is graded"},
    {"binary entry from a relay", SEC_C20, A_FANOUT, 7, 1, 0, GLIF_ECORRUPT,
     "CORE section of core (2, 0): fan-out entry 0 is binary, but it is sent by a relay "
     "neuron"},
    {"output on a spiking neuron", SEC_OUTPUT, -1, 8 + 0, 4, 3, GLIF_ECORRUPT, /* (3, 0) */
     "OUTPUT section: output 0: neuron 0 of core (3, 0) is a spiking neuron, not a "
     "readout"},
    {"output on a missing core", SEC_OUTPUT, -1, 8 + 16, 2, 2, GLIF_ECORRUPT,
     "OUTPUT section: output 1: core (2, 1) is not in the image"},
    {"dest core not in the image", SEC_C30, A_FANOUT, 0, 2, 3, GLIF_ECORRUPT,
     "CORE section of core (3, 0): entry 0: destination core (3, 1) is not in the image"},
    {"input entry to a missing axon", SEC_INPUT, -1, 48 + 72 + 4, 2, 16, GLIF_ECORRUPT,
     "INPUT section: entry 0: destination axon 16 of core (0, 0) out of range"},
    {"input offsets decrease", SEC_INPUT, -1, 48 + 4 * 3, 4, 1, GLIF_ECORRUPT,
     "INPUT section: offsets[3] = 1 is less than offsets[2] = 4"},
    {"input payload width", SEC_INPUT, -1, 20, 4, 7, GLIF_ECORRUPT,
     "INPUT section: payload_bits = 7, the architecture has payload_in_bits = 8"},
    {"input scale NaN", SEC_INPUT, -1, 24, 8, 0x7ff8000000000000ull, GLIF_ECORRUPT,
     "INPUT section: scale = nan must be finite and positive"},
    {"input binary under direct encoding", SEC_INPUT, -1, 48 + 72 + 7, 1, 0,
     GLIF_ECORRUPT, "INPUT section: entry 0 is binary, but direct input sends graded"},
    {"T above max_steps", SEC_NET, -1, 0, 4, 9, GLIF_ECORRUPT,
     "NET section: T = 9 is out of range (1 .. max_steps 8)"},
    {"n_ticks inconsistent", SEC_NET, -1, 4, 4, 8, GLIF_ECORRUPT,
     "NET section: n_ticks = 8, but T 4 + the largest layer first_tick 3 = 7"},
    {"layer kind", SEC_NET, -1, 96 + 128, 4, 3, GLIF_ECORRUPT,
     "NET section: layer 0 'conv1': kind 3 is not a neuron kind"},
    {"layer shape", SEC_NET, -1, 96 + 140, 4, 5, GLIF_ECORRUPT,
     "layer 0 'conv1': shape 5 x 2 x 4 does not hold n_neurons = 32"},
    {"layer name not NUL-padded", SEC_NET, -1, 96 + 127, 1, 'x', GLIF_ECORRUPT,
     "NET section: layer 0: name is not NUL-padded within 128 bytes"},
    {"n_cores vs directory", SEC_NET, -1, 12, 4, 4, GLIF_ECORRUPT,
     "NET section: n_cores = 4, the directory holds 5 CORE sections"},
    {"symbol layer out of range", SEC_C10, A_SYMBOLS, 3 * 8, 4, 4, GLIF_ECORRUPT,
     "CORE section of core (1, 0): neuron 3: symbol layer 4 out of range (n_layers 4)"},
    {"symbol index out of range", SEC_C10, A_SYMBOLS, 3 * 8 + 4, 4, 32, GLIF_ECORRUPT,
     "neuron 3: symbol index 32 out of range (layer 'conv1' has 32 neurons)"},
    {"symbol of another kind", SEC_C00, A_SYMBOLS, 3 * 8, 4, 3, GLIF_ECORRUPT,
     "neuron 3: its group 0 (kind 0, first_tick 0) does not match its layer 'out' "
     "(kind 1, first_tick 3)"},
    {"shift above shift_max", SEC_C00, A_GROUPS, 48 + 25, 1, 7, GLIF_ECORRUPT,
     "CORE section of core (0, 0): group 1: shift 7 exceeds shift_max 6"},
    {"gain above UQ1.15", SEC_C30, A_GROUPS, 32 + 4 * 2, 4, 65536, GLIF_ECORRUPT,
     "CORE section of core (3, 0): group 0: gain[2] = 65536 exceeds the largest UQ1.15 "
     "value 65535"},
    {"k above UQ1.15", SEC_C30, A_GROUPS, 0, 4, 65536, GLIF_ECORRUPT,
     "group 0: k = 65536, ks = 12288 (largest UQ1.15 value 65535)"},
    {"theta outside the membrane", SEC_C30, A_GROUPS, 16, 4, 1u << 23, GLIF_ECORRUPT,
     "group 0: theta = 8388608 does not fit the membrane (24 bits signed)"},
    {"group kind", SEC_C30, A_GROUPS, 24, 1, 5, GLIF_ECORRUPT,
     "group 0: kind 5 is not a neuron kind"},
    {"group window past n_ticks", SEC_C30, A_GROUPS, 28, 4, 4, GLIF_ECORRUPT,
     "group 0: first_tick 4 + T 4 exceeds n_ticks 7"},
    {"axon flag bits", SEC_C30, A_AXONS, 1, 1, 0x81, GLIF_ECORRUPT,
     "axon 1: unknown flags 0x81"},
    {"core header reserved", SEC_C30, A_HEADER, 24, 1, 1, GLIF_ECORRUPT,
     "CORE section of core (3, 0): reserved or padding bytes are not zero"},
    {"core padding", SEC_C01, A_AXONS, 14, 1, 1, GLIF_ECORRUPT, /* 14 axons, padded */
     "CORE section of core (0, 1): reserved or padding bytes are not zero"},
    {"core T", SEC_C30, A_HEADER, 20, 4, 5, GLIF_ECORRUPT,
     "CORE section of core (3, 0): T = 5, the network has T = 4"},
    {"core counts vs size", SEC_C30, A_HEADER, 16, 4, 9, GLIF_ECORRUPT,
     "CORE section of core (3, 0): 448 bytes, but its counts imply 440"},
    {"huge n_neurons", SEC_C30, A_HEADER, 4, 4, 0xFFFFFFFFu, GLIF_ECORRUPT,
     "n_neurons = 4294967295 is out of range (1 .. 16)"},
    {"huge n_fanout", SEC_C30, A_HEADER, 16, 4, 0xFFFFFFFFu, GLIF_ECORRUPT,
     "n_fanout = 4294967295 exceeds the core's 64 fan-out entries"},
    {"huge n_layers", SEC_NET, -1, 8, 4, 0xFFFFFFFFu, GLIF_ECORRUPT,
     "NET section: 736 bytes, but its counts imply 687194767296"},
    {"huge n_inputs", SEC_INPUT, -1, 32, 4, 0xFFFFFFFFu, GLIF_ECORRUPT,
     "INPUT section: 376 bytes, but its counts imply"},
    {"huge n_outputs", SEC_OUTPUT, -1, 0, 4, 0xFFFFFFFFu, GLIF_ECORRUPT,
     "OUTPUT section: 72 bytes, but its counts imply 68719476728"},
    {"core at another position", SEC_C30, A_HEADER, 0, 2, 2, GLIF_ECORRUPT,
     "CORE section of core (3, 0): the section holds core (2, 0), the directory says "
     "core index 3"},
    {"arch hash", -1, -1, 28, 4, 0x12345678, GLIF_ECORRUPT,
     "header: arch_hash 0x12345678, but the ARCH section's architecture 'sample-4x2' "
     "hashes to 0x"},
    {"arch field out of range", SEC_ARCH, -1, 64 + 4 * 4, 4, 0, GLIF_ECORRUPT,
     "ARCH section: "},
    {"arch name not NUL-padded", SEC_ARCH, -1, 63, 1, 'x', GLIF_ECORRUPT,
     "ARCH section: name is not NUL-padded within 64 bytes"},
    {"section type order", -1, -1, 64 + 32 * 2, 4, 4, GLIF_ECORRUPT,
     "directory entry 2: section type 4 (OUTPUT), expected 3 (INPUT)"},
    {"core index order", -1, -1, 64 + 32 * SEC_C20 + 4, 4, 1, GLIF_ECORRUPT,
     "directory entry 6: core index 1 after core index 1"},
    {"section offset", -1, -1, 64 + 32 * SEC_C01 + 8, 8, 4552, GLIF_ECORRUPT,
     "CORE section of core (0, 1): offset 4552, expected 4544"},
    {"n_sections too small", -1, -1, 24, 4, 4, GLIF_ECORRUPT,
     "header: n_sections = 4, a chip image has at least 5"},
    {"directory past the end", -1, -1, 24, 4, 1000, GLIF_ECORRUPT,
     "header: a directory of 1000 sections (32000 bytes) does not fit the 4776-byte file"},
};

static void test_semantic_corruption(void **state) {
  size_t n;
  uint8_t *orig = sample_bytes(&n), *b = malloc(n);
  glif_err err;
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    const edit *e = &edits[i];
    memcpy(b, orig, n);
    size_t at = e->sec < 0 ? 0 : sec_off(b, e->sec);
    if (e->arr >= 0) at += core_arr(b, e->sec, e->arr);
    put_le(b + at + e->off, e->width, e->value);
    fix_crcs(b, n);
    int rc = read_buf(b, n, &err);
    if (rc != e->code) fprintf(stderr, "%s: rc %d (%s)\n", e->what, rc, err.msg);
    assert_int_equal(rc, e->code);
    assert_msg(&err, e->msg);
    assert_msg(&err, " - "); /* every message says what to do */
  }
  free(orig), free(b);
  (void)state;
}

/* Random byte values at random places with every CRC fixed afterwards, so the damage
 * reaches the decoder and the rules rather than stopping at a CRC: whatever happens the
 * reader must return cleanly (ASan and UBSan watch in CI), and when it accepts, the
 * image must survive a write and a second read unchanged. */
static void test_fuzz_behind_the_crcs(void **state) {
  size_t n;
  uint8_t *orig = sample_bytes(&n), *b = malloc(n);
  uint32_t seed = 777;
  int refused = 0, accepted = 0;
  for (int trial = 0; trial < 3000; trial++) {
    memcpy(b, orig, n);
    int k = 1 + (int)(sample_rand(&seed) % 3);
    for (int i = 0; i < k; i++) {
      size_t at = 64 + sample_rand(&seed) % (n - 64); /* the header's fields stay */
      b[at] = (uint8_t)sample_rand(&seed);
    }
    fix_crcs(b, n);
    img_image *img = NULL;
    glif_err err;
    int rc = img_read_buffer(b, n, "f.img", &img, &err);
    if (rc) {
      assert_true(rc == GLIF_ECORRUPT);
      assert_non_null(strstr(err.msg, " - "));
      refused++;
      continue;
    }
    accepted++; /* e.g. a weight or a gain changed within its range */
    write_ok(img, tmp_path("fuzz.img"));
    img_image *again = NULL;
    assert_int_equal(img_read(tmp_path("fuzz.img"), &again, &err), 0);
    assert_image_equal(img, again);
    img_free(again);
    img_free(img);
  }
  print_message("fuzz behind the CRCs: %d refused, %d accepted\n", refused, accepted);
  assert_true(refused > 0 && accepted > 0);
  free(orig), free(b);
  (void)state;
}

/* Section padding between arrays of a core is inside the CRC and checked zero; a
 * non-zero byte in the padding after the INPUT offsets is refused too. */
static void test_padding_checked(void **state) {
  size_t n;
  uint8_t *b = sample_bytes(&n);
  glif_err err;
  b[sec_off(b, SEC_INPUT) + 48 + 68] = 0xAA; /* offsets end at 68, padded to 72 */
  fix_crcs(b, n);
  assert_int_equal(read_buf(b, n, &err), GLIF_ECORRUPT);
  assert_msg(&err, "INPUT section: reserved or padding bytes are not zero");
  free(b);
  (void)state;
}

/* ---- writer: invalid input, misuse, I/O ------------------------------------------------ */

typedef struct bad_input {
  const char *what;
  void (*mutate)(sample *s);
  const char *msg;
} bad_input;

static void m_dest_axon(sample *s) { s->fanout[0][0].axon = 40; }
static void m_delay(sample *s) { s->fanout[0][1].delay = 3; }
static void m_group(sample *s) { s->neurons[0][5].group = 2; }
static void m_overflow(sample *s) { s->neurons[0][15].fanout_count = 2; }
static void m_graded_axon(sample *s) { s->axons[2][0] = IMG_AXON_GRADED; }
static void m_relay_binary(sample *s) { s->fanout[2][0].flags = 0; }
static void m_output_spiking(sample *s) { s->outputs[0] = (img_output){3, 0, 0, 1.0}; }
static void m_output_scale(sample *s) { s->outputs[2].scale = INFINITY; }
static void m_order(sample *s) {
  img_core t = s->cores[0];
  s->cores[0] = s->cores[1], s->cores[1] = t;
}
static void m_missing_core(sample *s) { s->img.n_cores = 4; }
static void m_T(sample *s) { s->img.T = 9; }
static void m_ticks(sample *s) { s->img.n_ticks = 8; }
static void m_symbol(sample *s) { s->symbols[1][3].layer = 4; }
static void m_offsets(sample *s) { s->in_offsets[3] = 1; }
static void m_payload(sample *s) { s->img.input.payload_bits = 7; }
static void m_dest_core(sample *s) { s->fanout[3][0].y = 1, s->fanout[3][0].x = 3; }
static void m_first_tick(sample *s) { s->groups[2][0].first_tick = 2; }
static void m_gain(sample *s) { s->gains[3][0][2] = 65536; }
static void m_shift(sample *s) { s->groups[0][1].shift = 7; }
static void m_theta(sample *s) { s->groups[3][0].p.theta = 1 << 23; }
static void m_bias(sample *s) { s->groups[3][0].p.bias = -(1 << 23) - 1; }
static void m_neurons(sample *s) { s->cores[4].n_neurons = 17; }
static void m_input_core(sample *s) { s->in_entries[5].x = 2, s->in_entries[5].y = 1; }
static void m_scale(sample *s) { s->img.input.scale = 0; }
static void m_encoding(sample *s) { s->img.input.encoding = IMG_ENC_SPIKES; }
static void m_kind(sample *s) { s->layers[2].kind = 3; }
static void m_layer_name(sample *s) { memset(s->layers[1].name, 'a', IMG_LAYER_NAME_MAX); }
static void m_model_name(sample *s) { memset(s->img.model_name, 'a', IMG_MODEL_NAME_MAX); }
static void m_null(sample *s) { s->cores[2].symbols = NULL; }
static void m_no_axons(sample *s) { s->cores[3].n_axons = 33; }

static const bad_input bad_inputs[] = {
    {"forward dest axon", m_dest_axon,
     "CORE section of core (0, 0): entry 0: destination axon 40 of core (2, 0) out of "
     "range (that core uses 32 axons)"},
    {"delay", m_delay, "fan-out entry 1: delay 3 (at most delay_slots - 2 = 2)"},
    {"group", m_group, "neuron 5: group 2 out of range (n_groups 2)"},
    {"fan-out overflow", m_overflow, "fanout_start 19 + fanout_count 2 exceeds n_fanout 20"},
    {"graded axon", m_graded_axon, "entry 0 is binary, but axon 0 of core (2, 0) is graded"},
    {"relay binary", m_relay_binary, "fan-out entry 0 is binary, but it is sent by a relay"},
    {"output spiking", m_output_spiking,
     "OUTPUT section: output 0: neuron 0 of core (3, 0) is a spiking neuron, not a readout"},
    {"output scale", m_output_scale, "output 2: scale inf is not finite"},
    {"core order", m_order, "core (0, 0) (index 0) comes after core index 1"},
    {"missing core", m_missing_core, "OUTPUT section: output 0: core (0, 1) is not in the image"},
    {"T", m_T, "NET section: T = 9 is out of range (1 .. max_steps 8)"},
    {"n_ticks", m_ticks, "n_ticks = 8, but T 4 + the largest layer first_tick 3 = 7"},
    {"symbol", m_symbol, "neuron 3: symbol layer 4 out of range (n_layers 4)"},
    {"offsets", m_offsets, "offsets[3] = 1 is less than offsets[2] = 4"},
    {"payload", m_payload, "payload_bits = 7, the architecture has payload_in_bits = 8"},
    {"dest core", m_dest_core, "destination core (3, 1) is not in the image"},
    {"first_tick", m_first_tick, "does not match its layer 'fc1.psum' (kind 2, first_tick 1)"},
    {"gain", m_gain, "gain[2] = 65536 exceeds the largest UQ1.15 value 65535"},
    {"shift", m_shift, "group 1: shift 7 exceeds shift_max 6"},
    {"theta", m_theta, "theta = 8388608 does not fit the membrane (24 bits signed)"},
    {"bias", m_bias, "bias = -8388609 does not fit the accumulator (24 bits signed)"},
    {"n_neurons", m_neurons, "CORE section of core (0, 1): n_neurons = 17 is out of range"},
    {"input core", m_input_core, "INPUT section: entry 5: destination core (2, 1) is not"},
    {"input scale", m_scale, "INPUT section: scale = 0 must be finite and positive"},
    {"encoding", m_encoding, "INPUT section: entry 0 is graded, but spike input sends binary"},
    {"layer kind", m_kind, "layer 2 'fc1': kind 3 is not a neuron kind"},
    {"layer name", m_layer_name, "NET section: layer 1: name is not NUL-terminated"},
    {"model name", m_model_name, "model_name is not NUL-terminated within 64 bytes"},
    {"NULL array", m_null, "CORE: core (2, 0) has a NULL array"},
    {"axons", m_no_axons, "n_axons = 33 exceeds the core's 32 axons"},
};

static void expect_no_file(const char *path) {
  assert_false(exists(path));
  assert_false(temp_left());
}

static void test_writer_refuses_invalid_input(void **state) {
  sample *s = malloc(sizeof *s);
  const char *path = tmp_path("bad.img");
  glif_err err;
  for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
    sample_build(s);
    bad_inputs[i].mutate(s);
    glif_err_clear(&err);
    int rc = img_write(path, &s->img, &err);
    if (rc != GLIF_EINTERNAL) fprintf(stderr, "%s: rc %d %s\n", bad_inputs[i].what, rc, err.msg);
    assert_int_equal(rc, GLIF_EINTERNAL);
    assert_msg(&err, bad_inputs[i].msg);
    expect_no_file(path);
  }
  free(s);
  (void)state;
}

/* A write that fails must not touch an existing image at the path either. */
static void test_failed_write_keeps_old_image(void **state) {
  sample *s = malloc(sizeof *s);
  const char *path = tmp_path("keep.img");
  size_t n1, n2;
  glif_err err;
  sample_build(s);
  write_ok(&s->img, path);
  uint8_t *before = slurp(path, &n1);
  m_dest_axon(s);
  assert_int_equal(img_write(path, &s->img, &err), GLIF_EINTERNAL);
  uint8_t *after = slurp(path, &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(before, after, n1);
  assert_false(temp_left());
  free(before), free(after), free(s);
  (void)state;
}

static void test_writer_weight_width(void **state) {
  sample *s = malloc(sizeof *s);
  glif_arch a;
  glif_err err;
  img_image *img = NULL;
  sample_arch(&a);
  a.weight_bits = 6;
  sample_build_for(s, &a);
  s->crossbar[0][5] = -32, s->crossbar[0][6] = 31; /* the extremes are fine */
  write_ok(&s->img, tmp_path("w6.img"));
  assert_int_equal(img_read(tmp_path("w6.img"), &img, &err), 0);
  assert_int_equal(img->cores[0].crossbar[5], -32);
  img_free(img);
  s->crossbar[0][6] = 32;
  assert_int_equal(img_write(tmp_path("w6b.img"), &s->img, &err), GLIF_EINTERNAL);
  assert_msg(&err, "CORE section of core (0, 0): crossbar weight of axon 0 on neuron 6 = "
                   "32 does not fit 6 bits signed");
  expect_no_file(tmp_path("w6b.img"));
  /* and the reader refuses the same byte under correct CRCs */
  size_t n;
  uint8_t *b = slurp(tmp_path("w6.img"), &n);
  b[sec_off(b, SEC_C00) + core_arr(b, SEC_C00, A_CROSSBAR) + 6] = (uint8_t)-33;
  fix_crcs(b, n);
  assert_int_equal(read_buf(b, n, &err), GLIF_ECORRUPT);
  assert_msg(&err, "crossbar weight of axon 0 on neuron 6 = -33 does not fit 6 bits");
  free(b), free(s);
  (void)state;
}

static void test_writer_call_order(void **state) {
  sample *s = malloc(sizeof *s);
  const char *path = tmp_path("order.img");
  img_writer *w;
  glif_err err;
  sample_build(s);
  /* a core before net */
  assert_int_equal(img_writer_open(&w, path, &s->img.arch, 5, &err), 0);
  assert_int_equal(img_writer_core(w, &s->cores[0], &err), GLIF_EINTERNAL);
  assert_msg(&err, "img_writer_core called when img_writer_net was expected");
  assert_int_equal(img_writer_net(w, 4, 7, "x", s->layers, 4, 4, &err), GLIF_EINTERNAL);
  assert_msg(&err, "called after an earlier call failed - call img_writer_abort");
  img_writer_abort(w);
  expect_no_file(path);
  /* close with a core missing */
  assert_int_equal(img_writer_open(&w, path, &s->img.arch, 5, &err), 0);
  assert_int_equal(img_writer_net(w, 4, 7, "x", s->layers, 4, 4, &err), 0);
  assert_int_equal(img_writer_input(w, &s->img.input, &err), 0);
  assert_int_equal(img_writer_output(w, s->outputs, 4, &err), 0);
  for (int k = 0; k < 4; k++) assert_int_equal(img_writer_core(w, &s->cores[k], &err), 0);
  assert_true(temp_left()); /* the temporary file exists while writing */
  assert_int_equal(img_writer_close(w, &err), GLIF_EINTERNAL);
  assert_msg(&err, "close: 4 of the 5 cores announced to img_writer_open were written");
  expect_no_file(path);
  /* after the last core only close may come */
  assert_int_equal(img_writer_open(&w, path, &s->img.arch, 5, &err), 0);
  assert_int_equal(img_writer_net(w, 4, 7, "x", s->layers, 4, 4, &err), 0);
  assert_int_equal(img_writer_input(w, &s->img.input, &err), 0);
  assert_int_equal(img_writer_output(w, s->outputs, 4, &err), 0);
  for (int k = 0; k < 5; k++) assert_int_equal(img_writer_core(w, &s->cores[k], &err), 0);
  assert_int_equal(img_writer_input(w, &s->img.input, &err), GLIF_EINTERNAL);
  assert_msg(&err, "img_writer_input called when img_writer_close was expected");
  img_writer_abort(w);
  expect_no_file(path);
  /* no writer at all */
  assert_int_equal(img_writer_net(NULL, 4, 7, "x", s->layers, 4, 4, &err), GLIF_EINTERNAL);
  assert_msg(&err, "img_writer_net called without a writer");
  assert_int_equal(img_writer_close(NULL, &err), GLIF_EINTERNAL);
  /* one core too many */
  assert_int_equal(img_writer_open(&w, path, &s->img.arch, 1, &err), 0);
  assert_int_equal(img_writer_net(w, 4, 7, "x", s->layers, 4, 4, &err), 0);
  assert_int_equal(img_writer_input(w, &s->img.input, &err), 0);
  assert_int_equal(img_writer_output(w, s->outputs, 4, &err), 0);
  assert_int_equal(img_writer_core(w, &s->cores[0], &err), 0);
  assert_int_equal(img_writer_core(w, &s->cores[1], &err), GLIF_EINTERNAL);
  assert_msg(&err, "is one more than the 1 cores announced");
  img_writer_abort(w);
  expect_no_file(path);
  /* outputs that disagree with NET */
  assert_int_equal(img_writer_open(&w, path, &s->img.arch, 5, &err), 0);
  assert_int_equal(img_writer_net(w, 4, 7, "x", s->layers, 4, 4, &err), 0);
  assert_int_equal(img_writer_input(w, &s->img.input, &err), 0);
  assert_int_equal(img_writer_output(w, s->outputs, 3, &err), GLIF_EINTERNAL);
  assert_msg(&err, "OUTPUT section: 3 outputs given, NET declared n_outputs = 4");
  img_writer_abort(w);
  expect_no_file(path);
  /* abort mid-way, and abort(NULL) */
  assert_int_equal(img_writer_open(&w, path, &s->img.arch, 5, &err), 0);
  img_writer_abort(w);
  img_writer_abort(NULL);
  expect_no_file(path);
  free(s);
  (void)state;
}

static void test_writer_open_refuses(void **state) {
  sample *s = malloc(sizeof *s);
  img_writer *w = (img_writer *)1;
  glif_err err;
  sample_build(s);
  assert_int_equal(img_writer_open(&w, tmp_path("o.img"), &s->img.arch, 0, &err),
                   GLIF_EINTERNAL);
  assert_null(w);
  assert_msg(&err, "n_cores = 0 is out of range (1 .. 8 cores of the 4 x 2 mesh)");
  assert_int_equal(img_writer_open(&w, tmp_path("o.img"), &s->img.arch, 9, &err),
                   GLIF_EINTERNAL);
  s->img.arch.delay_slots = 1;
  assert_int_equal(img_writer_open(&w, tmp_path("o.img"), &s->img.arch, 5, &err),
                   GLIF_EINTERNAL);
  assert_msg(&err, "ARCH section: ");
  assert_msg(&err, "no file was written");
  /* a name the NET section cannot hold */
  char longname[80];
  memset(longname, 'm', sizeof longname - 1);
  longname[79] = '\0';
  sample_build(s);
  assert_int_equal(img_writer_open(&w, tmp_path("o.img"), &s->img.arch, 5, &err), 0);
  assert_int_equal(img_writer_net(w, 4, 7, longname, s->layers, 4, 4, &err),
                   GLIF_EINTERNAL);
  assert_msg(&err, "is longer than 63 bytes");
  img_writer_abort(w);
  expect_no_file(tmp_path("o.img"));
  free(s);
  (void)state;
}

static void test_writer_io_errors(void **state) {
  sample *s = malloc(sizeof *s);
  glif_err err;
  char path[700];
  sample_build(s);
  snprintf(path, sizeof path, "%s/no-such-dir/x.img", tmpdir);
  assert_int_equal(img_write(path, &s->img, &err), GLIF_EIO);
  assert_msg(&err, "cannot create a temporary file beside");
  assert_msg(&err, "check that the directory exists and is writable");
  assert_int_equal(img_write("/proc/x.img", &s->img, &err), GLIF_EIO);
  /* the target is a directory: everything is written, the rename fails */
  snprintf(path, sizeof path, "%s/adir.img", tmpdir);
  assert_int_equal(mkdir(path, 0755), 0);
  assert_int_equal(img_write(path, &s->img, &err), GLIF_EIO);
  assert_msg(&err, "cannot rename");
  assert_false(temp_left());
  assert_int_equal(rmdir(path), 0);
  free(s);
  (void)state;
}

/* ---- allocation failures --------------------------------------------------------------- */

static void test_read_alloc_failures(void **state) {
  size_t n;
  uint8_t *b = sample_bytes(&n);
  int failures = 0;
  for (long k = 0;; k++) {
    img_image *img = NULL;
    glif_err err;
    glif_mem_fail_after(k);
    int rc = img_read_buffer(b, n, "t.img", &img, &err);
    glif_mem_fail_after(-1);
    if (rc == 0) {
      img_free(img);
      break;
    }
    assert_int_equal(rc, GLIF_ENOMEM);
    assert_null(img);
    failures++;
  }
  assert_true(failures >= 1);
  free(b);
  (void)state;
}

static void test_write_alloc_failures(void **state) {
  sample *s = malloc(sizeof *s);
  const char *path = tmp_path("nomem.img");
  int failures = 0;
  sample_build(s);
  for (long k = 0;; k++) {
    glif_err err;
    glif_mem_fail_after(k);
    int rc = img_write(path, &s->img, &err);
    glif_mem_fail_after(-1);
    if (rc == 0) break;
    assert_int_equal(rc, GLIF_ENOMEM);
    expect_no_file(path);
    failures++;
  }
  assert_true(failures >= 5);
  assert_true(exists(path));
  free(s);
  (void)state;
}

/* ---- boundary values accepted ----------------------------------------------------------- */

static void write_read_equal(sample *s, const char *name) {
  img_image *img = NULL;
  glif_err err;
  write_ok(&s->img, tmp_path(name));
  int rc = img_read(tmp_path(name), &img, &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  assert_int_equal(rc, 0);
  assert_image_equal(&s->img, img);
  img_free(img);
}

static void test_boundary_T_max_steps(void **state) {
  sample *s = malloc(sizeof *s);
  sample_build(s);
  s->img.T = 8, s->img.n_ticks = 11; /* T = max_steps */
  write_read_equal(s, "t8.img");
  free(s);
  (void)state;
}

static void test_boundary_coefficients(void **state) {
  sample *s = malloc(sizeof *s);
  sample_build(s);
  img_group *g = &s->groups[3][0];
  g->p.k = g->p.ks = 65535;            /* (2 << F) - 1 */
  g->gain[3] = 65535;
  g->p.theta = (1 << 23) - 1;          /* membrane extremes */
  g->p.d = -(1 << 23);
  g->p.r = (1 << 23) - 1;
  g->p.bias = -(1 << 23);              /* accumulator extreme */
  g->shift = 6;                        /* shift_max */
  s->crossbar[2][0] = -128, s->crossbar[2][1] = 127;
  write_read_equal(s, "coef.img");
  free(s);
  (void)state;
}

static void test_boundary_fanout_and_delay(void **state) {
  sample *s = malloc(sizeof *s);
  sample_build(s);
  /* every core's delay at D - 2 and the last neuron's range ending at n_fanout are in
   * the sample already; add shared and empty ranges */
  s->neurons[3][9].fanout_start = 0; /* shares neuron 0's entry */
  s->neurons[3][9].fanout_count = 1;
  s->neurons[3][8].fanout_start = 10; /* empty range at the very end */
  s->neurons[3][8].fanout_count = 0;
  write_read_equal(s, "fan.img");
  free(s);
  (void)state;
}

/* The smallest image: one readout neuron on a core with no axons, one input element
 * with no packets, one output. */
static void test_boundary_minimal_image(void **state) {
  sample *s = malloc(sizeof *s);
  sample_build(s);
  s->layers[0] = sample_layer("out", NRN_READOUT, 0, 1, 1, 1);
  s->img.n_layers = 1, s->img.T = 1, s->img.n_ticks = 1;
  s->img.input.c = s->img.input.h = s->img.input.w = s->img.input.n_inputs = 1;
  s->img.input.n_entries = 0;
  s->in_offsets[0] = s->in_offsets[1] = 0;
  img_core *c = sample_core(s, 0, 3, 1, 0, 0, 1, 0);
  s->neurons[0][0] = (img_neuron){0, 0, 0};
  sample_group(s, 0, 0, NRN_READOUT, 0);
  s->img.n_cores = 1;
  s->outputs[0] = (img_output){3, 1, 0, -0.5};
  s->img.n_outputs = 1;
  (void)c;
  write_read_equal(s, "min.img");
  free(s);
  (void)state;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_every_field),
      cmocka_unit_test(test_bytes_identical),
      cmocka_unit_test(test_committed_sample_is_current),
      cmocka_unit_test(test_layout_offsets),
      cmocka_unit_test(test_core_index),
      cmocka_unit_test(test_truncation),
      cmocka_unit_test(test_trailing_bytes),
      cmocka_unit_test(test_header_directory_bit_flips),
      cmocka_unit_test(test_random_bit_flips),
      cmocka_unit_test(test_foreign_files),
      cmocka_unit_test(test_wrong_version),
      cmocka_unit_test(test_crc_messages),
      cmocka_unit_test(test_read_errors),
      cmocka_unit_test(test_check_arch),
      cmocka_unit_test(test_semantic_corruption),
      cmocka_unit_test(test_padding_checked),
      cmocka_unit_test(test_fuzz_behind_the_crcs),
      cmocka_unit_test(test_writer_refuses_invalid_input),
      cmocka_unit_test(test_failed_write_keeps_old_image),
      cmocka_unit_test(test_writer_weight_width),
      cmocka_unit_test(test_writer_call_order),
      cmocka_unit_test(test_writer_open_refuses),
      cmocka_unit_test(test_writer_io_errors),
      cmocka_unit_test(test_read_alloc_failures),
      cmocka_unit_test(test_write_alloc_failures),
      cmocka_unit_test(test_boundary_T_max_steps),
      cmocka_unit_test(test_boundary_coefficients),
      cmocka_unit_test(test_boundary_fanout_and_delay),
      cmocka_unit_test(test_boundary_minimal_image),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
