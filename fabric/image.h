/*
 * image.h - the chip image: the one binary file the compiler writes and the simulator
 * and the RTL harness read. Every byte of it is described here (Lua's lopcodes.h is the
 * model); writer, reader and harness include this header and nothing else defines the
 * layout.
 *
 * All integers little-endian, all doubles IEEE-754 binary64 little-endian. Every
 * section starts 8-byte aligned; padding bytes are zero.
 *
 * FILE
 *   +0            header                      IMG_HEADER_SIZE (64) bytes
 *   +64           section directory           n_sections x IMG_DIRENT_SIZE (32)
 *   ...           sections, in directory order: ARCH, NET, INPUT, OUTPUT,
 *                 then one CORE per used core in increasing core index (y*mesh_x + x)
 *
 * HEADER (64 bytes)
 *   off size field
 *     0   8  magic        "GLIFIMG\0"
 *     8   4  version      IMG_VERSION; another version is refused
 *    12   4  header_size  64
 *    16   8  file_size    total bytes; a shorter or longer file is refused
 *    24   4  n_sections   4 + number of CORE sections
 *    28   4  arch_hash    arch_hash() of the architecture compiled for
 *    32   4  dir_crc      CRC-32 of the section directory
 *    36  24  reserved     zero
 *    60   4  header_crc   CRC-32 of bytes 0..59
 *
 * DIRECTORY ENTRY (32 bytes)
 *     0   4  type         IMG_SEC_*
 *     4   4  index        CORE: core index y*mesh_x+x; others 0
 *     8   8  offset       from the start of the file, multiple of 8
 *    16   8  size         bytes of the section (without trailing padding)
 *    24   4  crc          CRC-32 of the section's bytes
 *    28   4  reserved     zero
 *
 * ARCH SECTION (IMG_ARCH_SIZE = 240 bytes): the full glif_arch
 *     0  64  name         NUL-padded
 *    64  92  23 x u32     mesh_x mesh_y io_x io_y neurons axons delay_slots groups
 *                         max_steps fanout_entries lanes pipeline_depth core_buffer
 *                         weight_bits membrane_bits acc_bits frac_bits shift_max
 *                         payload_in_bits payload_sum_bits router_latency
 *                         router_buffer barrier_cycles        (in this order)
 *   156   4  reserved
 *   160  80  10 x f64     clock_mhz e_synop e_mac e_row_read e_update e_spike
 *                         e_packet e_hop e_barrier static_uw_per_core
 *
 * NET SECTION: 96-byte header, then n_layers LAYER records (160 bytes each)
 *     0   4  T            logical steps per inference (1..max_steps)
 *     4   4  n_ticks      ticks per inference = T + max layer offset
 *     8   4  n_layers
 *    12   4  n_cores      number of CORE sections
 *    16   4  n_outputs
 *    20   4  flags        zero
 *    24  64  model_name   NUL-padded
 *    88   8  reserved
 *   LAYER (160 bytes): every neuron population of the compiled network, in
 *   topological order (the order of traces). Relay populations are included.
 *     0 128  name         NUL-padded layer name from the model ("lif1", "lif1.psum")
 *   128   4  kind         NRN_SPIKING / NRN_READOUT / NRN_RELAY
 *   132   4  first_tick   tick of logical step 1 (the layer's offset o)
 *   136   4  n_neurons    c*h*w
 *   140  12  c h w        shape; neuron index = (ci*h + y)*w + x
 *   152   8  reserved
 *
 * INPUT SECTION: 48-byte header, offsets u32[n_inputs + 1] (padded to 8), then
 * n_entries FANOUT records. Input element i (C-order index into [c,h,w]) sends one
 * packet per entry offsets[i] <= e < offsets[i+1]. The host injects the packets of
 * logical step t in tick t-1, in increasing (i, e) order, through the I/O port;
 * elements whose quantised value is 0 send nothing.
 *     0  12  c h w        input shape
 *    12   4  encoding     IMG_ENC_DIRECT (graded payloads, same every step) or
 *                         IMG_ENC_SPIKES (binary, one frame per step)
 *    16   4  T
 *    20   4  payload_bits P of input packets
 *    24   8  scale        f64: float value of one payload LSB; payload =
 *                         clamp(round_half_away(x / scale), -(2^(P-1)-1), 2^(P-1)-1)
 *    32   4  n_inputs     c*h*w
 *    36   4  n_entries
 *    40   8  reserved
 *
 * OUTPUT SECTION: 8-byte header, then n_outputs OUTPUT records (16 bytes)
 *     0   4  n_outputs
 *     4   4  reserved
 *   OUTPUT: output i = u * scale, u the readout neuron's membrane after its last
 *   logical step (tick first_tick + T - 1 of its group)
 *     0   2  x            core
 *     2   2  y
 *     4   4  neuron       index within the core
 *     8   8  scale        f64 dequantisation factor (membrane unit / T)
 *
 * CORE SECTION: 32-byte header, then these arrays, each padded to 8 bytes:
 *   groups   n_groups  x (32 + 4*T) bytes
 *   neurons  n_neurons x 12 bytes
 *   axons    n_axons   x 1 byte
 *   crossbar n_axons   x n_neurons int8, row-major: weight of axon a on neuron j at
 *            a*n_neurons + j
 *   fanout   n_fanout  x 8 bytes
 *   symbols  n_neurons x 8 bytes (debug information: not loaded into hardware)
 *   header:
 *     0   2  x            core position in the mesh
 *     2   2  y
 *     4   4  n_neurons    columns used, 1..arch.neurons
 *     8   4  n_axons      rows used, 0..arch.axons
 *    12   4  n_groups     1..arch.groups
 *    16   4  n_fanout     0..arch.fanout_entries
 *    20   4  T            gain entries per group (= NET.T)
 *    24   8  reserved
 *   GROUP (32 + 4*T bytes): parameters shared by its neurons (nrn_param without g)
 *     0   4  k            UQ1.F
 *     4   4  ks           UQ1.F
 *     8   4  d            i32 membrane units
 *    12   4  r            i32
 *    16   4  theta        i32
 *    20   4  bias         i32
 *    24   1  kind         NRN_*
 *    25   1  shift        M: a binary spike adds w << M (0..shift_max)
 *    26   2  reserved
 *    28   4  first_tick   tick of logical step 1; active in ticks first_tick ..
 *                         first_tick + T - 1, holding u = 0, s = 0 outside
 *    32 4*T  gain[t]      UQ1.F gain of logical step t+1
 *   NEURON (12 bytes)
 *     0   2  group        index into groups
 *     2   2  reserved
 *     4   4  fanout_start first entry in fanout
 *     8   4  fanout_count entries (fanout_start + fanout_count <= n_fanout)
 *   AXON (1 byte): flags, IMG_AXON_GRADED when packets to it carry payloads
 *   FANOUT (8 bytes): one packet per entry when the neuron emits
 *     0   2  x            destination core
 *     2   2  y
 *     4   2  axon         destination axon (< that core's n_axons)
 *     6   1  delay        dly: integrated in tick h + 1 + dly (0..delay_slots-2)
 *     7   1  flags        IMG_FAN_GRADED: the packet carries the relay's payload
 *   SYMBOL (8 bytes)
 *     0   4  layer        index into NET layers
 *     4   4  index        neuron index within that layer
 */
#ifndef GLIF_IMAGE_H
#define GLIF_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "err.h"
#include "nrn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define IMG_MAGIC "GLIFIMG"   /* 7 chars + NUL = 8 bytes */
#define IMG_VERSION 1u

#define IMG_HEADER_SIZE 64u
#define IMG_DIRENT_SIZE 32u
#define IMG_ARCH_SIZE 240u
#define IMG_NET_HEADER_SIZE 96u
#define IMG_LAYER_SIZE 160u
#define IMG_INPUT_HEADER_SIZE 48u
#define IMG_OUTPUT_HEADER_SIZE 8u
#define IMG_OUTPUT_SIZE 16u
#define IMG_CORE_HEADER_SIZE 32u
#define IMG_GROUP_FIXED_SIZE 32u
#define IMG_NEURON_SIZE 12u
#define IMG_FANOUT_SIZE 8u
#define IMG_SYMBOL_SIZE 8u
#define IMG_LAYER_NAME_MAX 128u
#define IMG_MODEL_NAME_MAX 64u

enum img_section {
  IMG_SEC_ARCH = 1,
  IMG_SEC_NET = 2,
  IMG_SEC_INPUT = 3,
  IMG_SEC_OUTPUT = 4,
  IMG_SEC_CORE = 5
};

enum img_encoding { IMG_ENC_DIRECT = 0, IMG_ENC_SPIKES = 1 };

#define IMG_AXON_GRADED 0x01u
#define IMG_FAN_GRADED 0x01u

/* Size of a GROUP record for T steps. */
#define IMG_GROUP_SIZE(T) (IMG_GROUP_FIXED_SIZE + 4u * (uint32_t)(T))
/* n rounded up to a multiple of 8. */
#define IMG_PAD8(n) (((uint64_t)(n) + 7u) & ~(uint64_t)7u)

#ifdef __cplusplus /* the C++ RTL harness includes this header */
#define IMG_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define IMG_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
IMG_STATIC_ASSERT(IMG_HEADER_SIZE == 8 + 4 + 4 + 8 + 4 + 4 + 4 + 24 + 4, "header");
IMG_STATIC_ASSERT(IMG_ARCH_SIZE == 64 + 23 * 4 + 4 + 10 * 8, "arch section");
IMG_STATIC_ASSERT(IMG_LAYER_SIZE == IMG_LAYER_NAME_MAX + 3 * 4 + 12 + 8, "layer");

/* ---- decoded, in-memory form -------------------------------------------------- */

typedef struct img_layer {
  char name[IMG_LAYER_NAME_MAX];
  uint32_t kind;        /* NRN_* */
  uint32_t first_tick;  /* offset o */
  uint32_t n_neurons;
  uint32_t c, h, w;
} img_layer;

typedef struct img_group {
  nrn_param p;          /* p.g unused: gain[t] per logical step */
  uint8_t shift;        /* M */
  uint32_t first_tick;
  uint32_t *gain;       /* [T] */
} img_group;

typedef struct img_neuron {
  uint16_t group;
  uint32_t fanout_start, fanout_count;
} img_neuron;

typedef struct img_fanout {
  uint16_t x, y, axon;
  uint8_t delay, flags;
} img_fanout;

typedef struct img_symbol {
  uint32_t layer, index;
} img_symbol;

typedef struct img_core {
  uint16_t x, y;
  uint32_t n_neurons, n_axons, n_groups, n_fanout;
  img_group *groups;       /* [n_groups] */
  img_neuron *neurons;     /* [n_neurons] */
  uint8_t *axon_flags;     /* [n_axons] */
  int8_t *crossbar;        /* [n_axons * n_neurons] */
  img_fanout *fanout;      /* [n_fanout] */
  img_symbol *symbols;     /* [n_neurons] */
} img_core;

typedef struct img_input {
  uint32_t c, h, w;
  uint32_t encoding;       /* IMG_ENC_* */
  uint32_t payload_bits;
  double scale;
  uint32_t n_inputs, n_entries;
  uint32_t *offsets;       /* [n_inputs + 1] */
  img_fanout *entries;     /* [n_entries] */
} img_input;

typedef struct img_output {
  uint16_t x, y;
  uint32_t neuron;
  double scale;
} img_output;

typedef struct img_image {
  glif_arch arch;
  uint32_t T, n_ticks;
  char model_name[IMG_MODEL_NAME_MAX];
  uint32_t n_layers;
  img_layer *layers;
  img_input input;
  uint32_t n_outputs;
  img_output *outputs;
  uint32_t n_cores;
  img_core *cores;         /* increasing core index */
  void *priv;              /* owned storage (reader) */
} img_image;

/* ---- writing ---------------------------------------------------------------------
 * Streaming, so a compiler never holds every crossbar at once. Calls in this order:
 * open, net, input, output, core x n_cores (increasing core index), close. The file is
 * written to a temporary name beside `path` and renamed by close; abort (or any
 * failing call) removes it, so a failed compile leaves no partial image. */
typedef struct img_writer img_writer;

int img_writer_open(img_writer **w, const char *path, const glif_arch *arch,
                    uint32_t n_cores, glif_err *err);
int img_writer_net(img_writer *w, uint32_t T, uint32_t n_ticks,
                   const char *model_name, const img_layer *layers,
                   uint32_t n_layers, uint32_t n_outputs, glif_err *err);
int img_writer_input(img_writer *w, const img_input *in, glif_err *err);
int img_writer_output(img_writer *w, const img_output *out, uint32_t n,
                      glif_err *err);
int img_writer_core(img_writer *w, const img_core *core, glif_err *err);
int img_writer_close(img_writer *w, glif_err *err); /* frees w */
void img_writer_abort(img_writer *w);                /* frees w */

/* Whole image in one call (tests, small tools). */
int img_write(const char *path, const img_image *img, glif_err *err);

/* ---- reading ---------------------------------------------------------------------
 * Checks magic, version, sizes, every CRC, then every field's range and every
 * cross-reference (group indices, fan-out ranges, destination cores and axons,
 * delays < delay_slots - 1, shifts, gains, layer indices). A truncated, corrupted or
 * foreign file gets GLIF_ECORRUPT / GLIF_EVERSION with a message naming the section
 * and the numbers; never a crash. */
int img_read(const char *path, img_image **out, glif_err *err);
int img_read_buffer(const void *data, size_t size, const char *name,
                    img_image **out, glif_err *err);
void img_free(img_image *img);

/* 0 when `arch` is structurally the architecture the image was compiled for, else
 * GLIF_EARCH with the first differing field named. */
int img_check_arch(const img_image *img, const glif_arch *arch, glif_err *err);

/* Index of core (x, y) in img->cores, or -1. O(1) after img_read. */
int32_t img_core_index(const img_image *img, uint32_t x, uint32_t y);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_IMAGE_H */
