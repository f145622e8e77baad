/*
 * npy.h - reading and writing NumPy .npy arrays (format versions 1.0, 2.0, 3.0).
 *
 * Shared input format of the toolchain: model tensors (compiler), inputs and labels
 * (simulator, reference, calibration), outputs of tests. Accepted dtypes: little-endian
 * C-order float32 ('<f4'), float64 ('<f8') and int8 ('|i1', '<i1'). Anything else
 * (big-endian, Fortran order, other dtypes, object arrays, a truncated file) is refused
 * with the reason and the fix.
 */
#ifndef GLIF_NPY_H
#define GLIF_NPY_H

#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NPY_MAX_DIMS 8

enum npy_dtype { NPY_F32, NPY_F64, NPY_I8 };

typedef struct npy_array {
  int dtype;                    /* enum npy_dtype as stored in the file */
  int ndim;                     /* 0 = scalar */
  int64_t shape[NPY_MAX_DIMS];
  int64_t size;                 /* product of shape (1 for a scalar) */
  double *data;                 /* values converted to float64, C order */
} npy_array;

/* Reads a whole .npy file, converting to float64. */
int npy_read(const char *path, npy_array *out, glif_err *err);
void npy_free(npy_array *a);

/* Writes float64 data as '<f8' (dtype NPY_F64), '<f4' or '|i1' (values must be
 * integers in range). Written to a temporary file and renamed. */
int npy_write(const char *path, int dtype, int ndim, const int64_t *shape,
              const double *data, glif_err *err);

/* The input-array rule of `glif run`, `glif reference` and --calibrate: one sample is
 * [C,H,W] for direct encoding and [T,C,H,W] for spikes encoding (vectors, H = W = 1,
 * may leave out H and W), and a batch adds a leading sample axis. *n_samples gets N
 * (1 without the batch axis). GLIF_ESHAPE names `what` (e.g. "input layer 'x'"), the
 * encoding, the expected and the given shape. */
int npy_samples(const npy_array *a, int spikes, int T, int64_t c, int64_t h, int64_t w,
                const char *path, const char *what, int64_t *n_samples, glif_err *err);

/* Class labels: a [n] (or scalar when n = 1) array of integers 0 .. n_classes - 1, one
 * per input sample. *out receives n int64 values (glif_free them). GLIF_ESHAPE for
 * another count, GLIF_ERANGE naming the first label that is not a class. */
int npy_read_labels(const char *path, int64_t n, int64_t n_classes, int64_t **out,
                    glif_err *err);

/* "[3, 32, 32]" into buf. */
const char *npy_shape_str(int ndim, const int64_t *shape, char *buf, int len);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_NPY_H */
