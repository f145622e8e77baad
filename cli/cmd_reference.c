/* cmd_reference.c - `glif reference`: placeholder until this subcommand lands. */
#include <stdio.h>

#include "cli.h"

int cmd_reference(int argc, char **argv) {
  if (argc > 1 && cli_is_help(argv[1])) {
    printf("usage: glif reference ...\n\n`glif reference` is not built yet.\n");
    return 0;
  }
  fprintf(stderr, "glif reference: not built yet\n");
  return 1;
}
