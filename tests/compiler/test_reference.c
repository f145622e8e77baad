/*
 * test_reference.c - the golden model (compiler/reference.c).
 *
 *   - the chain example, every membrane of every step worked out by hand;
 *   - the conv4x4 example against a direct integer convolution computed here;
 *   - random integer-exact networks (strided/padded conv, depthwise, sum pooling, dense,
 *     spike and direct inputs) against direct computations, which checks the sparse
 *     scatter of every projection kind;
 *   - traces written through the API equal the committed expected files;
 *   - input quantisation, argmax ties, bad inputs, allocation failures.
 */
#include "test_front_util.h"

#include "compiler/reference.h"
#include "fabric/trace.h"

static void front_path(cc_ctx *ctx, cc_options *opt, const char *path, const glif_arch *a,
                       const char *stop) {
  glif_err err;
  int rc = run_front_opts(ctx, opt, path, a, stop, &err);
  if (rc) fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
}

static const char *example(const char *name, const char *file) {
  static char buf[4][600];
  static int k;
  char *b = buf[k++ % 4];
  snprintf(b, 600, "%s/examples/tiny/%s/%s", GLIF_SOURCE_DIR, name, file);
  return b;
}

static int spiked(const ref_model *rm, int pop, int t, uint32_t j) {
  uint32_t n;
  const uint32_t *s = ref_spikes(rm, pop, t, &n);
  for (uint32_t k = 0; k < n; k++)
    if (s[k] == j) return 1;
  return 0;
}

/* ---- the chain, by hand ---------------------------------------------------------------
 * x = 0.5, range 1: payload round(63.5) = 64. lif1 (graded, M = 0): s = 1/127, w_q 127,
 * unit 1/16129, acc = 127*64 = 8128; k = 0.5 (16384), ks = 0, g = 1, theta
 * round(0.6*16129) = 9677.
 *   t1: u = 8128                                   no spike
 *   t2: u = mul(8128, 16384) + 8128 = 4064 + 8128 = 12192   spike
 *   t3: u = mul(12192, 0) + 8128 = 8128            no spike
 *   t4: 12192                                      spike
 * lif2 (binary, M = 6): s = 0.75/127, unit s/64 = 0.75/8128, acc per spike 127<<6 = 8128;
 * d = round(0.1/unit) = 1084, r = round(0.5/unit) = 5419, theta = round(0.42/unit) =
 * 4552, bias = round(0.05/unit) = 542, k = ks = 32768, g = [32768, 24576, 32768, 24576].
 *   t1: u = 0 - 1084 + mul(0 + 542, 32768) = -542
 *   t2: u = -542 - 1084 + mul(8128 + 542, 24576) = -1626 + 6503 = 4877   spike
 *   t3: u = 4877 - 1084 - 5419 + 542 = -1084
 *   t4: u = -1084 - 1084 + 6503 = 4335 (not > 4552)
 * out (readout, M = 6): s = 2/127, unit 2/8128, bias round(0.25/unit) = 1016, acc 8128:
 *   u = 1016, 1016 + 9144 = 10160, 11176, 12192; output 12192 * (2/8128) / 4 = 0.75. */
static void test_chain_by_hand(void **state) {
  (void)state;
  cc_ctx ctx;
  cc_options opt;
  front_path(&ctx, &opt, example("chain", "model.yaml"), NULL, NULL);
  ref_model *rm;
  glif_err err;
  assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, REF_FIXED, &err), 0);
  const double x = 0.5;
  assert_int_equal(ref_input_payload(&ctx.net->pops[0], x), 64);
  const int32_t u1[4] = {8128, 12192, 8128, 12192}, u2[4] = {-542, 4877, -1084, 4335};
  const int32_t u3[4] = {1016, 10160, 11176, 12192};
  const int s1[4] = {0, 1, 0, 1}, s2[4] = {0, 1, 0, 0};
  assert_int_equal(ref_begin(rm, &x, &err), 0);
  for (int t = 0; t < 4; t++) {
    assert_int_equal(ref_step(rm, &err), 0);
    assert_int_equal(ref_u_fixed(rm, 1)[0], u1[t]);
    assert_int_equal(ref_u_fixed(rm, 2)[0], u2[t]);
    assert_int_equal(ref_u_fixed(rm, 3)[0], u3[t]);
    assert_int_equal(spiked(rm, 1, t + 1, 0), s1[t]);
    assert_int_equal(spiked(rm, 2, t + 1, 0), s2[t]);
  }
  assert_int_equal(ref_step(rm, &err), GLIF_EINTERNAL); /* only T steps */
  assert_true(ref_outputs(rm)[0] == 0.75);
  assert_int_equal(ref_class(rm), 0);
  assert_int_equal(ref_spike_count(rm, 1), 2);
  assert_int_equal(ref_spike_count(rm, 2), 1);
  ref_destroy(rm);
  /* float: lif1 0.5, 0.75, 0.5, 0.75; lif2 -0.05, 0.45, -0.1, 0.4; out 0.25 .. 3.0 */
  assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, REF_FLOAT, &err), 0);
  const double f1[4] = {0.5, 0.75, 0.5, 0.75}, f2[4] = {-0.05, 0.45, -0.1, 0.4};
  const double f3[4] = {0.25, 2.5, 2.75, 3.0};
  assert_int_equal(ref_begin(rm, &x, &err), 0);
  for (int t = 0; t < 4; t++) {
    assert_int_equal(ref_step(rm, &err), 0);
    assert_true(fabs(ref_u_float(rm, 1)[0] - f1[t]) < 1e-15);
    assert_true(fabs(ref_u_float(rm, 2)[0] - f2[t]) < 1e-15);
    assert_true(fabs(ref_u_float(rm, 3)[0] - f3[t]) < 1e-15);
    assert_int_equal(spiked(rm, 2, t + 1, 0), s2[t]);
  }
  assert_true(fabs(ref_outputs(rm)[0] - 0.75) < 1e-15);
  ref_destroy(rm);
  cc_destroy(&ctx);
}

/* ---- conv4x4 against a direct convolution ---------------------------------------------- */

static void read_npy(const char *path, npy_array *a) {
  glif_err err;
  if (npy_read(path, a, &err)) fail_msg("%s: %s", path, err.msg);
}

/* Integer conv sums (padding 1) and IF with hard reset, thresholds 3.5 / 4.5: fixed
 * membranes are exactly 127 times the float ones. */
static void test_conv4x4_direct(void **state) {
  (void)state;
  cc_ctx ctx;
  cc_options opt;
  front_path(&ctx, &opt, example("conv4x4", "model.yaml"), NULL, NULL);
  npy_array x, w;
  read_npy(example("conv4x4", "input.npy"), &x);
  read_npy(example("conv4x4", "conv.weight.npy"), &w);
  double sum[2][4][4];
  for (int c = 0; c < 2; c++)
    for (int oy = 0; oy < 4; oy++)
      for (int ox = 0; ox < 4; ox++) {
        sum[c][oy][ox] = 0;
        for (int ky = 0; ky < 3; ky++)
          for (int kx = 0; kx < 3; kx++) {
            const int iy = oy - 1 + ky, ix = ox - 1 + kx;
            if (iy >= 0 && iy < 4 && ix >= 0 && ix < 4)
              sum[c][oy][ox] += w.data[(c * 3 + ky) * 3 + kx] * x.data[iy * 4 + ix];
          }
      }
  ref_model *fx, *fl;
  glif_err err;
  assert_int_equal(ref_create(&fx, ctx.net, &ctx.arch, REF_FIXED, &err), 0);
  assert_int_equal(ref_create(&fl, ctx.net, &ctx.arch, REF_FLOAT, &err), 0);
  assert_int_equal(ref_begin(fx, x.data, &err), 0);
  assert_int_equal(ref_begin(fl, x.data, &err), 0);
  double u[32] = {0};
  int s[32] = {0}, count[2] = {0, 0};
  const double vth[2] = {3.5, 4.5};
  for (int t = 1; t <= 3; t++) {
    assert_int_equal(ref_step(fx, &err), 0);
    assert_int_equal(ref_step(fl, &err), 0);
    for (int j = 0; j < 32; j++) {
      const int c = j / 16;
      u[j] = (s[j] ? 0 : u[j]) + sum[c][j % 16 / 4][j % 4];
      s[j] = u[j] > vth[c];
      count[c] += s[j];
      assert_true(ref_u_float(fl, 1)[j] == u[j]);
      assert_int_equal(ref_u_fixed(fx, 1)[j], (int32_t)(127 * u[j]));
      assert_int_equal(spiked(fx, 1, t, (uint32_t)j), s[j]);
      assert_int_equal(spiked(fl, 1, t, (uint32_t)j), s[j]);
    }
  }
  /* out: counts / T; fixed u = count * 127 << 6 */
  for (int c = 0; c < 2; c++) {
    assert_int_equal(ref_u_fixed(fx, 2)[c], count[c] * 127 * 64);
    assert_true(ref_outputs(fx)[c] == count[c] / 3.0);
    assert_true(ref_outputs(fl)[c] == count[c] / 3.0);
  }
  assert_true(count[0] + count[1] > 20);
  ref_destroy(fx), ref_destroy(fl);
  npy_free(&x), npy_free(&w);
  cc_destroy(&ctx);
}

/* ---- random integer-exact networks ----------------------------------------------------- */

/* Integer weights in [-127, 127] with 127 at the first tap of every output channel, so
 * each channel's scale is exactly 1 and w_q = w. */
static void int_weights(mb *b, int rows, int per_row, int *w) {
  put(b, "[");
  for (int r = 0; r < rows; r++) {
    put(b, "%s[", r ? ", " : "");
    for (int k = 0; k < per_row; k++) {
      w[r * per_row + k] = k == 0 ? 127 : (int)uni(-127, 128);
      put(b, "%s%d", k ? ", " : "", w[r * per_row + k]);
    }
    put(b, "]");
  }
  put(b, "]");
}

/* x [C,H,W] -> conv (k, stride, pad) -> readout: the readout's u after T steps must be
 * sum over steps of (sum of w * input) << M, exactly (w_q = w because max |w| = 127). */
static void check_conv_readout(int spikes, int C, int H, int W, int CO, int k, int st, int pad,
                               int T) {
  mb b = {0};
  int *w = malloc(sizeof(int) * (size_t)(CO * C * k * k));
  put(&b, "glif_model: 1\ntimesteps: %d\nlayers:\n", T);
  put(&b, "  - {name: x, type: input, shape: [%d, %d, %d], encoding: %s, range: 127.0}\n", C,
      H, W, spikes ? "spikes" : "direct");
  put(&b, "  - {name: c, type: conv2d, input: x, stride: %d, padding: %d, weight: ", st, pad);
  /* flat rows of C*k*k, reshaped below */
  mb rows = {0};
  int_weights(&rows, CO, C * k * k, w);
  put(&b, "[");
  for (int o = 0; o < CO; o++) {
    put(&b, "%s[", o ? ", " : "");
    for (int c = 0; c < C; c++) {
      put(&b, "%s[", c ? ", " : "");
      for (int y = 0; y < k; y++) {
        put(&b, "%s[", y ? ", " : "");
        for (int x = 0; x < k; x++)
          put(&b, "%s%d", x ? ", " : "", w[((o * C + c) * k + y) * k + x]);
        put(&b, "]");
      }
      put(&b, "]");
    }
    put(&b, "]");
  }
  put(&b, "]}\n  - {name: out, type: readout, input: c}\n");
  free(rows.s);
  cc_ctx ctx;
  cc_options opt;
  front_path(&ctx, &opt, write_text("iconv.yaml", b.s), NULL, NULL);
  const ir_pop *out = &ctx.net->pops[1];
  const int OH = out->h, OW = out->w, n_in = C * H * W;
  double *x = malloc(sizeof(double) * (size_t)(n_in * T));
  for (int i = 0; i < n_in * T; i++) x[i] = spikes ? (urand() < 0.5) : (double)(int)uni(-127, 128);
  ref_model *rm;
  glif_err err;
  assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, REF_FIXED, &err), 0);
  assert_int_equal(ref_run(rm, x, &err), 0);
  for (int o = 0; o < CO; o++)
    for (int oy = 0; oy < OH; oy++)
      for (int ox = 0; ox < OW; ox++) {
        int64_t want = 0;
        for (int t = 0; t < T; t++) {
          const double *xt = x + (spikes ? t * n_in : 0);
          for (int c = 0; c < C; c++)
            for (int ky = 0; ky < k; ky++)
              for (int kx = 0; kx < k; kx++) {
                const int iy = oy * st - pad + ky, ix = ox * st - pad + kx;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                want += (int64_t)w[((o * C + c) * k + ky) * k + kx] *
                        (int64_t)xt[(c * H + iy) * W + ix];
              }
        }
        want *= (int64_t)1 << (spikes ? out->shift[o] : 0);
        const int32_t got = ref_u_fixed(rm, 1)[(o * OH + oy) * OW + ox];
        if (got != want)
          fail_msg("conv %dx%d stride %d pad %d (%s): out[%d][%d][%d] = %d, direct %lld", k, k,
                   st, pad, spikes ? "spikes" : "direct", o, oy, ox, got, (long long)want);
      }
  ref_destroy(rm);
  free(x), free(w), free(b.s);
  cc_destroy(&ctx);
}

static void test_conv_scatter_random(void **state) {
  (void)state;
  rng_state = 12345;
  check_conv_readout(1, 3, 7, 6, 4, 3, 2, 1, 3);  /* strided, padded, odd sizes */
  check_conv_readout(1, 2, 5, 5, 3, 3, 1, 0, 2);  /* no padding */
  check_conv_readout(1, 1, 6, 6, 2, 2, 2, 0, 2);  /* stride = kernel */
  check_conv_readout(0, 2, 5, 4, 3, 3, 1, 1, 2);  /* direct input: graded payloads */
  check_conv_readout(0, 3, 4, 4, 2, 1, 1, 0, 3);  /* 1x1 */
}

/* Depthwise (BN on spikes with integer scale), sum pooling and dense, against direct sums.
 * x [2,4,4] spikes -> bn a = [3, -2] -> out1; -> sumpool 2 -> out2; -> flatten -> fc ->
 * out3. */
static void test_depthwise_pool_dense(void **state) {
  (void)state;
  rng_state = 777;
  mb b = {0};
  int w[3 * 32];
  put(&b, "glif_model: 1\ntimesteps: 2\nlayers:\n"
          "  - {name: x, type: input, shape: [2, 4, 4], encoding: spikes}\n"
          "  - {name: bn, type: batchnorm, input: x, weight: [3.0, -2.0], bias: 0.0, "
          "running_mean: 0.0, running_var: 0.0, eps: 1.0}\n"
          "  - {name: o1, type: readout, input: bn}\n"
          "  - {name: sp, type: sumpool2d, input: x, kernel: 2}\n"
          "  - {name: o2, type: readout, input: sp}\n"
          "  - {name: f, type: flatten, input: x}\n"
          "  - {name: fc, type: linear, input: f, weight: ");
  int_weights(&b, 3, 32, w);
  put(&b, "}\n  - {name: o3, type: readout, input: fc}\n");
  cc_ctx ctx;
  cc_options opt;
  front_path(&ctx, &opt, write_text("dpd.yaml", b.s), NULL, NULL);
  double x[64];
  for (int i = 0; i < 64; i++) x[i] = urand() < 0.5;
  ref_model *rm;
  glif_err err;
  assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, REF_FIXED, &err), 0);
  assert_int_equal(ref_run(rm, x, &err), 0);
  const ir_net *n = ctx.net;
  /* o1: depthwise a_c, scale |a_c|/127: w_q = +-127 */
  for (int j = 0; j < 32; j++) {
    const int c = j / 16, sign = c ? -1 : 1;
    const int64_t want = (int64_t)sign * 127 * (int64_t)(x[j] + x[32 + j]) * (1 << n->pops[1].shift[c]);
    assert_int_equal(ref_u_fixed(rm, 1)[j], want);
  }
  /* o2: sum of each 2x2 window, weight 1 -> w_q 127 */
  for (int c = 0; c < 2; c++)
    for (int py = 0; py < 2; py++)
      for (int px = 0; px < 2; px++) {
        int64_t cnt = 0;
        for (int t = 0; t < 2; t++)
          for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++) cnt += (int64_t)x[t * 32 + c * 16 + (2 * py + dy) * 4 + 2 * px + dx];
        assert_int_equal(ref_u_fixed(rm, 2)[(c * 2 + py) * 2 + px], 127 * cnt * (1 << n->pops[2].shift[c]));
      }
  /* o3: dense rows */
  for (int o = 0; o < 3; o++) {
    int64_t want = 0;
    for (int t = 0; t < 2; t++)
      for (int j = 0; j < 32; j++) want += (int64_t)w[o * 32 + j] * (int64_t)x[t * 32 + j];
    assert_int_equal(ref_u_fixed(rm, 3)[o], want * (1 << n->pops[3].shift[o]));
  }
  ref_destroy(rm);
  free(b.s);
  cc_destroy(&ctx);
}

/* ---- traces through the API equal the committed examples --------------------------------- */

static void compare_files(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  assert_non_null(fa);
  assert_non_null(fb);
  int ca, cb;
  long at = 0;
  do {
    ca = fgetc(fa), cb = fgetc(fb);
    if (ca != cb) fail_msg("%s and %s differ at byte %ld", a, b, at);
    at++;
  } while (ca != EOF);
  fclose(fa), fclose(fb);
}

static void trace_example(const char *name, int mode) {
  char arch_path[600];
  snprintf(arch_path, sizeof arch_path, "%s", example(name, "arch.yaml"));
  glif_arch a;
  glif_err err;
  const int custom = file_exists(arch_path);
  if (custom && arch_load(arch_path, &a, &err)) fail_msg("%s", err.msg);
  cc_ctx ctx;
  cc_options opt;
  front_path(&ctx, &opt, example(name, "model.yaml"), custom ? &a : NULL, NULL);
  npy_array x;
  read_npy(example(name, "input.npy"), &x);
  int64_t n;
  assert_int_equal(ref_input_samples(ctx.net, &x, "input.npy", &n, &err), 0);
  ref_model *rm;
  assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, mode, &err), 0);
  trace_writer *tw;
  const char *out = scratch_path("api.trace");
  assert_int_equal(trace_open(&tw, out, ctx.net->model->name, ctx.net->T, &err), 0);
  assert_int_equal(ref_trace_layers(rm, tw), 0);
  for (int64_t k = 0; k < n; k++) {
    assert_int_equal(ref_run(rm, x.data + k * ref_sample_size(ctx.net), &err), 0);
    assert_int_equal(ref_trace_sample(rm, tw, k), 0);
  }
  assert_int_equal(trace_close(tw, &err), 0);
  compare_files(out, example(name, mode == REF_FIXED ? "expected.trace" : "expected-float.trace"));
  ref_destroy(rm);
  npy_free(&x);
  cc_destroy(&ctx);
}

static void test_traces_equal_examples(void **state) {
  (void)state;
  const char *names[4] = {"chain", "conv4x4", "residual", "relay"};
  for (int i = 0; i < 4; i++) {
    trace_example(names[i], REF_FIXED);
    trace_example(names[i], REF_FLOAT);
  }
}

/* ---- small contracts ------------------------------------------------------------------ */

static void test_input_payload(void **state) {
  (void)state;
  ir_pop in;
  memset(&in, 0, sizeof in);
  in.in_scale = 1.0, in.payload_bits = 8;
  const double x[8] = {2.5, -2.5, 0.49, -0.5, 126.5, 1000, -1000, 0.5};
  const int32_t want[8] = {3, -3, 0, -1, 127, 127, -127, 1};
  for (int i = 0; i < 8; i++) assert_int_equal(ref_input_payload(&in, x[i]), want[i]);
  in.in_scale = 0.5, in.payload_bits = 4; /* +-7 */
  assert_int_equal(ref_input_payload(&in, 3.25), 7);
  assert_int_equal(ref_input_payload(&in, -1.25), -3);
  in.payload_bits = 0; /* spike encoding */
  assert_int_equal(ref_input_payload(&in, 1.0), 1);
  assert_int_equal(ref_input_payload(&in, 0.0), 0);
}

static void test_class_ties_and_bad_inputs(void **state) {
  (void)state;
  const char *text = "glif_model: 1\ntimesteps: 1\nlayers:\n"
      "  - {name: x, type: input, shape: [2], range: 1.0}\n"
      "  - {name: f, type: linear, input: x, weight: [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]}\n"
      "  - {name: out, type: readout, input: f}\n";
  cc_ctx ctx;
  cc_options opt;
  front_path(&ctx, &opt, write_text("ties.yaml", text), NULL, NULL);
  ref_model *rm;
  glif_err err;
  assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, REF_FIXED, &err), 0);
  const double a[2] = {0.5, 0.5}, b[2] = {0.25, 0.5}, c[2] = {0.5, 0.25};
  assert_int_equal(ref_run(rm, a, &err), 0);
  assert_int_equal(ref_class(rm), 0); /* three equal outputs: the lowest index */
  assert_int_equal(ref_run(rm, b, &err), 0);
  assert_int_equal(ref_class(rm), 1);
  assert_int_equal(ref_run(rm, c, &err), 0);
  assert_int_equal(ref_class(rm), 0); /* 0 and 2 tie */
  const double bad[2] = {0.5, NAN};
  assert_int_equal(ref_run(rm, bad, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "input element 1 is NaN"));
  ref_destroy(rm);
  cc_destroy(&ctx);
  const char *spk = "glif_model: 1\ntimesteps: 2\nlayers:\n"
      "  - {name: x, type: input, shape: [2], encoding: spikes}\n"
      "  - {name: f, type: linear, input: x, weight: [[1.0, 1.0]]}\n"
      "  - {name: out, type: readout, input: f}\n";
  front_path(&ctx, &opt, write_text("spk.yaml", spk), NULL, NULL);
  assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, REF_FIXED, &err), 0);
  const double half[4] = {0, 1, 0.5, 0};
  assert_int_equal(ref_run(rm, half, &err), GLIF_ERANGE);
  assert_non_null(strstr(err.msg, "element 0 of step 2 is 0.5"));
  ref_destroy(rm);
  cc_destroy(&ctx);
}

/* The fixed model refuses a network that was never quantised. */
static void test_needs_quantised_net(void **state) {
  (void)state;
  cc_ctx ctx;
  cc_options opt;
  front_path(&ctx, &opt, example("chain", "model.yaml"), NULL, "fold");
  ref_model *rm;
  glif_err err;
  assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, REF_FIXED, &err), GLIF_EINTERNAL);
  assert_null(rm);
  assert_int_equal(ref_create(&rm, ctx.net, &ctx.arch, REF_FLOAT, &err), 0);
  ref_destroy(rm);
  cc_destroy(&ctx);
}

/* Every allocation of the front end and the golden model failing in turn. */
static void test_alloc_failure(void **state) {
  (void)state;
  int failures = 0;
  npy_array x;
  read_npy(example("residual", "input.npy"), &x);
  for (long n = 0;; n++) {
    cc_ctx ctx;
    cc_options opt;
    glif_err err;
    ref_model *rm = NULL;
    glif_mem_fail_after(n);
    int rc = run_front_opts(&ctx, &opt, example("residual", "model.yaml"), NULL, NULL, &err);
    if (!rc) {
      rc = ref_create(&rm, ctx.net, &ctx.arch, n % 2 ? REF_FLOAT : REF_FIXED, &err);
      if (!rc) rc = ref_run(rm, x.data, &err);
      ref_destroy(rm);
      cc_destroy(&ctx);
    }
    glif_mem_fail_after(-1);
    if (!rc) break;
    assert_int_equal(rc, GLIF_ENOMEM);
    failures++;
  }
  assert_true(failures > 10);
  npy_free(&x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chain_by_hand),
      cmocka_unit_test(test_conv4x4_direct),
      cmocka_unit_test(test_conv_scatter_random),
      cmocka_unit_test(test_depthwise_pool_dense),
      cmocka_unit_test(test_traces_equal_examples),
      cmocka_unit_test(test_input_payload),
      cmocka_unit_test(test_class_ties_and_bad_inputs),
      cmocka_unit_test(test_needs_quantised_net),
      cmocka_unit_test(test_alloc_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
