/* cmd_arch.c - `glif arch`: placeholder until this subcommand lands. */
#include <stdio.h>

#include "cli.h"

int cmd_arch(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: glif arch ...\n\n`glif arch` is not built yet.\n");
    return 0;
  }
  fprintf(stderr, "glif arch: not built yet\n");
  return 1;
}
