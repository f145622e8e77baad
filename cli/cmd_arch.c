/*
 * cmd_arch.c - `glif arch`: load and validate an architecture (a YAML file or a
 * built-in preset), then print it with its derived capacities, as YAML or as JSON.
 *
 * Pipeline position: a front door to fabric/arch.h, the description every later stage
 * (compiler, simulator, design-space exploration) reads. The command holds no
 * knowledge of the format: field names and ranges come from arch_fields().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../fabric/arch.h"
#include "../fabric/mem.h"
#include "cli.h"

#define MAX_SETS 64

typedef struct arch_opts {
  int list, yaml, json;
  const char *spec;            /* file path or preset name */
  const char *sets[MAX_SETS];  /* "section.key=value" overrides, in order */
  int n_sets;
} arch_opts;

static void usage(FILE *out) {
  fprintf(out,
          "usage: glif arch [--yaml | --json] [--set SECTION.KEY=VALUE]... ARCH\n"
          "       glif arch --list\n\n"
          "Loads and validates an architecture and prints it with its derived\n"
          "capacities (cores, neurons, synapses, memory per core and chip), timing and\n"
          "energy table. ARCH is a YAML file (docs/architecture.md) or the name of a\n"
          "built-in preset.\n\n"
          "options:\n"
          "  --list          list the built-in presets, one line each\n"
          "  --yaml          print the fully resolved architecture as YAML\n"
          "  --json          print fields, hash and capacities as JSON\n"
          "  --set K=V       override one field after loading, e.g. --set core.neurons=512\n"
          "                  (repeatable; the result is validated again)\n"
          "  -h, --help      show this help\n\n"
          "exit status: 0 valid, 1 invalid architecture, 2 bad usage\n");
}

static int bad_usage(const char *fmt, const char *arg) {
  fprintf(stderr, "glif arch: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " - see 'glif arch --help'\n");
  return 2;
}

/* Returns -1 to go on, or the exit status (help printed, bad usage). */
static int parse_args(int argc, char **argv, arch_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--list")) {
      o->list = 1;
    } else if (!strcmp(a, "--yaml")) {
      o->yaml = 1;
    } else if (!strcmp(a, "--json")) {
      o->json = 1;
    } else if (!strcmp(a, "--set")) {
      if (i + 1 >= argc) return bad_usage("%s needs SECTION.KEY=VALUE", a);
      if (o->n_sets == MAX_SETS) return bad_usage("more than 64 %s options", a);
      o->sets[o->n_sets++] = argv[++i];
    } else if (a[0] == '-' && a[1]) {
      return bad_usage("unknown option '%s'", a);
    } else if (o->spec) {
      return bad_usage("more than one architecture given ('%s')", a);
    } else {
      o->spec = a;
    }
  }
  if (o->yaml && o->json) return bad_usage("%s", "--yaml and --json exclude each other");
  if (!o->list && !o->spec) return bad_usage("%s", "no architecture given (a YAML file "
                                             "or a preset name; 'glif arch --list')");
  return -1;
}

/* The preset's first comment line ("# NAME: what it is") without "# NAME: ", as its
 * one-line description. */
static void preset_summary(const char *name, const char *text, char *buf, size_t size) {
  size_t len = strlen(name);
  buf[0] = '\0';
  if (strncmp(text, "# ", 2)) return;
  text += 2;
  if (!strncmp(text, name, len) && !strncmp(text + len, ": ", 2)) text += len + 2;
  snprintf(buf, size, "%.*s", (int)strcspn(text, "\n"), text);
}

static int list_presets(void) {
  for (const char *const *p = arch_preset_names(); *p; p++) {
    glif_arch a;
    glif_err err;
    arch_capacity c;
    char summary[160];
    if (arch_resolve(*p, &a, &err)) return cli_fail(&err);
    arch_capacity_of(&a, &c);
    preset_summary(*p, arch_preset_text(*p), summary, sizeof summary);
    printf("%-12s %4u x %-4u %8llu neurons  %s\n", *p, a.mesh_x, a.mesh_y,
           (unsigned long long)c.neurons, summary);
  }
  return 0;
}

/* Applies one "section.key=value" override. */
static int apply_set(glif_arch *a, const char *set, glif_err *err) {
  const char *eq = strchr(set, '=');
  char path[64];
  if (!eq || eq == set || (size_t)(eq - set) >= sizeof path)
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0, "--set '%s' is not SECTION.KEY=VALUE"
                     " - write e.g. --set core.neurons=512", set);
  memcpy(path, set, (size_t)(eq - set));
  path[eq - set] = '\0';
  return arch_set(a, path, eq + 1, err);
}

static cJSON *fields_json(const glif_arch *a) {
  size_t n;
  const arch_field *f = arch_fields(&n);
  cJSON *root = cJSON_CreateObject(), *sec = NULL;
  const char *sec_name = "";
  if (!root) return NULL;
  cJSON_AddNumberToObject(root, "glif_arch", 1);
  cJSON_AddStringToObject(root, "name", a->name);
  for (size_t i = 0; i < n; i++) {
    if (strcmp(sec_name, f[i].section)) {
      sec_name = f[i].section;
      sec = cJSON_AddObjectToObject(root, sec_name);
      if (!sec) break;
    }
    cJSON_AddNumberToObject(sec, f[i].key, arch_field_get(a, &f[i]));
  }
  return root;
}

static void capacity_json(cJSON *root, const glif_arch *a) {
  arch_capacity c;
  arch_capacity_of(a, &c);
  cJSON *cap = cJSON_AddObjectToObject(root, "capacity");
  if (!cap) return;
  /* uint64 figures are below 2^53, so a JSON number holds them exactly */
  cJSON_AddNumberToObject(cap, "cores", (double)c.cores);
  cJSON_AddNumberToObject(cap, "neurons", (double)c.neurons);
  cJSON_AddNumberToObject(cap, "synapses_per_core", (double)c.synapses_per_core);
  cJSON_AddNumberToObject(cap, "synapses", (double)c.synapses);
  cJSON_AddNumberToObject(cap, "bits_crossbar", (double)c.bits_crossbar);
  cJSON_AddNumberToObject(cap, "bits_state", (double)c.bits_state);
  cJSON_AddNumberToObject(cap, "bits_groups", (double)c.bits_groups);
  cJSON_AddNumberToObject(cap, "bits_fanout", (double)c.bits_fanout);
  cJSON_AddNumberToObject(cap, "bits_core", (double)c.bits_core);
  cJSON_AddNumberToObject(cap, "bits_chip", (double)c.bits_chip);
}

static int print_json(const glif_arch *a) {
  char hash[16];
  cJSON *root = fields_json(a);
  if (root) {
    snprintf(hash, sizeof hash, "0x%08x", arch_hash(a));
    cJSON_AddStringToObject(root, "hash", hash);
    capacity_json(root, a);
  }
  char *text = root ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) {
    fprintf(stderr, "glif arch: out of memory building the JSON\n");
    return 1;
  }
  printf("%s\n", text);
  cJSON_free(text);
  return 0;
}

int cmd_arch(int argc, char **argv) {
  arch_opts o = {0};
  int rc = parse_args(argc, argv, &o);
  if (rc >= 0) return rc;
  if (o.list) return list_presets();
  glif_arch a;
  glif_err err;
  glif_err_clear(&err);
  if (arch_resolve(o.spec, &a, &err)) return cli_fail(&err);
  for (int i = 0; i < o.n_sets; i++)
    if (apply_set(&a, o.sets[i], &err)) return cli_fail(&err);
  if (o.n_sets && arch_validate(&a, &err)) return cli_fail(&err);
  if (o.json) return print_json(&a);
  if (o.yaml)
    arch_write_yaml(&a, stdout);
  else
    arch_print(&a, stdout);
  return fflush(stdout) ? 1 : 0;
}
