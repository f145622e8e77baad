/*
 * imgsize.c - the size a chip image file would have, computed from the decoded image
 * and the layout of fabric/image.h, so a sweep can report image bytes without writing
 * a file per point. A test checks it against img_write byte for byte.
 */
#include "dse_int.h"

static uint64_t core_bytes(const img_core *c, uint32_t T) {
  const uint64_t n = c->n_neurons, a = c->n_axons;
  return IMG_PAD8(IMG_CORE_HEADER_SIZE + (uint64_t)c->n_groups * IMG_GROUP_SIZE(T)) +
         IMG_PAD8(n * IMG_NEURON_SIZE) + IMG_PAD8(a) + IMG_PAD8(a * n) +
         (uint64_t)c->n_fanout * IMG_FANOUT_SIZE + n * IMG_SYMBOL_SIZE;
}

uint64_t dse_image_bytes(const img_image *img) {
  const uint64_t sections = 4 + (uint64_t)img->n_cores;
  uint64_t size = IMG_HEADER_SIZE + sections * IMG_DIRENT_SIZE;
  size += IMG_PAD8(IMG_ARCH_SIZE);
  size += IMG_PAD8(IMG_NET_HEADER_SIZE + (uint64_t)img->n_layers * IMG_LAYER_SIZE);
  size += IMG_PAD8(IMG_PAD8(IMG_INPUT_HEADER_SIZE + 4 * ((uint64_t)img->input.n_inputs + 1)) +
                   (uint64_t)img->input.n_entries * IMG_FANOUT_SIZE);
  size += IMG_PAD8(IMG_OUTPUT_HEADER_SIZE + (uint64_t)img->n_outputs * IMG_OUTPUT_SIZE);
  for (uint32_t i = 0; i < img->n_cores; i++) size += IMG_PAD8(core_bytes(&img->cores[i], img->T));
  return size;
}
