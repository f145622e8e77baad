/* image.c - placeholder until the chip-image writer and reader land. */
#include "image.h"

int img_writer_open(img_writer **w, const char *path, const glif_arch *arch,
                    uint32_t n_cores, glif_err *err) {
  (void)w; (void)arch; (void)n_cores;
  return glif_errf(err, GLIF_EUNSUPPORTED, path, 0, 0, "chip images are not built yet");
}
int img_writer_net(img_writer *w, uint32_t T, uint32_t n_ticks, const char *model_name,
                   const img_layer *layers, uint32_t n_layers, uint32_t n_outputs,
                   glif_err *err) {
  (void)w; (void)T; (void)n_ticks; (void)model_name; (void)layers; (void)n_layers; (void)n_outputs;
  return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "chip images are not built yet");
}
int img_writer_input(img_writer *w, const img_input *in, glif_err *err) {
  (void)w; (void)in; return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "not built yet");
}
int img_writer_output(img_writer *w, const img_output *o, uint32_t n, glif_err *err) {
  (void)w; (void)o; (void)n; return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "not built yet");
}
int img_writer_core(img_writer *w, const img_core *c, glif_err *err) {
  (void)w; (void)c; return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "not built yet");
}
int img_writer_close(img_writer *w, glif_err *err) {
  (void)w; return glif_errf(err, GLIF_EUNSUPPORTED, NULL, 0, 0, "not built yet");
}
void img_writer_abort(img_writer *w) { (void)w; }
int img_write(const char *path, const img_image *img, glif_err *err) {
  (void)img; return glif_errf(err, GLIF_EUNSUPPORTED, path, 0, 0, "not built yet");
}
int img_read(const char *path, img_image **out, glif_err *err) {
  (void)out; return glif_errf(err, GLIF_EUNSUPPORTED, path, 0, 0, "chip images are not built yet");
}
int img_read_buffer(const void *d, size_t n, const char *name, img_image **out, glif_err *err) {
  (void)d; (void)n; (void)out; return glif_errf(err, GLIF_EUNSUPPORTED, name, 0, 0, "not built yet");
}
void img_free(img_image *img) { (void)img; }
int img_check_arch(const img_image *img, const glif_arch *a, glif_err *err) {
  (void)img; (void)a; (void)err; return 0;
}
int32_t img_core_index(const img_image *img, uint32_t x, uint32_t y) {
  (void)img; (void)x; (void)y; return -1;
}
