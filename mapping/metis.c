/*
 * metis.c - the optional METIS partitioner (--partition metis).
 *
 *   lower -> drc -> PARTITION -> place -> route -> emit
 */
#include "map.h"

int map_partition_metis(cc_ctx *ctx, glif_err *err) {
  (void)ctx;
  return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0,
                   "--partition metis is not available yet - use --partition greedy");
}
