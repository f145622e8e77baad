/*
 * test_model.c - the load and check passes (compiler/model.c, front_yaml.c, check.c):
 * a valid model loads with every field as written, and every kind of bad model gives
 * its error at the exact line and column of the offending YAML node, with a non-zero
 * code and the key words of the message. Also covers refusals that only later passes
 * can see (unsupported folds, accumulator and T limits), since users meet them the same
 * way: as model.yaml:line:col errors.
 */
#include "test_front_util.h"

/* 1-based column of `token` on 1-based line `line` of text. */
static int col_of(const char *text, int line, const char *token) {
  const char *s = text;
  for (int l = 1; l < line; l++) {
    s = strchr(s, '\n');
    assert_non_null(s);
    s++;
  }
  const char *end = strchr(s, '\n'), *hit = strstr(s, token);
  assert_non_null(hit);
  assert_true(!end || hit < end);
  return (int)(hit - s) + 1;
}

typedef struct bad_case {
  const char *name;
  const char *yaml;
  int code;
  int line;
  const char *token; /* the error points at this token on `line` */
  const char *phrase;
} bad_case;

#define HEAD "glif_model: 1\ntimesteps: 2\nlayers:\n"
#define X "  - {name: x, type: input, shape: [1, 4, 4], encoding: direct, range: 1.0}\n"
#define C1 "  - {name: c1, type: conv2d, input: x, weight: [[[[1.0, 0.5], [0.25, -1.0]]]]}\n"
#define L1 "  - {name: l1, type: glif, input: c1, alpha: 1.0, beta: 0.0, gamma: 1.0, " \
           "tau: 0.5, leak: 0.0, reVth: 0.0, Vth: 0.5, conduct: 1.0}\n"
#define GLIF_P "alpha: 1.0, beta: 0.0, gamma: 1.0, tau: 0.5, leak: 0.0, reVth: 0.0, " \
               "Vth: 0.5, conduct: 1.0"
#define TAIL "  - {name: f, type: flatten, input: l1}\n" \
             "  - {name: fc, type: linear, input: f, weight: [[1, 1, 1, 1, 1, 1, 1, 1, 1]]}\n" \
             "  - {name: out, type: readout, input: fc}\n"

static const char *valid = HEAD X C1 L1 TAIL;

static const bad_case cases[] = {
    {"unclosed flow mapping", HEAD "  - {name: x, type: input, shape: [1]\n  - {name: o}\n",
     GLIF_ESYNTAX, 5, "- {name: o", "did not find expected ',' or '}'"},
    {"tab indentation", HEAD "\t- {name: x}\n", GLIF_ESYNTAX, 4, "\t", "a tab"},
    {"bad indentation", HEAD "  - name: x\n     type: input\n", GLIF_ESYNTAX, 5, ": input",
     "mapping values are not allowed"},
    {"duplicate top key", "glif_model: 1\nglif_model: 1\n", GLIF_ESYNTAX, 2, "glif_model",
     "duplicate key 'glif_model'"},
    {"version 2", "glif_model: 2\ntimesteps: 2\nlayers: []\n", GLIF_EVERSION, 1, "2",
     "version 2 is not supported"},
    {"no version", "timesteps: 2\n", GLIF_EVERSION, 1, "timesteps", "glif_model: 1"},
    {"unknown top key", "glif_model: 1\ntimestep: 2\n", GLIF_ESYNTAX, 2, "timestep",
     "did you mean 'timesteps'"},
    {"unknown layer key", HEAD X "  - {name: c1, type: conv2d, input: x, strides: 1, weight: 1}\n",
     GLIF_ESYNTAX, 5, "strides", "did you mean 'stride'"},
    {"key of another type", HEAD X "  - {name: b, type: batchnorm, input: x, padding: 1}\n",
     GLIF_ESYNTAX, 5, "padding", "does not belong to a batchnorm layer"},
    {"unknown layer type", HEAD X "  - {name: l, type: gliff, input: x}\n", GLIF_ESYNTAX, 5,
     "gliff", "did you mean 'glif'"},
    {"duplicate layer name", HEAD X "  - {name: x, type: readout, input: x}\n", GLIF_ESYNTAX,
     5, "x, type: readout", "duplicate layer name 'x'"},
    {"stride not an integer", HEAD X
     "  - {name: c1, type: conv2d, input: x, weight: [[[[1.0]]]], stride: 1.5}\n",
     GLIF_ETYPE, 5, "1.5", "must be an integer, found '1.5'"},
    {"shape not a list", HEAD "  - {name: x, type: input, shape: 4}\n", GLIF_ETYPE, 4, "4}",
     "must be [C, H, W] or [N]"},
    {"stride zero", HEAD X "  - {name: c1, type: conv2d, input: x, weight: [[[[1.0]]]], stride: 0}\n",
     GLIF_ERANGE, 5, "0}", "out of range (allowed 1 .."},
    {"groups 2", HEAD X "  - {name: c1, type: conv2d, input: x, weight: [[[[1.0]]]], groups: 2}\n",
     GLIF_EUNSUPPORTED, 5, "2}", "grouped convolutions"},
    {"eps zero", HEAD X "  - {name: b, type: batchnorm, input: x, weight: 1, bias: 0, "
     "running_mean: 0, running_var: 1, eps: 0.0}\n", GLIF_ERANGE, 5, "0.0}", "must be > 0"},
    {"missing tensor file", HEAD X "  - {name: c1, type: conv2d, input: x, weight: nope.npy}\n",
     GLIF_EMISSING, 5, "nope.npy", "cannot use tensor file"},
    {"not a tensor", HEAD X "  - {name: c1, type: conv2d, input: x, weight: heavy}\n",
     GLIF_ETYPE, 5, "heavy", "a .npy file name"},
    {"inline Inf", HEAD X "  - {name: c1, type: conv2d, input: x, weight: [[[[1.0, .inf]]]]}\n",
     GLIF_ERANGE, 5, ".inf", "must be finite"},
    {"ragged inline list", HEAD X "  - {name: c1, type: conv2d, input: x, weight: [[[[1.0], [1.0, 2.0]]]]}\n",
     GLIF_ESHAPE, 5, "[1.0, 2.0]", "not rectangular"},
    {"mis-shaped conv weight", HEAD X "  - {name: c1, type: conv2d, input: x, weight: [[[[1.0]], [[1.0]]]]}\n"
     L1 TAIL, GLIF_ESHAPE, 5, "[[[[", "expected [1, 1, 1, 1]"},
    {"mis-shaped bias", HEAD X "  - {name: c1, type: conv2d, input: x, weight: [[[[1.0]]]], bias: [1, 2]}\n"
     L1 TAIL, GLIF_ESHAPE, 5, "[1, 2]", "expected [1] or a scalar"},
    {"dangling input", HEAD X "  - {name: c1, type: conv2d, input: xx, weight: 1}\n",
     GLIF_ESYNTAX, 5, "xx", "did you mean 'x'"},
    {"later input (cycle)", HEAD X "  - {name: c1, type: conv2d, input: l1, weight: 1}\n" L1,
     GLIF_ESYNTAX, 5, "l1", "defined later (line 6)"},
    {"input names itself", HEAD X "  - {name: c1, type: conv2d, input: c1, weight: 1}\n",
     GLIF_ESYNTAX, 5, "c1, weight", "itself"},
    {"missing weight", HEAD X "  - {name: c1, type: conv2d, input: x}\n", GLIF_EMISSING, 5,
     "{", "has no 'weight'"},
    {"missing glif param", HEAD X C1 "  - {name: l1, type: glif, input: c1, alpha: 1.0}\n",
     GLIF_EMISSING, 6, "{", "has no 'beta'"},
    {"Vth not positive", HEAD X C1 "  - {name: l1, type: glif, input: c1, alpha: 1.0, beta: 0.0, "
     "gamma: 1.0, tau: 0.5, leak: 0.0, reVth: 0.0, Vth: [-0.5], conduct: 1.0}\n" TAIL,
     GLIF_ERANGE, 6, "[-0.5]", "entry 0 = -0.5 is out of range (must be > 0)"},
    {"gate above 1", HEAD X C1 "  - {name: l1, type: glif, input: c1, alpha: 1.5, beta: 0.0, "
     "gamma: 1.0, tau: 0.5, leak: 0.0, reVth: 0.0, Vth: 0.5, conduct: 1.0}\n" TAIL,
     GLIF_ERANGE, 6, "1.5", "a gate must be in [0, 1]"},
    {"conduct of wrong T", HEAD X C1 "  - {name: l1, type: glif, input: c1, alpha: 1.0, beta: 0.0, "
     "gamma: 1.0, tau: 0.5, leak: 0.0, reVth: 0.0, Vth: 0.5, conduct: [1, 1, 1]}\n" TAIL,
     GLIF_ESHAPE, 6, "[1, 1, 1]", "expected [2, 1]"},
    {"negative running_var", HEAD X "  - {name: b, type: batchnorm, input: x, weight: 1, bias: 0, "
     "running_mean: 0, running_var: -1}\n", GLIF_ERANGE, 5, "-1}", "must be >= 0"},
    {"linear on a map", HEAD X C1 L1 "  - {name: fc, type: linear, input: l1, weight: 1}\n"
     "  - {name: out, type: readout, input: fc}\n", GLIF_ESHAPE, 7, "l1,", "put a flatten"},
    {"pool not divisible", HEAD X "  - {name: p, type: avgpool2d, input: x, kernel: 3}\n",
     GLIF_ESHAPE, 5, "{", "divisible by the stride"},
    {"add of different shapes", HEAD X C1 "  - {name: s, type: add, inputs: [x, c1]}\n",
     GLIF_ESHAPE, 6, "c1]", "same shape"},
    {"two inputs", HEAD X "  - {name: y, type: input, shape: [1]}\n", GLIF_EUNSUPPORTED, 5,
     "{", "exactly one input"},
    {"glif reads glif", HEAD X C1 L1 "  - {name: l2, type: glif, input: l1, " GLIF_P "}\n",
     GLIF_ESYNTAX, 7, "l1,", "must be a linear layer"},
    {"unused layer", HEAD X C1 L1 "  - {name: spare, type: flatten, input: l1}\n" TAIL,
     GLIF_ESYNTAX, 7, "{", "1 layer feeds no readout: 'spare'"},
    {"no readout", HEAD X C1 L1, GLIF_ESYNTAX, 6, "{", "no readout layer"},
    {"T beyond 32", "glif_model: 1\ntimesteps: 40\nlayers: []\n", GLIF_ERANGE, 2, "40",
     "exceeds the 32 steps"},
    {"BN shift before padded conv", HEAD X C1 L1
     "  - {name: b, type: batchnorm, input: l1, weight: 1, bias: 0.5, running_mean: 0, running_var: 1}\n"
     "  - {name: c2, type: conv2d, input: b, weight: [[[[1.0]]]], padding: 1}\n"
     "  - {name: l2, type: glif, input: c2, " GLIF_P "}\n"
     "  - {name: f, type: flatten, input: l2}\n"
     "  - {name: fc, type: linear, input: f, weight: [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]}\n"
     "  - {name: out, type: readout, input: fc}\n",
     GLIF_EUNSUPPORTED, 8, "{", "per-channel offset (channel 0: 0.5"},
    {"padded conv of conv", HEAD X
     "  - {name: c1, type: conv2d, input: x, weight: [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]], padding: 1}\n"
     "  - {name: c2, type: conv2d, input: c1, weight: [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]], padding: 1}\n"
     "  - {name: l1, type: glif, input: c2, " GLIF_P "}\n"
     "  - {name: f, type: flatten, input: l1}\n"
     "  - {name: fc, type: linear, input: f, weight: [[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]}\n"
     "  - {name: out, type: readout, input: fc}\n",
     GLIF_EUNSUPPORTED, 6, "{", "no neuron between them"},
    {"direct input without range", HEAD "  - {name: x, type: input, shape: [1]}\n"
     "  - {name: fc, type: linear, input: x, weight: [[1.0]]}\n"
     "  - {name: out, type: readout, input: fc}\n", GLIF_EMISSING, 4, "{", "no 'range'"},
    {"graded and binary into one layer", HEAD "  - {name: x, type: input, shape: [1], range: 1.0}\n"
     "  - {name: fa, type: linear, input: x, weight: [[1.0]]}\n"
     "  - {name: l1, type: glif, input: fa, " GLIF_P "}\n"
     "  - {name: fb, type: linear, input: l1, weight: [[1.0]]}\n"
     "  - {name: s, type: add, inputs: [fa, fb]}\n"
     "  - {name: out, type: readout, input: s}\n", GLIF_EUNSUPPORTED, 9, "{",
     "real-valued (direct-encoded) input to spikes"},
};

static void expect_case(const bad_case *c, const glif_arch *arch) {
  char file[64];
  snprintf(file, sizeof file, "bad%d.yaml", (int)(c - cases));
  const char *path = write_text(file, c->yaml);
  cc_ctx ctx;
  cc_options opt;
  glif_err err;
  int rc = run_front_opts(&ctx, &opt, path, arch, NULL, &err);
  const int col = col_of(c->yaml, c->line, c->token);
  if (rc != c->code || err.line != c->line || err.col != col || !strstr(err.msg, c->phrase) ||
      strcmp(err.file, path))
    fail_msg("case '%s': got %s %s:%d:%d '%s'; wanted %s %d:%d '%s'", c->name,
             glif_err_name(rc), err.file, err.line, err.col, err.msg, glif_err_name(c->code),
             c->line, col, c->phrase);
  if (!rc) cc_destroy(&ctx);
}

static void test_error_positions(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) expect_case(&cases[i], NULL);
}

static void test_empty_file(void **state) {
  (void)state;
  const bad_case c = {"empty", " ", GLIF_ESYNTAX, 1, " ", "the file is empty"};
  expect_case(&c, NULL);
}

/* Tensor files: a NaN names the file and the flat index; a .npy of another dtype
 * passes the reader's own message through. */
static void test_tensor_file_errors(void **state) {
  (void)state;
  const double w[4] = {1.0, 0.5, NAN, -1.0};
  const int64_t shape[4] = {1, 1, 2, 2};
  glif_err err;
  assert_int_equal(npy_write(scratch_path("nan.npy"), NPY_F64, 4, shape, w, &err), 0);
  const char *yaml = HEAD X "  - {name: c1, type: conv2d, input: x, weight: nan.npy}\n";
  const bad_case c = {"NaN in file", yaml, GLIF_ERANGE, 5, "nan.npy", "holds NaN at flat index 2"};
  expect_case(&c, NULL);
  const unsigned char big_endian[] =
      "\x93NUMPY\x01\x00\x76\x00{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }";
  unsigned char buf[136];
  memset(buf, ' ', sizeof buf);
  memcpy(buf, big_endian, sizeof big_endian - 1);
  buf[127] = '\n';
  write_bytes("be.npy", buf, sizeof buf);
  const char *yaml2 = HEAD X "  - {name: c1, type: conv2d, input: x, weight: be.npy}\n";
  const bad_case c2 = {"big-endian file", yaml2, GLIF_ETYPE, 5, "be.npy", "big-endian"};
  expect_case(&c2, NULL);
}

/* Limits that come from the architecture: T beyond max_steps, an accumulator too
 * narrow for a layer's worst case. */
static void test_arch_limits(void **state) {
  (void)state;
  glif_arch a;
  arch_default(&a);
  a.max_steps = 1;
  const bad_case t = {"T beyond max_steps", valid, GLIF_ERANGE, 2, "2", "architecture 'glif-256' supports"};
  expect_case(&t, &a);
  arch_default(&a);
  a.acc_bits = 12; /* c1 sees 4 taps of up to 127 LSBs times payloads of up to 127 */
  const bad_case acc = {"accumulator too narrow", valid, GLIF_EFIT, 6, "{",
                        "'l1' channel 0: the worst-case accumulator is 44450"};
  expect_case(&acc, &a);
}

static void test_valid_model(void **state) {
  (void)state;
  const char *path = write_text("valid.yaml", valid);
  cc_ctx ctx;
  cc_options opt;
  glif_err err;
  assert_int_equal(run_front_opts(&ctx, &opt, path, NULL, "check", &err), 0);
  const ir_model *m = ctx.model;
  assert_int_equal(m->T, 2);
  assert_string_equal(m->name, "valid"); /* no 'name': the file's stem */
  assert_int_equal(m->n_layers, 6);
  const ir_layer *c1 = &m->layers[1], *l1 = &m->layers[2], *fc = &m->layers[4];
  assert_int_equal(c1->type, IR_CONV2D);
  assert_int_equal(c1->pos.line, 5);
  assert_int_equal(c1->pos.col, 5);
  assert_int_equal(c1->inputs[0], 0);
  assert_int_equal(c1->input_pos[0].col, col_of(valid, 5, "x, weight"));
  assert_int_equal(c1->weight.ndim, 4);
  assert_int_equal(c1->weight.shape[3], 2);
  assert_true(c1->weight.data[3] == -1.0);
  assert_int_equal(c1->stride[0], 1); /* defaults */
  assert_int_equal(c1->padding[1], 0);
  assert_int_equal(c1->c * 100 + c1->h * 10 + c1->w, 133); /* [1, 3, 3] */
  assert_int_equal(l1->glif[IR_VTH].ndim, 0);
  assert_true(l1->glif[IR_VTH].data[0] == 0.5);
  assert_int_equal(m->layers[3].c, 9); /* flatten */
  assert_int_equal(fc->c, 1);
  assert_int_equal(fc->weight.shape[1], 9);
  cc_destroy(&ctx);
}

/* Pool stride defaults to the kernel; pairs; file tensors beside the YAML. */
static void test_attributes_and_files(void **state) {
  (void)state;
  const double w[2] = {0.25, -0.5};
  const int64_t shape[4] = {1, 1, 1, 2};
  glif_err err;
  assert_int_equal(npy_write(scratch_path("w12.npy"), NPY_F32, 4, shape, w, &err), 0);
  const char *yaml = HEAD X
      "  - {name: p, type: sumpool2d, input: x, kernel: [2, 1]}\n"
      "  - {name: c1, type: conv2d, input: p, weight: w12.npy, stride: [1, 2], padding: [0, 1]}\n"
      "  - {name: l1, type: glif, input: c1, " GLIF_P "}\n"
      "  - {name: f, type: flatten, input: l1}\n"
      "  - {name: fc, type: linear, input: f, weight: [[1, 1, 1, 1, 1, 1]]}\n"
      "  - {name: out, type: readout, input: fc}\n";
  cc_ctx ctx;
  cc_options opt;
  assert_int_equal(run_front_opts(&ctx, &opt, write_text("attr.yaml", yaml), NULL, "check", &err), 0);
  const ir_layer *p = &ctx.model->layers[1], *c = &ctx.model->layers[2];
  assert_int_equal(p->kernel[0] * 10 + p->kernel[1], 21);
  assert_int_equal(p->stride[0] * 10 + p->stride[1], 21);
  assert_int_equal(p->h * 10 + p->w, 24);                /* [1, 2, 4] */
  assert_int_equal(c->stride[1], 2);
  assert_int_equal(c->padding[1], 1);
  assert_true(c->weight.data[1] == -0.5);
  assert_non_null(strstr(c->weight.file, "/w12.npy"));
  assert_int_equal(c->h * 10 + c->w, 23);                /* (2-1)/1+1, (4+2-2)/2+1 */
  cc_destroy(&ctx);
}

/* --calibrate: one sample or a batch, checked against the input layer. */
static void test_calibration_shapes(void **state) {
  (void)state;
  const char *path = write_text("cal.yaml", valid);
  double v[32];
  for (int i = 0; i < 32; i++) v[i] = i / 32.0;
  const int64_t one[3] = {1, 4, 4}, batch[4] = {2, 1, 4, 4}, bad[3] = {1, 4, 8};
  glif_err err;
  const int64_t *shapes[3] = {one, batch, bad};
  const int nd[3] = {3, 4, 3};
  const int64_t want[3] = {1, 2, 0};
  for (int k = 0; k < 3; k++) {
    const char *cal = scratch_path("cal.npy");
    assert_int_equal(npy_write(cal, NPY_F64, nd[k], shapes[k], v, &err), 0);
    cc_ctx ctx;
    cc_options opt;
    memset(&opt, 0, sizeof opt);
    opt.model_path = path, opt.calibrate_path = cal, opt.stop_after = "load";
    assert_int_equal(cc_init(&ctx, &opt, &err), 0);
    int rc = cc_run(&ctx, &err);
    if (want[k]) {
      assert_int_equal(rc, 0);
      assert_int_equal(ctx.calib.n_samples, want[k]);
      assert_int_equal(ctx.calib.sample_size, 16);
      assert_true(ctx.calib.data[15] == v[15]);
    } else {
      assert_int_equal(rc, GLIF_ESHAPE);
      assert_string_equal(err.file, cal);
      assert_non_null(strstr(err.msg, "[1, 4, 8] does not fit input layer 'x'"));
    }
    cc_destroy(&ctx);
  }
}

/* Bad input never crashes or hangs: 400 random edits of a valid model (bytes deleted,
 * replaced by YAML punctuation or digits, duplicated lines) each either compile or fail
 * with a code, a message and a position inside the file. Explicit seed. */
static void test_mutations_never_crash(void **state) {
  (void)state;
  static const char alphabet[] = "[]{},:-#&*!|>'\" \t\n0123456789.eE+-xyzabc";
  const size_t n = strlen(valid);
  char *text = malloc(2 * n + 8);
  int failed = 0, lines = 0;
  for (const char *c = valid; *c; c++) lines += *c == '\n';
  rng_state = 20240601;
  for (int iter = 0; iter < 400; iter++) {
    strcpy(text, valid);
    const int edits = 1 + iter % 4;
    for (int e = 0; e < edits; e++) {
      size_t len = strlen(text), at = (size_t)(urand() * (double)len);
      const int kind = (int)(urand() * 3);
      if (kind == 0 && len > 1) memmove(text + at, text + at + 1, len - at);  /* delete */
      else if (kind == 1) text[at] = alphabet[(int)(urand() * (sizeof alphabet - 1))];
      else if (len + 2 < 2 * n) {                                            /* insert */
        memmove(text + at + 1, text + at, len - at + 1);
        text[at] = alphabet[(int)(urand() * (sizeof alphabet - 1))];
      }
    }
    cc_ctx ctx;
    cc_options opt;
    glif_err err;
    int rc = run_front_opts(&ctx, &opt, write_text("mut.yaml", text), NULL, NULL, &err);
    if (!rc) {
      cc_destroy(&ctx);
      continue;
    }
    failed++;
    assert_true(rc < 0);
    assert_true(err.msg[0] != '\0');
    assert_true(err.line >= 0 && err.line <= lines + 8);
  }
  assert_true(failed > 200); /* most edits break the model, and are reported */
  free(text);
}

/* Every allocation of load and check failing in turn: GLIF_ENOMEM, no crash, no leak. */
static void test_alloc_failure(void **state) {
  (void)state;
  const char *path = write_text("af.yaml", valid);
  int failures = 0;
  for (long n = 0;; n++) {
    cc_ctx ctx;
    cc_options opt;
    glif_err err;
    glif_mem_fail_after(n);
    int rc = run_front_opts(&ctx, &opt, path, NULL, "check", &err);
    glif_mem_fail_after(-1);
    if (!rc) {
      cc_destroy(&ctx);
      break;
    }
    assert_int_equal(rc, GLIF_ENOMEM);
    failures++;
  }
  assert_true(failures >= 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_error_positions),
      cmocka_unit_test(test_empty_file),
      cmocka_unit_test(test_tensor_file_errors),
      cmocka_unit_test(test_arch_limits),
      cmocka_unit_test(test_valid_model),
      cmocka_unit_test(test_attributes_and_files),
      cmocka_unit_test(test_calibration_shapes),
      cmocka_unit_test(test_mutations_never_crash),
      cmocka_unit_test(test_alloc_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
