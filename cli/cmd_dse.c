/*
 * cmd_dse.c - `glif dse MODEL.yaml --sweep ...`: design-space exploration. The command
 * lives in the dse library (dse/command.c), shared with the MPI launcher glif-dse-mpi;
 * this file only dispatches to it. docs/dse.md describes the options and the results.
 */
#include "../dse/dse.h"
#include "cli.h"

int cmd_dse(int argc, char **argv) { return dse_command(argc, argv, NULL); }
