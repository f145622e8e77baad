/*
 * main.c - `glif`: dispatches to the subcommands of docs/cli.md.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "glif_version.h"

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"compile", cmd_compile, "lower a trained model to a chip image"},
    {"run", cmd_run, "simulate a chip image: spikes, outputs, latency, energy"},
    {"reference", cmd_reference, "golden model of a model, no mapping (fixed or float)"},
    {"inspect", cmd_inspect, "per-core utilisation and a picture of a chip image"},
    {"dse", cmd_dse, "design-space exploration over core counts and sizes"},
    {"arch", cmd_arch, "validate an architecture and print its capacities"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out) {
  fprintf(out,
          "usage: glif <command> [options]\n"
          "       glif --version | --help\n\n"
          "GLIF fabric %s: compiler, cycle-accurate simulator and RTL for networks of\n"
          "gated leaky integrate-and-fire neurons.\n\ncommands:\n",
          GLIF_VERSION);
  for (const command *c = commands; c->name; c++)
    fprintf(out, "  %-10s %s\n", c->name, c->summary);
  fprintf(out, "\n'glif <command> --help' describes a command.\n");
}

int cli_is_help(const char *arg) {
  return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int cli_fail(const glif_err *err) {
  glif_err_print(err, stderr);
  return err->code == GLIF_EUSAGE ? 2 : 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (cli_is_help(argv[1]) || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
    printf("glif %s\n", GLIF_VERSION);
    return 0;
  }
  for (const command *c = commands; c->name; c++)
    if (!strcmp(argv[1], c->name)) return c->run(argc - 1, argv + 1);
  fprintf(stderr, "glif: '%s' is not a command - see 'glif --help'\n", argv[1]);
  return 2;
}
