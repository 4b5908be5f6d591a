/* Text that may go into an XML or HTML document.  Report fields come from
 * CSV files and may hold anything; XML 1.0 allows only valid UTF-8 without
 * most control characters, and libxml2's writer fails on the rest. */
#ifndef PB_XML_TEXT_H
#define PB_XML_TEXT_H

#include "sysutil.h"

#include <stddef.h>

/* A malloc'd copy of s (NULL reads as "") in which every byte that is not
 * part of a valid UTF-8 sequence, and every control character but tab, LF
 * and CR, is replaced by '?'.  NULL when out of memory. */
char *pb_xml_clean(const char *s);

/* A document written with libxml2's text writer through the core's safe
 * output (pb_atomic_open in util/sysutil.h): a regular file is written to
 * a temporary, synced and renamed over PATH when complete, so a reader never
 * sees half a file and a failed write leaves the old PATH as it was; a
 * device or pipe is written in place.  The writer's calls fail sticky: the
 * first failure sets `bad` and every later call does nothing, so the code
 * that builds a document reads as the document.  Every text and attribute
 * value goes through pb_xml_clean. */
typedef struct pb_xw {
    struct _xmlTextWriter *w;
    int bad;
    pb_outfile out;
} pb_xw;

/* Open the writer on path (indented output).  doctype NULL starts an XML
 * document (<?xml ... UTF-8?>); "html" writes <!DOCTYPE html>.  0, or -1
 * with a message naming the file (cannot write, out of memory). */
int pb_xw_open(pb_xw *x, const char *path, const char *doctype, char *err, size_t err_len);

void pb_xw_start(pb_xw *x, const char *name);
/* End the open element, self-closed when empty (XML; HTML void elements). */
void pb_xw_end(pb_xw *x);
/* End the open element with an explicit end tag (HTML has no <td/>). */
void pb_xw_end_full(pb_xw *x);
void pb_xw_attr(pb_xw *x, const char *name, const char *value);
void pb_xw_attr_n(pb_xw *x, const char *name, size_t n);
void pb_xw_text(pb_xw *x, const char *s);

/* Finish the document, sync it and put it in place.  0, or -1 with a
 * message (write error, rename failure); on failure the temporary is
 * removed and PATH is left as it was. */
int pb_xw_close(pb_xw *x, char *err, size_t err_len);

#endif
