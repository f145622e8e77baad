/* npy.c - placeholder until the .npy reader lands (owned by the compiler front end). */
#include "npy.h"

#include <stdio.h>

int npy_read(const char *path, npy_array *out, glif_err *err) {
  (void)out;
  return glif_errf(err, GLIF_EUNSUPPORTED, path, 0, 0, ".npy reading is not built yet");
}
void npy_free(npy_array *a) { (void)a; }
int npy_write(const char *path, int dtype, int ndim, const int64_t *shape,
              const double *data, glif_err *err) {
  (void)dtype; (void)ndim; (void)shape; (void)data;
  return glif_errf(err, GLIF_EUNSUPPORTED, path, 0, 0, ".npy writing is not built yet");
}
const char *npy_shape_str(int ndim, const int64_t *shape, char *buf, int len) {
  (void)ndim; (void)shape;
  if (len > 0) buf[0] = '\0';
  return buf;
}
