/*
 * test_arch.c - the architecture description (fabric/arch.c): defaults against
 * glif-256.yaml, every preset loaded, validated and round-tripped, base: overrides,
 * one table row per out-of-range value of every field (low and high) with its exact
 * line:col, type and syntax errors with their positions, cross-field rules at their
 * boundaries, the structural hash, exact capacities, and allocation-failure injection.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fabric/arch.h"
#include "fabric/mem.h"

#define EXAMPLES GLIF_SOURCE_DIR "/examples/arch/"

/* ---- helpers --------------------------------------------------------------------- */

/* Field-by-field equality (the struct has padding, so no memcmp). */
static void assert_arch_equal(const glif_arch *x, const glif_arch *y) {
  size_t n;
  const arch_field *f = arch_fields(&n);
  assert_string_equal(x->name, y->name);
  for (size_t i = 0; i < n; i++) {
    double vx = arch_field_get(x, &f[i]), vy = arch_field_get(y, &f[i]);
    if (vx != vy)
      fail_msg("field %s.%s differs: %.17g vs %.17g", f[i].section, f[i].key, vx, vy);
  }
}

static int load(const char *text, glif_arch *a, glif_err *err) {
  glif_err_clear(err);
  return arch_load_string(text, "t.yaml", a, err);
}

/* Loads text, expects failure with code at line:col whose message contains needle,
 * and checks that the output struct was left untouched. */
static void expect_error(const char *text, int code, int line, int col,
                         const char *needle) {
  glif_arch a, before;
  glif_err err;
  memset(&a, 0xab, sizeof a);
  before = a;
  int rc = load(text, &a, &err);
  if (rc != code || err.line != line || err.col != col || !strstr(err.msg, needle))
    fail_msg("input:\n%s\nwant %s at %d:%d containing \"%s\"\ngot %s at %d:%d: %s", text,
             glif_err_name(code), line, col, needle, glif_err_name(rc), err.line, err.col,
             err.msg);
  assert_string_equal(err.file, "t.yaml");
  assert_memory_equal(&a, &before, sizeof a);
}

static void expect_ok(const char *text, glif_arch *a) {
  glif_err err;
  if (load(text, a, &err)) fail_msg("input:\n%s\nunexpected error %d:%d: %s", text,
                                    err.line, err.col, err.msg);
}

/* arch_write_yaml into a heap string. */
static char *yaml_of(const glif_arch *a) {
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  assert_non_null(f);
  arch_write_yaml(a, f);
  fclose(f);
  return buf;
}

static char *print_of(const glif_arch *a) {
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  assert_non_null(f);
  arch_print(a, f);
  fclose(f);
  return buf;
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

/* ---- defaults and presets ------------------------------------------------------- */

static void test_default_equals_glif256_yaml(void **state) {
  glif_arch def, file;
  glif_err err;
  arch_default(&def);
  assert_int_equal(arch_load(EXAMPLES "glif-256.yaml", &file, &err), 0);
  assert_arch_equal(&def, &file);
  /* DESIGN section 4 values, spelled out once more */
  assert_int_equal(def.mesh_x, 8);
  assert_int_equal(def.mesh_y, 8);
  assert_int_equal(def.neurons, 256);
  assert_int_equal(def.axons, 256);
  assert_int_equal(def.delay_slots, 4);
  assert_int_equal(def.groups, 64);
  assert_int_equal(def.max_steps, 32);
  assert_int_equal(def.fanout_entries, 4096);
  assert_int_equal(def.lanes, 16);
  assert_int_equal(def.pipeline_depth, 3);
  assert_int_equal(def.core_buffer, 4);
  assert_int_equal(def.weight_bits, 8);
  assert_int_equal(def.membrane_bits, 24);
  assert_int_equal(def.acc_bits, 24);
  assert_int_equal(def.frac_bits, 15);
  assert_int_equal(def.shift_max, 6);
  assert_int_equal(def.payload_in_bits, 8);
  assert_int_equal(def.payload_sum_bits, 24);
  assert_int_equal(def.router_latency, 2);
  assert_int_equal(def.router_buffer, 4);
  assert_int_equal(arch_validate(&def, &err), 0);
  (void)state;
}

static void test_embedded_presets_match_files(void **state) {
  const char *const *names = arch_preset_names();
  int seen = 0;
  for (size_t i = 0; names[i]; i++) {
    char path[512];
    snprintf(path, sizeof path, EXAMPLES "%s.yaml", names[i]);
    assert_string_equal(arch_preset_text(names[i]), read_text(path));
    seen += !strcmp(names[i], "glif-256") + !strcmp(names[i], "loihi") +
            !strcmp(names[i], "truenorth") + !strcmp(names[i], "odin");
  }
  assert_int_equal(seen, 4);
  assert_null(arch_preset_text("no-such-preset"));
  assert_null(arch_preset_text(NULL));
  (void)state;
}

static void test_presets_validate_and_round_trip(void **state) {
  const char *const *names = arch_preset_names();
  for (size_t i = 0; names[i]; i++) {
    glif_arch a, b;
    glif_err err;
    if (arch_resolve(names[i], &a, &err)) fail_msg("%s: %s", names[i], err.msg);
    assert_string_equal(a.name, names[i]);
    assert_int_equal(arch_validate(&a, &err), 0);
    char *text = yaml_of(&a);
    if (arch_load_string(text, "roundtrip.yaml", &b, &err))
      fail_msg("%s: %d:%d: %s\n%s", names[i], err.line, err.col, err.msg, text);
    assert_arch_equal(&a, &b);
    assert_int_equal(arch_hash(&a), arch_hash(&b));
    free(text);
  }
  (void)state;
}

static void test_preset_values(void **state) {
  glif_arch a;
  glif_err err;
  assert_int_equal(arch_resolve("loihi", &a, &err), 0);
  assert_int_equal(a.mesh_x * a.mesh_y, 128);
  assert_int_equal(a.neurons, 1024);
  assert_int_equal(a.axons, 4096);
  assert_int_equal(a.fanout_entries, 4096);
  assert_int_equal(a.frac_bits, 12);
  assert_true(a.e_synop == 35.5 && a.e_update == 21.6 && a.e_spike == 69.3);
  assert_true(a.e_packet == 111 && a.e_hop == 3.6);
  assert_true(a.clock_mhz == 270);
  assert_int_equal(a.barrier_cycles, 324); /* 1.2 us x 270 MHz */

  assert_int_equal(arch_resolve("truenorth", &a, &err), 0);
  assert_int_equal(a.mesh_x, 64);
  assert_int_equal(a.mesh_y, 64);
  assert_int_equal(a.neurons, 256);
  assert_int_equal(a.axons, 256);
  assert_true(a.e_synop == 26);
  /* the tick: barrier 100000 cycles at 100 MHz = 1000 us */
  assert_true(a.barrier_cycles / a.clock_mhz == 1000.0);

  assert_int_equal(arch_resolve("odin", &a, &err), 0);
  assert_int_equal(a.mesh_x * a.mesh_y, 1);
  assert_int_equal(a.neurons * a.axons, 65536);
  assert_true(a.e_synop == 12.7);
  (void)state;
}

/* ---- base: and defaults of missing fields --------------------------------------- */

static void test_missing_fields_take_defaults(void **state) {
  glif_arch a, def;
  arch_default(&def);
  expect_ok("glif_arch: 1\ncore:\n  neurons: 128\n", &a);
  def.neurons = 128;
  snprintf(def.name, sizeof def.name, "t"); /* no name: the file's base name */
  assert_arch_equal(&a, &def);
  (void)state;
}

static void test_base_override(void **state) {
  glif_arch a, loihi;
  glif_err err;
  assert_int_equal(arch_resolve("loihi", &loihi, &err), 0);
  expect_ok("glif_arch: 1\nbase: loihi\nmesh: {x: 16, y: 16}\n", &a);
  loihi.mesh_y = 16;
  snprintf(loihi.name, sizeof loihi.name, "t");
  assert_arch_equal(&a, &loihi);
  /* base may come after the fields it is overridden by; name wins over the file's */
  expect_ok("glif_arch: 1\nenergy: {hop_pj: 9}\nname: my-loihi\nbase: loihi\n", &a);
  assert_string_equal(a.name, "my-loihi");
  assert_true(a.e_hop == 9);
  assert_true(a.e_synop == 35.5);
  (void)state;
}

static void test_base_errors(void **state) {
  expect_error("glif_arch: 1\nbase: lohi\n", GLIF_EMISSING, 2, 7,
               "base 'lohi' is not a built-in preset (did you mean 'loihi'?)");
  expect_error("glif_arch: 1\nbase: [loihi]\n", GLIF_ETYPE, 2, 7,
               "'base' wants a preset name, got a sequence");
  expect_error("glif_arch: 1\nbase:\n", GLIF_ETYPE, 2, 6,
               "'base' wants a preset name, got no value");
  /* a cross-field rule broken by the override is reported at the override */
  expect_error("glif_arch: 1\nbase: odin\nio_port: {y: 3}\n", GLIF_ERANGE, 3, 14,
               "field 'io_port.y' = 3 is outside the mesh (mesh.y = 1, allowed 0 .. 0)");
  (void)state;
}

static void test_name_from_file(void **state) {
  glif_arch a;
  glif_err err;
  assert_int_equal(arch_load_string("glif_arch: 1\n", "dir/my-chip.yaml", &a, &err), 0);
  assert_string_equal(a.name, "my-chip");
  assert_int_equal(arch_load_string("glif_arch: 1\nname: \"A \\\"q\\\"\"\n", "x", &a,
                                    &err), 0);
  assert_string_equal(a.name, "A \"q\"");
  char *text = yaml_of(&a); /* quotes survive the round trip */
  glif_arch b;
  assert_int_equal(arch_load_string(text, "x", &b, &err), 0);
  assert_string_equal(b.name, "A \"q\"");
  free(text);
  (void)state;
}

/* ---- every field out of range, low and high -------------------------------------- */

typedef struct range_row {
  const char *section, *key, *value, *allowed;
} range_row;

static const range_row range_rows[] = {
    {"mesh", "x", "0", "1 .. 1024"},
    {"mesh", "x", "1025", "1 .. 1024"},
    {"mesh", "y", "0", "1 .. 1024"},
    {"mesh", "y", "1025", "1 .. 1024"},
    {"io_port", "x", "-1", "0 .. 0"},
    {"io_port", "x", "1", "0 .. 0"},
    {"io_port", "y", "-1", "0 .. 1023"},
    {"io_port", "y", "1024", "0 .. 1023"},
    {"core", "neurons", "0", "1 .. 65536"},
    {"core", "neurons", "65537", "1 .. 65536"},
    {"core", "axons", "0", "1 .. 65536"},
    {"core", "axons", "65537", "1 .. 65536"},
    {"core", "delay_slots", "1", "2 .. 16"},
    {"core", "delay_slots", "17", "2 .. 16"},
    {"core", "groups", "0", "1 .. 65535"},
    {"core", "groups", "65536", "1 .. 65535"},
    {"core", "max_steps", "0", "1 .. 32"},
    {"core", "max_steps", "33", "1 .. 32"},
    {"core", "fanout_entries", "0", "1 .. 16777216"},
    {"core", "fanout_entries", "16777217", "1 .. 16777216"},
    {"core", "lanes", "0", "1 .. 65536"},
    {"core", "lanes", "65537", "1 .. 65536"},
    {"core", "pipeline_depth", "0", "1 .. 16"},
    {"core", "pipeline_depth", "17", "1 .. 16"},
    {"core", "input_buffer", "0", "1 .. 1024"},
    {"core", "input_buffer", "1025", "1 .. 1024"},
    {"widths", "weight", "1", "2 .. 8"},
    {"widths", "weight", "9", "2 .. 8"},
    {"widths", "membrane", "7", "8 .. 31"},
    {"widths", "membrane", "32", "8 .. 31"},
    {"widths", "accumulator", "7", "8 .. 31"},
    {"widths", "accumulator", "32", "8 .. 31"},
    {"widths", "fraction", "3", "4 .. 30"},
    {"widths", "fraction", "31", "4 .. 30"},
    {"widths", "shift_max", "-1", "0 .. 16"},
    {"widths", "shift_max", "17", "0 .. 16"},
    {"widths", "payload_input", "1", "2 .. 31"},
    {"widths", "payload_input", "32", "2 .. 31"},
    {"widths", "payload_sum", "1", "2 .. 31"},
    {"widths", "payload_sum", "32", "2 .. 31"},
    {"router", "latency", "0", "1 .. 64"},
    {"router", "latency", "65", "1 .. 64"},
    {"router", "buffer", "0", "1 .. 1024"},
    {"router", "buffer", "1025", "1 .. 1024"},
    {"timing", "clock_mhz", "0", "> 0 .. 10000"},
    {"timing", "clock_mhz", "10000.5", "> 0 .. 10000"},
    {"timing", "barrier_cycles", "-1", "0 .. 1000000000"},
    {"timing", "barrier_cycles", "1000000001", "0 .. 1000000000"},
    {"energy", "synop_pj", "-0.5", "0 .. 1000000"},
    {"energy", "synop_pj", "1000001", "0 .. 1000000"},
    {"energy", "mac_pj", "-1", "0 .. 1000000"},
    {"energy", "mac_pj", "2e6", "0 .. 1000000"},
    {"energy", "row_read_pj", "-1", "0 .. 1000000"},
    {"energy", "row_read_pj", "1000000.5", "0 .. 1000000"},
    {"energy", "update_pj", "-1e-3", "0 .. 1000000"},
    {"energy", "update_pj", "1000001", "0 .. 1000000"},
    {"energy", "spike_pj", "-1", "0 .. 1000000"},
    {"energy", "spike_pj", "1000001", "0 .. 1000000"},
    {"energy", "packet_pj", "-1", "0 .. 1000000"},
    {"energy", "packet_pj", "1000001", "0 .. 1000000"},
    {"energy", "hop_pj", "-3", "0 .. 1000000"},
    {"energy", "hop_pj", "1000001", "0 .. 1000000"},
    {"energy", "barrier_pj", "-1", "0 .. 1000000"},
    {"energy", "barrier_pj", "1000001", "0 .. 1000000"},
    {"energy", "static_uw_per_core", "-1", "0 .. 1000000"},
    {"energy", "static_uw_per_core", "1000001", "0 .. 1000000"},
};
#define N_RANGE_ROWS (sizeof range_rows / sizeof range_rows[0])

static void test_every_field_out_of_range(void **state) {
  for (size_t i = 0; i < N_RANGE_ROWS; i++) {
    const range_row *r = &range_rows[i];
    char text[256], needle[256];
    snprintf(text, sizeof text, "glif_arch: 1\n%s:\n  %s: %s\n", r->section, r->key,
             r->value);
    snprintf(needle, sizeof needle, "field '%s.%s' = %s is out of range (allowed %s)",
             r->section, r->key, r->value, r->allowed);
    /* "  key: value": the value starts after two spaces, the key and ": " */
    expect_error(text, GLIF_ERANGE, 3, (int)strlen(r->key) + 5, needle);
  }
  (void)state;
}

/* The table above covers every field of the format, once low and once high. */
static void test_range_table_covers_every_field(void **state) {
  size_t n;
  const arch_field *f = arch_fields(&n);
  assert_int_equal(n, 33);
  assert_int_equal(N_RANGE_ROWS, 2 * n);
  for (size_t i = 0; i < n; i++) {
    int rows = 0;
    for (size_t j = 0; j < N_RANGE_ROWS; j++)
      rows += !strcmp(range_rows[j].section, f[i].section) &&
              !strcmp(range_rows[j].key, f[i].key);
    if (rows != 2) fail_msg("%s.%s has %d range rows", f[i].section, f[i].key, rows);
  }
  (void)state;
}

/* Each bound itself is accepted: one file with every field at its low end, one at its
 * high end (cross-field rules hold at both). */
static void test_bounds_accepted(void **state) {
  glif_arch a;
  expect_ok("glif_arch: 1\nmesh: {x: 1, y: 1}\nio_port: {x: 0, y: 0}\n"
            "core: {neurons: 1, axons: 1, delay_slots: 2, groups: 1, max_steps: 1,\n"
            "       fanout_entries: 1, lanes: 1, pipeline_depth: 1, input_buffer: 1}\n"
            "widths: {weight: 2, membrane: 8, accumulator: 8, fraction: 4, shift_max: 0,\n"
            "         payload_input: 2, payload_sum: 2}\n"
            "router: {latency: 1, buffer: 1}\ntiming: {clock_mhz: 0.001, barrier_cycles: 0}\n"
            "energy: {synop_pj: 0, mac_pj: 0, row_read_pj: 0, update_pj: 0, spike_pj: 0,\n"
            "         packet_pj: 0, hop_pj: 0, barrier_pj: 0, static_uw_per_core: 0}\n",
            &a);
  assert_int_equal(a.neurons, 1);
  assert_true(a.clock_mhz == 0.001);
  expect_ok("glif_arch: 1\nmesh: {x: 1024, y: 1024}\nio_port: {x: 0, y: 1023}\n"
            "core: {neurons: 65536, axons: 65536, delay_slots: 16, groups: 65535,\n"
            "       max_steps: 32, fanout_entries: 16777216, lanes: 65536,\n"
            "       pipeline_depth: 16, input_buffer: 1024}\n"
            "widths: {weight: 8, membrane: 31, accumulator: 31, fraction: 30,\n"
            "         shift_max: 16, payload_input: 31, payload_sum: 31}\n"
            "router: {latency: 64, buffer: 1024}\n"
            "timing: {clock_mhz: 10000, barrier_cycles: 1000000000}\n"
            "energy: {synop_pj: 1e6, mac_pj: 1e6, row_read_pj: 1e6, update_pj: 1e6,\n"
            "         spike_pj: 1e6, packet_pj: 1e6, hop_pj: 1e6, barrier_pj: 1e6,\n"
            "         static_uw_per_core: 1000000}\n",
            &a);
  arch_capacity c;
  arch_capacity_of(&a, &c); /* the largest fabric: no overflow anywhere */
  assert_int_equal(c.cores, 1u << 20);
  assert_true(c.neurons == (uint64_t)1 << 36);
  assert_true(c.bits_crossbar == (uint64_t)1 << 35); /* 2^16 x 2^16 x 8 */
  assert_true(c.bits_chip == c.bits_core << 20);
  assert_true(c.bits_chip / c.cores == c.bits_core);
  (void)state;
}

/* ---- cross-field rules ---------------------------------------------------------- */

static void test_cross_lanes(void **state) {
  glif_arch a;
  /* lanes not written: the error points at the neurons that broke the rule */
  expect_error("glif_arch: 1\ncore:\n  neurons: 8\n", GLIF_ERANGE, 3, 12,
               "field 'core.lanes' = 16 exceeds core.neurons = 8");
  expect_error("glif_arch: 1\ncore:\n  lanes: 300\n", GLIF_ERANGE, 3, 10,
               "field 'core.lanes' = 300 exceeds core.neurons = 256");
  expect_ok("glif_arch: 1\ncore: {neurons: 16, lanes: 16}\n", &a); /* equal is fine */
  assert_int_equal(a.lanes, 16);
  (void)state;
}

static void test_cross_io_port(void **state) {
  glif_arch a;
  expect_error("glif_arch: 1\nio_port:\n  y: 8\n", GLIF_ERANGE, 3, 6,
               "field 'io_port.y' = 8 is outside the mesh (mesh.y = 8, allowed 0 .. 7)");
  expect_error("glif_arch: 1\nmesh: {x: 2, y: 5}\nio_port: {x: 0, y: 5}\n", GLIF_ERANGE,
               3, 20, "field 'io_port.y' = 5 is outside the mesh (mesh.y = 5");
  expect_error("glif_arch: 1\nio_port: {y: 3}\nmesh:\n  y: 2\n", GLIF_ERANGE, 2, 14,
               "is outside the mesh");
  expect_ok("glif_arch: 1\nmesh: {x: 2, y: 5}\nio_port: {x: 0, y: 4}\n", &a);
  assert_int_equal(a.io_y, 4);
  (void)state;
}

static void test_cross_shift(void **state) {
  glif_arch a;
  expect_error("glif_arch: 1\nwidths:\n  accumulator: 13\n", GLIF_ERANGE, 3, 16,
               "widths.weight (8) + widths.shift_max (6) = 14 exceeds "
               "widths.accumulator = 13");
  expect_error("glif_arch: 1\nwidths:\n  weight: 8\n  shift_max: 16\n  accumulator: 23\n",
               GLIF_ERANGE, 4, 14, "= 24 exceeds widths.accumulator = 23");
  expect_ok("glif_arch: 1\nwidths:\n  accumulator: 14\n", &a); /* 8 + 6 = 14 fits */
  assert_int_equal(a.acc_bits, 14);
  (void)state;
}

/* ---- wrong types ------------------------------------------------------------------ */

typedef struct err_row {
  const char *text;
  int code, line, col;
  const char *needle;
} err_row;

static void run_rows(const err_row *rows, size_t n) {
  for (size_t i = 0; i < n; i++)
    expect_error(rows[i].text, rows[i].code, rows[i].line, rows[i].col, rows[i].needle);
}

static void test_type_errors(void **state) {
  static const err_row rows[] = {
      {"glif_arch: 1\ncore:\n  neurons: \"256\"\n", GLIF_ETYPE, 3, 12,
       "field 'core.neurons' wants an integer, got the quoted string \"256\""},
      {"glif_arch: 1\ncore:\n  neurons: 2.5\n", GLIF_ETYPE, 3, 12,
       "field 'core.neurons' wants an integer, got '2.5' - write a whole number"},
      {"glif_arch: 1\ncore:\n  neurons: [1, 2]\n", GLIF_ETYPE, 3, 12,
       "field 'core.neurons' wants an integer, got a sequence"},
      {"glif_arch: 1\ncore:\n  neurons: {a: 1}\n", GLIF_ETYPE, 3, 12,
       "field 'core.neurons' wants an integer, got a mapping"},
      {"glif_arch: 1\ncore:\n  neurons: true\n", GLIF_ETYPE, 3, 12,
       "got 'true' - write a decimal integer"},
      {"glif_arch: 1\ncore:\n  neurons: 0x10\n", GLIF_ETYPE, 3, 12,
       "got '0x10' - write a decimal integer"},
      {"glif_arch: 1\ncore:\n  neurons: 010\n", GLIF_ETYPE, 3, 12,
       "field 'core.neurons' = 010 has a leading zero"},
      {"glif_arch: 1\ncore:\n  neurons:\n  axons: 5\n", GLIF_ETYPE, 3, 11,
       "field 'core.neurons' has no value"},
      {"glif_arch: 1\ncore:\n  neurons: 99999999999999999999\n", GLIF_ERANGE, 3, 12,
       "field 'core.neurons' = 99999999999999999999 is out of range (allowed 1 .. 65536)"},
      {"glif_arch: 1\ntiming:\n  clock_mhz: fast\n", GLIF_ETYPE, 3, 14,
       "field 'timing.clock_mhz' wants a number, got 'fast'"},
      {"glif_arch: 1\ntiming:\n  clock_mhz: '200'\n", GLIF_ETYPE, 3, 14,
       "got the quoted string \"200\" - write the number without quotes"},
      {"glif_arch: 1\ntiming:\n  clock_mhz: .inf\n", GLIF_ERANGE, 3, 14,
       "field 'timing.clock_mhz' = .inf is not a finite number"},
      {"glif_arch: 1\nenergy:\n  synop_pj: -.inf\n", GLIF_ERANGE, 3, 13,
       "field 'energy.synop_pj' = -.inf is not a finite number"},
      {"glif_arch: 1\nenergy:\n  synop_pj: .NaN\n", GLIF_ERANGE, 3, 13,
       "field 'energy.synop_pj' = .NaN is not a finite number"},
      {"glif_arch: 1\nenergy:\n  hop_pj: 1e400\n", GLIF_ERANGE, 3, 11,
       "field 'energy.hop_pj' = 1e400 is not a finite number"},
      {"glif_arch: 1\nenergy:\n  hop_pj:\n", GLIF_ETYPE, 3, 10,
       "field 'energy.hop_pj' has no value"},
      {"glif_arch: 1\nmesh: 5\n", GLIF_ETYPE, 2, 7,
       "section 'mesh' wants a mapping of 'key: value' fields, got a single value"},
      {"glif_arch: 1\nmesh: [8, 8]\n", GLIF_ETYPE, 2, 7,
       "section 'mesh' wants a mapping of 'key: value' fields, got a sequence"},
      {"glif_arch: 1\nmesh:\ncore: {}\n", GLIF_ETYPE, 2, 6, "section 'mesh' has no fields"},
      {"glif_arch: 1\nname: {a: 1}\n", GLIF_ETYPE, 2, 7,
       "field 'name' wants a text such as \"my-chip\", got a mapping"},
      {"glif_arch: 1\nname: \"\"\n", GLIF_ERANGE, 2, 7,
       "field 'name' is 0 characters long (allowed 1 .. 63)"},
      {"glif_arch: 1\nname: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
       GLIF_ERANGE, 2, 7, "field 'name' is 64 characters long (allowed 1 .. 63)"},
      {"glif_arch: 1\nname: \"a\\tb\"\n", GLIF_ERANGE, 2, 7,
       "field 'name' has a non-printable or non-ASCII character at position 2"},
      {"- glif_arch: 1\n", GLIF_ETYPE, 1, 1, "the top level is a sequence"},
      {"hello\n", GLIF_ETYPE, 1, 1, "the top level is a scalar"},
      {"glif_arch: one\n", GLIF_ETYPE, 1, 12,
       "'glif_arch' wants the format version 1, got 'one'"},
      {"glif_arch: [1]\n", GLIF_ETYPE, 1, 12,
       "'glif_arch' wants the format version 1, got a sequence"},
      {"glif_arch: 2\nfoo: 1\n", GLIF_EVERSION, 1, 12,
       "architecture format version 2 is not supported (this glif reads version 1)"},
      {"name: x\ncore: {neurons: 4}\n", GLIF_EMISSING, 1, 1,
       "missing 'glif_arch: 1' (the format version)"},
      {"glif_arch: 1\n? {a: 1}\n: 3\n", GLIF_ETYPE, 2, 3,
       "a key at the top level is a mapping"},
  };
  run_rows(rows, sizeof rows / sizeof rows[0]);
  (void)state;
}

/* ---- malformed YAML ----------------------------------------------------------- */

static void test_syntax_errors(void **state) {
  static const err_row rows[] = {
      {"glif_arch: 1\ncore: {neurons: 5\n", GLIF_ESYNTAX, 3, 1,
       "did not find expected ',' or '}' (while parsing a flow mapping at 2:7) - close "
       "every '{' with '}'"},
      {"glif_arch: 1\nmesh: [1, 2\n", GLIF_ESYNTAX, 3, 1,
       "(while parsing a flow sequence at 2:7)"},
      {"glif_arch: 1\ncore:\n\tneurons: 5\n", GLIF_ESYNTAX, 3, 1,
       "YAML indents with spaces, never tabs"},
      {"glif_arch: 1\ncore:\n  neurons: 5\n   axons: 3\n", GLIF_ESYNTAX, 4, 9,
       "malformed YAML: mapping values are not allowed in this context - check the "
       "indentation"},
      {"glif_arch: 1\nname: \"abc\n", GLIF_ESYNTAX, 3, 1,
       "(while scanning a quoted scalar at 2:7) - close the quoted string"},
      {"glif_arch: 1\nname: \xff\n", GLIF_ESYNTAX, 2, 7,
       "invalid leading UTF-8 octet - save the file as UTF-8 text"},
      {"", GLIF_EMISSING, 1, 1, "the architecture file is empty"},
      {"# just a comment\n\n", GLIF_EMISSING, 1, 1, "the architecture file is empty"},
      {"---\n", GLIF_EMISSING, 2, 1, "the architecture file is empty"},
      {"glif_arch: 1\n---\nglif_arch: 1\n", GLIF_ESYNTAX, 2, 1,
       "a second YAML document starts here"},
      {"glif_arch: 1\nrouter: &m {latency: 2}\ntiming: *m\n", GLIF_ESYNTAX, 3, 9,
       "YAML alias '*m' is not supported"},
      {"glif_arch: 1\ncore:\n  neurons: !!str 5\n", GLIF_ESYNTAX, 3, 12,
       "YAML tag 'tag:yaml.org,2002:str' is not supported"},
  };
  run_rows(rows, sizeof rows / sizeof rows[0]);
  (void)state;
}

static void test_deep_nesting_refused(void **state) {
  char text[600] = "glif_arch: 1\ncore: ";
  size_t n = strlen(text);
  for (int i = 0; i < 200; i++) text[n++] = '[';
  for (int i = 0; i < 200; i++) text[n++] = ']';
  text[n] = '\0';
  /* the section value is nesting level 1 at column 7: level 16 is column 22 */
  expect_error(text, GLIF_ESYNTAX, 2, 22, "YAML nested deeper than 16 levels");
  (void)state;
}

/* ---- unknown and duplicate keys --------------------------------------------------- */

static void test_unknown_keys(void **state) {
  static const err_row rows[] = {
      {"glif_arch: 1\ncore:\n  nuerons: 5\n", GLIF_ESYNTAX, 3, 3,
       "unknown key 'nuerons' in section 'core' - did you mean 'neurons'?"},
      {"glif_arch: 1\nenergy: {synop: 1}\n", GLIF_ESYNTAX, 2, 10,
       "unknown key 'synop' in section 'energy' - did you mean 'synop_pj'?"},
      {"glif_arch: 1\ncores:\n  neurons: 5\n", GLIF_ESYNTAX, 2, 1,
       "unknown key 'cores' at the top level - did you mean 'core'?"},
      {"glif_arch: 1\nneurons: 5\n", GLIF_ESYNTAX, 2, 1,
       "unknown key 'neurons' at the top level - did you mean 'core.neurons'? (indent "
       "it under 'core:')"},
      {"glif_arch: 1\nclock_mhz: 5\n", GLIF_ESYNTAX, 2, 1,
       "did you mean 'timing.clock_mhz'?"},
      {"glif_arch: 1\ncore:\n  zzzzzz: 5\n", GLIF_ESYNTAX, 3, 3,
       "the keys of 'core' are: neurons, axons, delay_slots, groups, max_steps, "
       "fanout_entries, lanes, pipeline_depth, input_buffer"},
      {"glif_arch: 1\nxyzzy: 5\n", GLIF_ESYNTAX, 2, 1,
       "the top level holds: glif_arch, name, base, mesh, io_port, core, widths, "
       "router, timing, energy"},
      {"glif_arch: 1\ncore:\n  neurons: 5\n  neurons: 6\n", GLIF_ESYNTAX, 4, 3,
       "duplicate key 'neurons' in section 'core' (first at 3:3) - keep one of them"},
      {"glif_arch: 1\nmesh: {x: 2}\nmesh: {y: 2}\n", GLIF_ESYNTAX, 3, 1,
       "duplicate key 'mesh' at the top level (first at 2:1)"},
      {"glif_arch: 1\nglif_arch: 1\n", GLIF_ESYNTAX, 2, 1,
       "duplicate key 'glif_arch' at the top level (first at 1:1)"},
  };
  run_rows(rows, sizeof rows / sizeof rows[0]);
  (void)state;
}

static void test_errors_are_collected(void **state) {
  glif_arch a;
  glif_err err;
  assert_int_equal(load("glif_arch: 1\ncore:\n  neurons: 0\n  axons: x\nfoo: 1\n", &a,
                        &err), GLIF_ERANGE); /* the first error's code */
  assert_int_equal(err.line, 3);
  assert_int_equal(err.col, 12);
  assert_non_null(strstr(err.msg, "\nt.yaml:4:10: error: field 'core.axons' wants an "
                                  "integer, got 'x'"));
  assert_non_null(strstr(err.msg, "\nt.yaml:5:1: error: unknown key 'foo'"));
  /* past 20 errors the list stops */
  char text[2048] = "glif_arch: 1\ncore:\n";
  for (int i = 0; i < 30; i++)
    snprintf(text + strlen(text), sizeof text - strlen(text), "  bad%02d: 1\n", i);
  assert_int_equal(load(text, &a, &err), GLIF_ESYNTAX);
  assert_non_null(strstr(err.msg, "bad19"));
  assert_null(strstr(err.msg, "bad20"));
  assert_non_null(strstr(err.msg, "(more errors not shown)"));
  (void)state;
}

/* ---- files and resolution --------------------------------------------------------- */

static void test_files(void **state) {
  glif_arch a;
  glif_err err;
  assert_int_equal(arch_load("/nonexistent/arch.yaml", &a, &err), GLIF_EMISSING);
  assert_string_equal(err.file, "/nonexistent/arch.yaml");
  assert_non_null(strstr(err.msg, "cannot open the architecture file: No such file"));
  assert_int_equal(arch_load(GLIF_SOURCE_DIR "/examples", &a, &err), GLIF_EIO);
  assert_non_null(strstr(err.msg, "cannot read the architecture file: it is a directory"));
  /* an endless device or a huge file is refused, not read forever */
  assert_int_equal(arch_load("/dev/zero", &a, &err), GLIF_EIO);
  assert_non_null(strstr(err.msg, "it is not a regular file"));
  char path[] = "/tmp/glif_test_arch_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "wb");
  for (int i = 0; i <= 1 << 20; i++) fputc('#', f);
  fclose(f);
  assert_int_equal(arch_load(path, &a, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "the file is larger than 1048576 bytes"));
  /* a NUL byte inside the file */
  f = fopen(path, "wb");
  fwrite("glif_arch: 1\n\0x\n", 1, 16, f);
  fclose(f);
  assert_int_equal(arch_load(path, &a, &err), GLIF_ESYNTAX);
  assert_non_null(strstr(err.msg, "NUL byte"));
  remove(path);
  (void)state;
}

static void test_resolve(void **state) {
  glif_arch a;
  glif_err err;
  assert_int_equal(arch_resolve("truenorth", &a, &err), 0);
  assert_string_equal(a.name, "truenorth");
  assert_int_equal(arch_resolve(EXAMPLES "odin.yaml", &a, &err), 0);
  assert_string_equal(a.name, "odin");
  assert_int_equal(arch_resolve("lohi", &a, &err), GLIF_EMISSING);
  assert_non_null(strstr(err.msg, "no such file or preset (did you mean 'loihi'?)"));
  char list[512] = "";
  for (const char *const *n = arch_preset_names(); *n; n++) /* every preset is offered */
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? ", " : "", *n);
  assert_non_null(strstr(err.msg, list));
  assert_int_equal(arch_resolve("missing.yaml", &a, &err), GLIF_EMISSING);
  assert_non_null(strstr(err.msg, "cannot open the architecture file"));
  assert_int_equal(arch_resolve("", &a, &err), GLIF_EUSAGE);
  assert_int_equal(arch_resolve(NULL, &a, &err), GLIF_EUSAGE);
  (void)state;
}

/* ---- validation of a struct edited by hand, arch_set --------------------------- */

static void test_validate_struct(void **state) {
  glif_arch a;
  glif_err err;
  arch_default(&a);
  a.lanes = 512;
  assert_int_equal(arch_validate(&a, &err), GLIF_ERANGE);
  assert_int_equal(err.line, 0);
  assert_string_equal(err.file, "");
  assert_non_null(strstr(err.msg, "field 'core.lanes' = 512 exceeds core.neurons = 256"));
  arch_default(&a);
  a.e_hop = NAN;
  assert_int_equal(arch_validate(&a, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "field 'energy.hop_pj' = nan is not a finite number"));
  arch_default(&a);
  a.delay_slots = 1;
  a.clock_mhz = 0;
  assert_int_equal(arch_validate(&a, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "field 'core.delay_slots' = 1 is out of range "
                                  "(allowed 2 .. 16)"));
  assert_non_null(strstr(err.msg, "\nerror: field 'timing.clock_mhz' = 0 is out of "
                                  "range (allowed > 0 .. 10000)"));
  arch_default(&a);
  a.name[0] = '\0';
  assert_int_equal(arch_validate(&a, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "field 'name' must be 1 .. 63 characters"));
  memset(a.name, 'x', sizeof a.name); /* not terminated */
  assert_int_equal(arch_validate(&a, &err), GLIF_ERANGE);
  (void)state;
}

static void test_arch_set(void **state) {
  glif_arch a;
  glif_err err;
  arch_default(&a);
  assert_int_equal(arch_set(&a, "core.neurons", "128", &err), 0);
  assert_int_equal(a.neurons, 128);
  assert_int_equal(arch_set(&a, "energy.hop_pj", "2.5", &err), 0);
  assert_true(a.e_hop == 2.5);
  assert_int_equal(arch_set(&a, "core.neurons", "0", &err), GLIF_ERANGE);
  assert_int_equal(a.neurons, 128);
  assert_non_null(strstr(err.msg, "field 'core.neurons' = 0 is out of range"));
  assert_int_equal(arch_set(&a, "core.neurons", "many", &err), GLIF_ETYPE);
  assert_int_equal(arch_set(&a, "core.nope", "1", &err), GLIF_EMISSING);
  assert_int_equal(arch_set(&a, "nodot", "1", &err), GLIF_EMISSING);
  assert_null(arch_field_find("core"));
  assert_non_null(arch_field_find("energy.static_uw_per_core"));
  (void)state;
}

/* ---- hash --------------------------------------------------------------------------- */

static void test_hash_exact(void **state) {
  glif_arch a;
  arch_default(&a);
  /* CRC-32 of 23 little-endian u32: tag 1, then 8 8 0 0 256 256 4 64 32 4096 16 3 4
   * 8 24 24 15 6 8 24 2 4 (checked against Python's zlib.crc32 over
   * struct.pack('<23I', ...)). A change here means images built before no longer load. */
  assert_int_equal(arch_hash(&a), 0x4ff2e8dfu);
  glif_err err;
  assert_int_equal(arch_resolve("loihi", &a, &err), 0);
  assert_int_equal(arch_hash(&a), 0x176dd9e0u); /* same check, loihi's values */
  (void)state;
}

static void test_hash_structural_only(void **state) {
  size_t n;
  const arch_field *f = arch_fields(&n);
  glif_arch def;
  arch_default(&def);
  const uint32_t h0 = arch_hash(&def);
  int structural = 0;
  for (size_t i = 0; i < n; i++) {
    glif_arch a = def;
    char *p = (char *)&a + f[i].offset;
    if (f[i].is_float)
      *(double *)p += 1.25;
    else
      *(uint32_t *)p += 1;
    if (f[i].structural) {
      structural++;
      if (arch_hash(&a) == h0) fail_msg("%s.%s does not change the hash", f[i].section,
                                        f[i].key);
    } else if (arch_hash(&a) != h0) {
      fail_msg("%s.%s changes the hash", f[i].section, f[i].key);
    }
  }
  assert_int_equal(structural, 22);
  glif_arch a = def;
  snprintf(a.name, sizeof a.name, "other");
  assert_int_equal(arch_hash(&a), h0);
  /* re-costing under another energy preset keeps the hash: base + energy override */
  expect_ok("glif_arch: 1\nenergy: {synop_pj: 35.5, hop_pj: 3.6}\n"
            "timing: {clock_mhz: 270, barrier_cycles: 324}\n", &a);
  assert_int_equal(arch_hash(&a), h0);
  (void)state;
}

/* ---- capacities ------------------------------------------------------------------- */

static void test_capacity_glif256(void **state) {
  glif_arch a;
  arch_capacity c;
  arch_default(&a);
  arch_capacity_of(&a, &c);
  assert_int_equal(c.cores, 64);                  /* 8 x 8 */
  assert_int_equal(c.neurons, 16384);             /* 64 x 256 */
  assert_int_equal(c.synapses_per_core, 65536);   /* 256 x 256 */
  assert_int_equal(c.synapses, 4194304);          /* 64 x 65536 */
  assert_int_equal(c.bits_crossbar, 524288);      /* 65536 x 8 */
  assert_int_equal(c.bits_state, 30976);          /* 256 x 25 + 4 x 256 x 24 */
  /* 64 x (3 x 16 + 4 x 24 + 24 + 32 x 16) = 64 x 680 */
  assert_int_equal(c.bits_groups, 43520);
  /* 4096 x (x 3 + y 3 + axon 8 + delay 2 (0 .. 2)) = 4096 x 16 */
  assert_int_equal(c.bits_fanout, 65536);
  /* + neuron table 256 x (group 6 + start 12 + count 13 (0 .. 4096)) = 7936
   * + axon table 256 x 1 */
  assert_int_equal(c.bits_core, 524288 + 30976 + 43520 + 65536 + 7936 + 256);
  assert_int_equal(c.bits_core, 672512);          /* 82.09 KiB */
  assert_int_equal(c.bits_chip, 43040768);        /* 64 x 672512 = 5.13 MiB */
  (void)state;
}

static void test_capacity_odin_loihi(void **state) {
  glif_arch a;
  glif_err err;
  arch_capacity c;
  assert_int_equal(arch_resolve("odin", &a, &err), 0);
  arch_capacity_of(&a, &c);
  assert_int_equal(c.cores, 1);
  assert_int_equal(c.bits_crossbar, 262144);      /* 65536 x 4 */
  assert_int_equal(c.bits_state, 18688);          /* 256 x 25 + 2 x 256 x 24 */
  /* 256 x (3 x 16 + 96 + 24 + 32 x 16) = 256 x 680 */
  assert_int_equal(c.bits_groups, 174080);
  /* 1 x 1 mesh: x 0, y 0, axon 8, delay 0 (only delay 0) bits */
  assert_int_equal(c.bits_fanout, 2048);
  /* neuron table 256 x (8 + 8 + 9) = 6400; axons 256 */
  assert_int_equal(c.bits_core, 262144 + 18688 + 174080 + 2048 + 6400 + 256);

  assert_int_equal(arch_resolve("loihi", &a, &err), 0);
  arch_capacity_of(&a, &c);
  assert_int_equal(c.cores, 128);
  assert_int_equal(c.bits_crossbar, 33554432);    /* 4096 x 1024 x 8 */
  assert_int_equal(c.bits_state, 418816);         /* 1024 x 25 + 16 x 1024 x 24 */
  assert_int_equal(c.bits_groups, 36800);         /* 64 x (39 + 96 + 24 + 32 x 13) */
  assert_int_equal(c.bits_fanout, 94208);         /* 4096 x (4 + 3 + 12 + 4) */
  (void)state;
}

static void test_nrn_widths(void **state) {
  glif_arch a;
  glif_err err;
  assert_int_equal(arch_resolve("truenorth", &a, &err), 0);
  nrn_widths w = arch_nrn_widths(&a);
  assert_int_equal(w.v_bits, 20);
  assert_int_equal(w.a_bits, 20);
  assert_int_equal(w.f_bits, 15);
  assert_int_equal(w.p_bits, 20);
  (void)state;
}

/* ---- printing and writing --------------------------------------------------------- */

static void test_print(void **state) {
  glif_arch a;
  arch_default(&a);
  char *text = print_of(&a);
  assert_non_null(strstr(text, "architecture glif-256 (hash 0x4ff2e8df): 64 cores, "
                               "16384 neurons, 4194304 synapses"));
  assert_non_null(strstr(text, "672512"));
  assert_non_null(strstr(text, "82.09"));
  assert_non_null(strstr(text, "43040768 bits = 5.13 MiB"));
  assert_non_null(strstr(text, "1 + ceil(256 / 16) = 17 cycles"));
  assert_non_null(strstr(text, "200 MHz (5 ns per cycle), barrier 100 cycles (0.5 us)"));
  free(text);
  (void)state;
}

static void test_write_yaml_exact_doubles(void **state) {
  glif_arch a, b;
  glif_err err;
  arch_default(&a);
  char *plain = yaml_of(&a); /* whole numbers without exponent */
  assert_non_null(strstr(plain, "  clock_mhz: 200 "));
  assert_non_null(strstr(plain, "  row_read_pj: 100 "));
  free(plain);
  a.clock_mhz = 123.456789012345;
  a.e_synop = 0.1;
  a.e_hop = 1.0 / 3.0;
  a.static_uw_per_core = 1e-9;
  char *text = yaml_of(&a);
  assert_non_null(strstr(text, "glif_arch: 1\nname: \"glif-256\"\nmesh:\n  x: 8"));
  assert_non_null(strstr(text, "synop_pj: 0.1 "));
  assert_int_equal(arch_load_string(text, "w.yaml", &b, &err), 0);
  assert_arch_equal(&a, &b);
  free(text);
  (void)state;
}

/* ---- allocation failures ---------------------------------------------------------- */

static void test_alloc_failures(void **state) {
  static const char *const text = "glif_arch: 1\nbase: loihi\ncore: {neurons: 512}\n";
  int failures = 0;
  for (long n = 0; n < 1000; n++) {
    glif_arch a;
    glif_err err;
    glif_mem_fail_after(n);
    int rc = arch_load_string(text, "t.yaml", &a, &err);
    int rc_file = arch_load(EXAMPLES "glif-256.yaml", &a, &err);
    glif_mem_fail_after(-1);
    if (rc == 0 && rc_file == 0) break;
    assert_true(rc == 0 || rc == GLIF_ENOMEM);
    assert_true(rc_file == 0 || rc_file == GLIF_ENOMEM);
    assert_int_equal(err.code, GLIF_ENOMEM);
    failures++;
  }
  assert_true(failures >= 2); /* the file buffer, the arena, the base's arena */
  (void)state;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_equals_glif256_yaml),
      cmocka_unit_test(test_embedded_presets_match_files),
      cmocka_unit_test(test_presets_validate_and_round_trip),
      cmocka_unit_test(test_preset_values),
      cmocka_unit_test(test_missing_fields_take_defaults),
      cmocka_unit_test(test_base_override),
      cmocka_unit_test(test_base_errors),
      cmocka_unit_test(test_name_from_file),
      cmocka_unit_test(test_every_field_out_of_range),
      cmocka_unit_test(test_range_table_covers_every_field),
      cmocka_unit_test(test_bounds_accepted),
      cmocka_unit_test(test_cross_lanes),
      cmocka_unit_test(test_cross_io_port),
      cmocka_unit_test(test_cross_shift),
      cmocka_unit_test(test_type_errors),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_deep_nesting_refused),
      cmocka_unit_test(test_unknown_keys),
      cmocka_unit_test(test_errors_are_collected),
      cmocka_unit_test(test_files),
      cmocka_unit_test(test_resolve),
      cmocka_unit_test(test_validate_struct),
      cmocka_unit_test(test_arch_set),
      cmocka_unit_test(test_hash_exact),
      cmocka_unit_test(test_hash_structural_only),
      cmocka_unit_test(test_capacity_glif256),
      cmocka_unit_test(test_capacity_odin_loihi),
      cmocka_unit_test(test_nrn_widths),
      cmocka_unit_test(test_print),
      cmocka_unit_test(test_write_yaml_exact_doubles),
      cmocka_unit_test(test_alloc_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
