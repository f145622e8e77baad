/*
 * ofile.h - every output file of the toolchain is written to a temporary file beside
 * its path and renamed into place only when complete, so a failed run never leaves a
 * partial image, report, trace or picture behind (DESIGN section 7). One implementation,
 * used by the image writer's callers, reports, traces, .npy files and pictures. Text
 * inputs (model, architecture, sweep and run-report files) are read by glif_read_text.
 */
#ifndef GLIF_OFILE_H
#define GLIF_OFILE_H

#include <stdio.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct glif_ofile {
  FILE *f;     /* open for writing while the file is being produced */
  char *path;  /* the final name */
  char *tmp;   /* "<path>.tmp.XXXXXX" in the same folder, mode 0666 & ~umask */
} glif_ofile;

/* Creates the temporary file. `what` names the output in messages ("the trace"). */
int glif_ofile_open(glif_ofile *o, const char *path, const char *what, glif_err *err);
/* Checks every write, closes and renames into place; on failure removes the temporary
 * file. Either way o is released. */
int glif_ofile_commit(glif_ofile *o, const char *what, glif_err *err);
/* Closes and removes the temporary file (safe on a zeroed or released o). */
void glif_ofile_abort(glif_ofile *o);

/* text and a final newline, as a whole file. */
int glif_ofile_write_text(const char *path, const char *what, const char *text,
                          glif_err *err);

/* The input side: reads the whole regular file at path into a NUL-terminated heap
 * buffer (*out, free with glif_free; *len bytes before the NUL). `what` names the file in
 * messages ("the architecture file"), `hint` says what to give instead. Refuses a missing
 * file (GLIF_EMISSING), a directory or other non-regular file and read errors (GLIF_EIO),
 * and more than max bytes (GLIF_ERANGE): a device or a huge file cannot hang us. */
int glif_read_text(const char *path, const char *what, const char *hint, size_t max,
                   char **out, size_t *len, glif_err *err);

/* The process umask, read without changing it for good. */
unsigned glif_umask(void);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_OFILE_H */
