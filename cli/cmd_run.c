/* cmd_run.c - `glif run`: placeholder until this subcommand lands. */
#include <stdio.h>

#include "cli.h"

int cmd_run(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: glif run ...\n\n`glif run` is not built yet.\n");
    return 0;
  }
  fprintf(stderr, "glif run: not built yet\n");
  return 1;
}
