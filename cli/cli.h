/*
 * cli.h - the `glif` command: a thin dispatcher over library calls.
 * Each subcommand is `int cmd_NAME(int argc, char **argv)` (argv[0] is the subcommand
 * name) returning the process exit status: 0 success, 1 error in the input or the run,
 * 2 bad usage.
 */
#ifndef GLIF_CLI_H
#define GLIF_CLI_H

#include "../fabric/err.h"

int cmd_compile(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_reference(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_dse(int argc, char **argv);
int cmd_arch(int argc, char **argv);

/* Prints err as "file:line:col: error: message" to stderr and returns the exit status
 * for its code (2 for GLIF_EUSAGE, 1 otherwise). */
int cli_fail(const glif_err *err);

/* 1 when argv[i] is -h or --help. */
int cli_is_help(const char *arg);

#endif /* GLIF_CLI_H */
