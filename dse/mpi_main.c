/*
 * mpi_main.c - `glif-dse-mpi`: the same sweep as `glif dse`, distributed with MPI.
 *
 *   mpirun -np R glif-dse-mpi MODEL.yaml --sweep ... -o results.csv
 *
 * Every rank parses the same command line and numbers the same points; rank r
 * evaluates the points i with i % R == r (on --jobs threads of its own), packs its rows
 * (dse/pack.c), and rank 0 gathers them and writes the outputs, which are byte-identical
 * to a single-process sweep apart from the wall-time columns. Built when CMake finds MPI.
 */
#include <limits.h>
#include <mpi.h>
#include <stdlib.h>

#include "../fabric/mem.h"
#include "dse.h"

/* 1 on every rank when any rank reports a failure. */
static int any_failed(int local_rc) {
  int bad = local_rc != 0, any = 0;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any;
}

/* Rank 0 receives every rank's packed rows and stores them at their indices. */
static int receive(int size, unsigned char *mine, int my_size, dse_row *rows, int64_t n,
                   int rank, glif_err *err) {
  int *sizes = glif_calloc((size_t)size, sizeof *sizes), *offs = glif_calloc((size_t)size, sizeof *offs);
  MPI_Gather(&my_size, 1, MPI_INT, sizes, 1, MPI_INT, 0, MPI_COMM_WORLD);
  long long total = 0;
  for (int r = 0; rank == 0 && r < size; r++) offs[r] = (int)total, total += sizes[r];
  unsigned char *all = rank == 0 ? glif_malloc((size_t)total + 1) : NULL;
  MPI_Gatherv(mine, my_size, MPI_BYTE, all, sizes, offs, MPI_BYTE, 0, MPI_COMM_WORLD);
  int rc = 0;
  for (int r = 0; rank == 0 && !rc && r < size; r++)
    rc = dse_unpack_rows(all + offs[r], (size_t)sizes[r], rows, n, err);
  glif_free(all), glif_free(sizes), glif_free(offs);
  return rc;
}

static int gather(void *ctx, dse_row *rows, int64_t n, int local_rc, glif_err *err) {
  int rank, size;
  (void)ctx;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (any_failed(local_rc))
    return local_rc ? local_rc : glif_errf(err, GLIF_EIO, NULL, 0, 0, "another rank failed");
  unsigned char *buf = NULL;
  size_t bytes = 0;
  int rc = dse_pack_rows(rows, n, rank, size, &buf, &bytes, err);
  if (!rc && bytes > INT_MAX)
    rc = glif_errf(err, GLIF_ERANGE, NULL, 0, 0, "rank %d has %zu bytes of rows, more than "
                   "MPI can send at once - use more ranks", rank, bytes);
  if (any_failed(rc)) {
    glif_free(buf);
    return rc ? rc : glif_errf(err, GLIF_EIO, NULL, 0, 0, "another rank failed");
  }
  rc = receive(size, buf, (int)bytes, rows, n, rank, err);
  glif_free(buf);
  return rc;
}

int main(int argc, char **argv) {
  int rank = 0, size = 1;
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const dse_dist dist = {rank, size, gather, NULL};
  int status = dse_command(argc, argv, &dist);
  MPI_Finalize();
  return status;
}
