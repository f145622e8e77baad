/*
 * ofile.c - output files written to a temporary name and renamed when complete, and
 * whole text files read with a size limit.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, fchmod */
#include "ofile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

unsigned glif_umask(void) {
  const mode_t m = umask(0);
  umask(m);
  return (unsigned)m;
}

int glif_ofile_open(glif_ofile *o, const char *path, const char *what, glif_err *err) {
  memset(o, 0, sizeof *o);
  const size_t n = strlen(path) + 16;
  o->path = glif_strdup(path);
  o->tmp = glif_malloc(n);
  if (!o->path || !o->tmp) {
    glif_ofile_abort(o);
    return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory creating %s", what);
  }
  snprintf(o->tmp, n, "%s.tmp.XXXXXX", path);
  const int fd = mkstemp(o->tmp);
  if (fd >= 0) fchmod(fd, 0666 & ~(mode_t)glif_umask()); /* mkstemp made it 0600 */
  if (fd >= 0 && !(o->f = fdopen(fd, "wb"))) close(fd);
  if (!o->f) {
    const int e = errno;
    if (fd >= 0) unlink(o->tmp);
    glif_free(o->tmp);
    o->tmp = NULL;
    glif_ofile_abort(o);
    return glif_errf(err, GLIF_EIO, path, 0, 0, "cannot create %s (%s) - check that the "
                     "folder exists and is writable", what, strerror(e));
  }
  return 0;
}

int glif_ofile_commit(glif_ofile *o, const char *what, glif_err *err) {
  int bad = ferror(o->f) != 0;
  bad |= fclose(o->f) != 0;
  o->f = NULL;
  if (bad || rename(o->tmp, o->path) != 0) {
    const int rc = glif_errf(err, GLIF_EIO, o->path, 0, 0, "cannot write %s (%s) - check "
                             "the disk space and the folder's permissions", what,
                             strerror(errno));
    glif_ofile_abort(o);
    return rc;
  }
  glif_free(o->tmp);
  glif_free(o->path);
  memset(o, 0, sizeof *o);
  return 0;
}

void glif_ofile_abort(glif_ofile *o) {
  if (o->f) fclose(o->f);
  if (o->tmp) unlink(o->tmp);
  glif_free(o->tmp);
  glif_free(o->path);
  memset(o, 0, sizeof *o);
}

int glif_ofile_write_text(const char *path, const char *what, const char *text,
                          glif_err *err) {
  glif_ofile o;
  int rc = glif_ofile_open(&o, path, what, err);
  if (rc) return rc;
  fputs(text, o.f);
  fputc('\n', o.f);
  return glif_ofile_commit(&o, what, err);
}

int glif_read_text(const char *path, const char *what, const char *hint, size_t max,
                   char **out, size_t *len, glif_err *err) {
  *out = NULL, *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return glif_errf(err, errno == ENOENT ? GLIF_EMISSING : GLIF_EIO, path, 0, 0,
                     "cannot open %s: %s - %s", what, strerror(errno), hint);
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
    fclose(f);
    return glif_errf(err, GLIF_EIO, path, 0, 0, "cannot read %s: %s - %s", what,
                     S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file",
                     hint);
  }
  size_t cap = 4096, n = 0;
  char *buf = glif_malloc(cap);
  int rc = buf ? 0 : glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory reading %s", what);
  while (!rc) {
    n += fread(buf + n, 1, cap - 1 - n, f);
    if (ferror(f))
      rc = glif_errf(err, GLIF_EIO, path, 0, 0, "cannot read %s: %s - %s", what,
                     strerror(errno), hint);
    else if (n > max)
      rc = glif_errf(err, GLIF_ERANGE, path, 0, 0, "the file is larger than %zu bytes - "
                     "is it %s? (%s)", max, what, hint);
    else if (feof(f))
      break;
    else if (n == cap - 1) {
      char *bigger = glif_realloc(buf, cap * 2);
      if (!bigger)
        rc = glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory reading %s", what);
      else
        buf = bigger, cap *= 2;
    }
  }
  fclose(f);
  if (rc) {
    glif_free(buf);
    return rc;
  }
  buf[n] = '\0';
  *out = buf, *len = n;
  return 0;
}
