/* cmd_inspect.c - `glif inspect`: placeholder until this subcommand lands. */
#include <stdio.h>

#include "cli.h"

int cmd_inspect(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: glif inspect ...\n\n`glif inspect` is not built yet.\n");
    return 0;
  }
  fprintf(stderr, "glif inspect: not built yet\n");
  return 1;
}
