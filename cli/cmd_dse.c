/* cmd_dse.c - `glif dse`: placeholder until this subcommand lands. */
#include <stdio.h>

#include "cli.h"

int cmd_dse(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: glif dse ...\n\n`glif dse` is not built yet.\n");
    return 0;
  }
  fprintf(stderr, "glif dse: not built yet\n");
  return 1;
}
