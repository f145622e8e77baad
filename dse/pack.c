/*
 * pack.c - rows as bytes, for distributed sweeps: each rank packs the rows it computed,
 * rank 0 unpacks them into the full table (dse/mpi_main.c moves the bytes).
 *
 *   rank r: dse_sweep_run (its points) -> PACK -> MPI gather -> UNPACK at rank 0 -> output
 *
 * A row is a plain struct of integers, doubles and a NUL-terminated string, so it
 * travels as its bytes (every rank runs the same binary on the same kind of machine:
 * the doubles arrive bit for bit, and the output of rank 0 is byte-identical to a
 * single-process sweep). Format: u64 count, then count x (i64 index, dse_row bytes).
 */
#include <string.h>

#include "dse_int.h"

#define ROW_BYTES (8 + sizeof(dse_row))

int dse_pack_rows(const dse_row *rows, int64_t n, int r, int n_ranks, unsigned char **buf,
                  size_t *size, glif_err *err) {
  uint64_t count = 0;
  for (int64_t i = 0; i < n; i++) count += dse_rank_owns(i, r, n_ranks);
  *size = 8 + (size_t)count * ROW_BYTES;
  *buf = glif_malloc(*size);
  if (!*buf) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory packing rows");
  unsigned char *p = *buf;
  memcpy(p, &count, 8), p += 8;
  for (int64_t i = 0; i < n; i++) {
    if (!dse_rank_owns(i, r, n_ranks)) continue;
    memcpy(p, &i, 8);
    memcpy(p + 8, &rows[i], sizeof(dse_row));
    p += ROW_BYTES;
  }
  return 0;
}

int dse_unpack_rows(const unsigned char *buf, size_t size, dse_row *rows, int64_t n,
                    glif_err *err) {
  uint64_t count;
  if (size < 8) return glif_errf(err, GLIF_ECORRUPT, NULL, 0, 0, "packed rows: %zu bytes, "
                                 "shorter than the 8-byte count", size);
  memcpy(&count, buf, 8);
  if (count > (size - 8) / ROW_BYTES || 8 + count * ROW_BYTES != size)
    return glif_errf(err, GLIF_ECORRUPT, NULL, 0, 0, "packed rows: %llu rows do not fill "
                     "%zu bytes", (unsigned long long)count, size);
  for (uint64_t k = 0; k < count; k++) {
    const unsigned char *p = buf + 8 + k * ROW_BYTES;
    int64_t i;
    memcpy(&i, p, 8);
    if (i < 0 || i >= n)
      return glif_errf(err, GLIF_ECORRUPT, NULL, 0, 0, "packed rows: row index %lld outside "
                       "0 .. %lld", (long long)i, (long long)n - 1);
    memcpy(&rows[i], p + 8, sizeof(dse_row));
    rows[i].reason[DSE_REASON_MAX - 1] = '\0';
  }
  return 0;
}
