/*
 * golden.c - does the compiled chip compute what the model computes? The golden model
 * (compiler/reference.h, fixed point, no mapping) and the simulated chip both write the
 * spike trace of docs/trace-format.md; this file writes the golden one and compares
 * two traces sample by sample.
 *
 *   front end -> golden trace (once per front end) --+
 *   compile -> image -> simulator -> chip trace -------+-> dse_trace_compare -> row
 *
 * The chip must agree exactly (DESIGN section 2: one arithmetic everywhere); the sweep
 * reports how many samples agree and, over all spikes, the fraction present in both
 * traces, so a mismatch is visible and measurable rather than a crash.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../compiler/reference.h"
#include "../fabric/trace.h"
#include "dse_int.h"

/* ---- writing the golden trace ---------------------------------------------------------- */

int dse_golden_trace(const dse_front *f, const double *samples, int64_t n, const char *path,
                     glif_err *err) {
  const ir_net *net = f->ctx.net;
  ref_model *rm = NULL;
  trace_writer *tw = NULL;
  const int64_t size = ref_sample_size(net);
  int rc = ref_create(&rm, net, &f->ctx.arch, REF_FIXED, err);
  if (!rc) rc = trace_open(&tw, path, net->model->name, net->T, err);
  if (!rc && ref_trace_layers(rm, tw))
    rc = glif_errf(err, GLIF_EIO, path, 0, 0, "cannot write the golden trace");
  for (int64_t k = 0; !rc && k < n; k++) {
    rc = ref_run(rm, samples + k * size, err);
    if (!rc && ref_trace_sample(rm, tw, k))
      rc = glif_errf(err, GLIF_EIO, path, 0, 0, "cannot write the golden trace");
  }
  if (tw) rc = rc ? (trace_abort(tw), rc) : trace_close(tw, err);
  ref_destroy(rm);
  return rc;
}

/* ---- reading traces line by line --------------------------------------------------------- */

typedef struct reader {
  FILE *f;
  char *line;       /* current line without its newline */
  size_t cap;
} reader;

/* Reads the next line; 0, 1 at the end of the file, or GLIF_ENOMEM. */
static int next_line(reader *r) {
  size_t n = 0;
  int c;
  while ((c = fgetc(r->f)) != EOF && c != '\n') {
    if (n + 2 > r->cap) {
      size_t cap = r->cap ? 2 * r->cap : 256;
      char *p = glif_realloc(r->line, cap);
      if (!p) return GLIF_ENOMEM;
      r->line = p, r->cap = cap;
    }
    r->line[n++] = (char)c;
  }
  if (c == EOF && n == 0) return 1;
  if (!r->line && !(r->line = glif_malloc(r->cap = 256))) return GLIF_ENOMEM;
  r->line[n] = '\0';
  return 0;
}

/* Skips the header: stops on the first "sample" line (or the end). */
static int skip_header(reader *r) {
  int rc;
  while (!(rc = next_line(r)) && strncmp(r->line, "sample ", 7)) {}
  return rc;
}

/* Spike count of an "s i t n1 n2 ..." line (words after the third). */
static uint64_t count_spikes(const char *s) {
  uint64_t words = 0;
  for (const char *p = s; *p;) {
    while (*p == ' ') p++;
    if (!*p) break;
    words++;
    while (*p && *p != ' ') p++;
  }
  return words > 3 ? words - 3 : 0;
}

/* Position after the "s i t" prefix of a spike line. */
static const char *after_prefix(const char *s) {
  const char *p = s;
  for (int k = 0; k < 3 && p; k++) p = strchr(p + (k > 0), ' ');
  return p ? p : s + strlen(s);
}

/* Matched spikes of two spike lines with the same prefix: a merge of ascending lists. */
static uint64_t count_matched(const char *a, const char *b) {
  uint64_t matched = 0;
  char *ea, *eb;
  const char *pa = after_prefix(a), *pb = after_prefix(b);
  unsigned long x = strtoul(pa, &ea, 10), y = strtoul(pb, &eb, 10);
  while (ea != pa && eb != pb) {
    if (x == y) matched++;
    if (x <= y) pa = ea, x = strtoul(pa, &ea, 10);
    else pb = eb, y = strtoul(pb, &eb, 10);
  }
  return matched;
}

static int same_prefix(const char *a, const char *b) {
  const size_t la = (size_t)(after_prefix(a) - a), lb = (size_t)(after_prefix(b) - b);
  return la == lb && !strncmp(a, b, la);
}

/* Folds one pair of lines of a sample into out; returns 1 when they differ. */
static int compare_lines(const char *g, const char *c, dse_agree *out) {
  const int spikes_g = g[0] == 's', spikes_c = c[0] == 's';
  const uint64_t ng = spikes_g ? count_spikes(g) : 0, nc = spikes_c ? count_spikes(c) : 0;
  uint64_t m = spikes_g && spikes_c && same_prefix(g, c) ? count_matched(g, c) : 0;
  out->matched += m;
  out->either += ng + nc - m;
  return strcmp(g, c) != 0;
}

/* Compares one sample block (after its "sample" lines); returns 0, 1 at the end of a
 * file, or an error. *equal receives whether every line agreed. */
static int compare_sample(reader *g, reader *c, dse_agree *out, int *equal) {
  int differ = strcmp(g->line, c->line) != 0;
  int rg, rc;
  for (;;) {
    if ((rg = next_line(g)) < 0 || (rc = next_line(c)) < 0) return GLIF_ENOMEM;
    if (rg || rc) return *equal = 0, 1;
    const int end_g = !strcmp(g->line, "end"), end_c = !strcmp(c->line, "end");
    if (end_g && end_c) break;
    if (end_g != end_c) return *equal = 0, 1; /* different structure: stop comparing */
    differ |= compare_lines(g->line, c->line, out);
  }
  *equal = !differ;
  return 0;
}

static int compare_files(reader *g, reader *c, dse_agree *out) {
  int rg = skip_header(g), rc = skip_header(c);
  if (rg < 0 || rc < 0) return GLIF_ENOMEM;
  while (!rg && !rc) {
    int equal = 0, r = compare_sample(g, c, out, &equal);
    if (r < 0) return r;
    out->samples_equal += equal;
    if (r) break;
    if ((rg = next_line(g)) < 0 || (rc = next_line(c)) < 0) return GLIF_ENOMEM;
  }
  return 0;
}

int dse_trace_compare(const char *golden, const char *chip, dse_agree *out, glif_err *err) {
  reader g = {fopen(golden, "rb"), NULL, 0}, c = {fopen(chip, "rb"), NULL, 0};
  memset(out, 0, sizeof *out);
  int rc = 0;
  if (!g.f || !c.f)
    rc = glif_errf(err, GLIF_EIO, g.f ? chip : golden, 0, 0, "cannot open the trace (%s)",
                   strerror(errno));
  else if ((rc = compare_files(&g, &c, out)))
    rc = glif_errf(err, rc, NULL, 0, 0, "out of memory comparing traces");
  if (g.f) fclose(g.f);
  if (c.f) fclose(c.f);
  glif_free(g.line), glif_free(c.line);
  return rc;
}
