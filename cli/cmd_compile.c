/* cmd_compile.c - `glif compile`: placeholder until this subcommand lands. */
#include <stdio.h>

#include "cli.h"

int cmd_compile(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: glif compile ...\n\n`glif compile` is not built yet.\n");
    return 0;
  }
  fprintf(stderr, "glif compile: not built yet\n");
  return 1;
}
