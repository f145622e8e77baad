/*
 * test_output.c - what a sweep writes: the CSV header (a public interface: it must not
 * change by accident), CSV cells of crafted rows (empty when a value does not apply,
 * quoting), the JSON read back, the SVG's dots, and atomic writes that leave nothing
 * behind on failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dse/dse.h"

#define SMALL GLIF_SOURCE_DIR "/examples/dse/small/"

typedef struct fixture {
  dse_space *space;
  dse_sweep *sw;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  dse_options o;
  glif_err err;
  dse_options_default(&o);
  o.model_path = SMALL "model.yaml";
  o.samples = 2;
  if (dse_space_create(&f->space, &err) ||
      dse_space_add_axis(f->space, "core.neurons=16,64", NULL, &err) ||
      dse_space_add_axis(f->space, "mesh=2x2", NULL, &err) ||
      dse_sweep_create(&f->sw, &o, f->space, &err) || dse_sweep_run(f->sw, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  dse_sweep_destroy(f->sw);
  dse_space_destroy(f->space);
  free(f);
  return 0;
}

static char *capture_csv(const dse_sweep *sw, const dse_row *rows, int64_t n, int timing) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  dse_out_opts o = {timing};
  assert_int_equal(dse_csv_print(f, sw, rows, n, &o), 0);
  fclose(f);
  return text;
}

static const char *const fixed_columns =
    "point,status,reason,mesh,mesh_cores,cores_used,neurons,relay_neurons,relay_layers,"
    "synapses,crossbar_cells,crossbar_nonzero,crossbar_fill,chip_fill,fanout_entries,"
    "input_entries,image_bytes,samples,latency_cycles,latency_us,energy_pj,e_synop_pj,"
    "e_mac_pj,e_row_read_pj,e_update_pj,e_spike_pj,e_packet_pj,e_hop_pj,e_barrier_pj,"
    "e_static_pj,edp_uj_us,accuracy,golden_equal,spike_agreement,spikes,packets,hops,"
    "router_stalls,busiest_link,busiest_link_at,core_logic_cells,core_flipflops,"
    "core_memory_bits,core_area_um2,chip_area_mm2,pareto";

static void test_header_stable(void **state) {
  fixture *f = *state;
  char want[2048];
  char *csv = capture_csv(f->sw, NULL, 0, 1);
  snprintf(want, sizeof want, "core.neurons,mesh.x,mesh.y,%s,compile_s,sim_s\n", fixed_columns);
  assert_string_equal(csv, want);
  free(csv);
  csv = capture_csv(f->sw, NULL, 0, 0); /* --no-timing */
  snprintf(want, sizeof want, "core.neurons,mesh.x,mesh.y,%s\n", fixed_columns);
  assert_string_equal(csv, want);
  free(csv);
}

/* A point that does not fit: its area, no compile or simulation figures; the reason
 * quoted because it holds a comma and a quote. */
static void test_nofit_row_cells(void **state) {
  fixture *f = *state;
  dse_row r;
  memset(&r, 0, sizeof r);
  r.index = 3, r.status = DSE_NOFIT, r.mesh_x = 2, r.mesh_y = 2, r.mesh_cores = 4;
  r.swept[0] = 16, r.swept[1] = 2, r.swept[2] = 2;
  snprintf(r.reason, sizeof r.reason, "DRC mesh: needs 5, has \"4\"");
  r.area.logic_cells = 1, r.area.flipflops = 2, r.area.memory_bits = 3, r.area.core_um2 = 4.5;
  r.area.chip_mm2 = 0.25;
  r.correct = -1, r.golden_equal = -1, r.busiest_dir = -1;
  char *csv = capture_csv(f->sw, &r, 1, 0);
  const char *line = strchr(csv, '\n') + 1;
  assert_string_equal(line, "16,2,2,3,does not fit,\"DRC mesh: needs 5, has \"\"4\"\"\",2x2,4,"
                      ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,1,2,3,4.5,0.25,0\n");
  free(csv);
}

static void test_fits_row_cells(void **state) {
  fixture *f = *state;
  dse_row r;
  memset(&r, 0, sizeof r);
  r.index = 1, r.status = DSE_FITS, r.mesh_x = 2, r.mesh_y = 2, r.mesh_cores = 4;
  r.swept[0] = 64, r.swept[1] = 2, r.swept[2] = 2;
  r.cores_used = 2, r.samples = 2, r.latency_us = 0.5, r.energy_pj = 1000;
  r.correct = -1, r.accuracy = -1;   /* no labels: empty */
  r.golden_equal = 2, r.spike_agreement = 1;
  r.busiest_dir = 1, r.busiest_x = 0, r.busiest_y = 1, r.busiest_link = 7;
  r.pareto = 1, r.compile_s = 0.125, r.sim_s = 0.25;
  char *csv = capture_csv(f->sw, &r, 1, 1);
  const char *line = strchr(csv, '\n') + 1;
  assert_non_null(strstr(line, "64,2,2,1,fits,,2x2,4,2,"));
  assert_non_null(strstr(line, ",0.5,1000,"));       /* latency_us, energy_pj */
  assert_non_null(strstr(line, ",,2,1,"));           /* accuracy empty, golden 2, agreement 1 */
  assert_non_null(strstr(line, ",7,\"0,1,E\","));    /* busiest link and where */
  assert_non_null(strstr(line, ",1,0.125,0.25\n"));  /* pareto, compile_s, sim_s */
  free(csv);
}

static void test_json_round_trip(void **state) {
  fixture *f = *state;
  glif_err err;
  dse_row *rows = dse_sweep_rows(f->sw);
  dse_pareto_mark(rows, 2);
  char *text = NULL;
  size_t len = 0;
  FILE *mf = open_memstream(&text, &len);
  dse_out_opts o = {0};
  assert_int_equal(dse_json_print(mf, f->sw, rows, 2, &o, &err), 0);
  fclose(mf);
  cJSON *root = cJSON_Parse(text);
  assert_non_null(root);
  assert_int_equal(cJSON_GetObjectItem(root, "glif_dse_report")->valueint, 1);
  assert_string_equal(cJSON_GetObjectItem(root, "model")->valuestring, "dse-small");
  assert_string_equal(cJSON_GetObjectItem(root, "input")->valuestring, "random(seed=1)");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(root, "synthetic_input")));
  cJSON *pts = cJSON_GetObjectItem(root, "points");
  assert_int_equal(cJSON_GetArraySize(pts), 2);
  for (int i = 0; i < 2; i++) {
    cJSON *p = cJSON_GetArrayItem(pts, i);
    assert_string_equal(cJSON_GetObjectItem(p, "status")->valuestring, dse_status_name(rows[i].status));
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "swept"), "core.neurons")->valuedouble ==
                rows[i].swept[0]);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "accuracy")));
    assert_null(cJSON_GetObjectItem(p, "compile_s")); /* no timing */
    if (rows[i].status == DSE_FITS) {
      assert_true(cJSON_GetObjectItem(p, "energy_pj")->valuedouble == rows[i].energy_pj);
      assert_true(cJSON_GetObjectItem(p, "cores_used")->valuedouble == (double)rows[i].cores_used);
      assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(p, "pareto")), rows[i].pareto);
    }
  }
  cJSON_Delete(root);
  free(text);
}

static int count(const char *s, const char *needle) {
  int n = 0;
  for (const char *p = s; (p = strstr(p, needle)); p++) n++;
  return n;
}

static void test_svg_dots(void **state) {
  fixture *f = *state;
  dse_row *rows = dse_sweep_rows(f->sw);
  dse_pareto_mark(rows, 2);
  int fits = 0, pareto = 0;
  for (int i = 0; i < 2; i++) fits += rows[i].status == DSE_FITS, pareto += rows[i].pareto;
  assert_true(fits == 2 && pareto >= 1);
  char *text = NULL;
  size_t len = 0;
  FILE *mf = open_memstream(&text, &len);
  assert_int_equal(dse_plot_print(mf, f->sw, rows, 2), 0);
  fclose(mf);
  assert_int_equal(strncmp(text, "<?xml", 5), 0);
  assert_int_equal(count(text, "<circle"), 2 * fits);       /* two panels */
  assert_int_equal(count(text, "#d62728"), 2 * pareto);
  assert_non_null(strstr(text, "</svg>\n"));
  free(text);
}

/* ---- atomic writes ------------------------------------------------------------------------- */

static int failing_writer(FILE *f, void *ctx, glif_err *err) {
  (void)ctx;
  fputs("partial", f);
  return glif_errf(err, GLIF_EIO, NULL, 0, 0, "the writer failed");
}

static int good_writer(FILE *f, void *ctx, glif_err *err) {
  (void)err;
  fputs(ctx, f);
  return 0;
}

static int entries(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
  if (d) closedir(d);
  return n;
}

static void test_atomic_write(void **state) {
  (void)state;
  char dir[256], path[300];
  glif_err err;
  snprintf(dir, sizeof dir, "%s/dse_out_%d", GLIF_BINARY_DIR, (int)getpid());
  assert_int_equal(mkdir(dir, 0700), 0);
  snprintf(path, sizeof path, "%s/r.csv", dir);
  assert_int_equal(dse_write_atomic(path, failing_writer, NULL, &err), GLIF_EIO);
  assert_int_equal(entries(dir), 0); /* no partial file, no temporary file */
  assert_int_equal(dse_write_atomic(path, good_writer, "a,b\n", &err), 0);
  assert_int_equal(entries(dir), 1);
  FILE *f = fopen(path, "r");
  char buf[16] = {0};
  assert_non_null(fgets(buf, sizeof buf, f));
  fclose(f);
  assert_string_equal(buf, "a,b\n");
  unlink(path);
  rmdir(dir);
  assert_int_equal(dse_write_atomic("/nonexistent/dir/r.csv", good_writer, "x", &err), GLIF_EIO);
  assert_non_null(strstr(err.msg, "cannot create the output"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header_stable), cmocka_unit_test(test_nofit_row_cells),
      cmocka_unit_test(test_fits_row_cells), cmocka_unit_test(test_json_round_trip),
      cmocka_unit_test(test_svg_dots), cmocka_unit_test(test_atomic_write),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
