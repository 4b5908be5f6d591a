/* See xml_text.h. */
#include "xml_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

/* Length of the valid UTF-8 sequence at p (1-4), or 0 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned min, cp;
    if ((c & 0xE0) == 0xC0) {
        n = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
        cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return n;
}

char *pb_xml_clean(const char *s)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_len(p + i);
        if (n == 0) {
            out[i++] = '?';
        } else if (n == 1 && p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
                   p[i] != '\r') {
            out[i++] = '?';
        } else {
            memcpy(out + i, p + i, n);
            i += n;
        }
    }
    out[len] = '\0';
    return out;
}

int pb_xw_open(pb_xw *x, const char *path, const char *doctype, char *err, size_t err_len)
{
    memset(x, 0, sizeof *x);
    if (!pb_atomic_open(&x->out, path, err, err_len))
        return -1;
    /* libxml2 writes into our stream and only flushes it on free: closing,
     * syncing and the rename stay with pb_atomic_close. */
    xmlOutputBufferPtr ob = xmlOutputBufferCreateFile(x->out.f, NULL);
    x->w = ob ? xmlNewTextWriter(ob) : NULL;
    if (!x->w) {
        if (ob)
            xmlOutputBufferClose(ob);
        pb_atomic_abort(&x->out);
        snprintf(err, err_len, "%s: out of memory for the XML writer", path);
        return -1;
    }
    if (xmlTextWriterSetIndent(x->w, 1) < 0)
        x->bad = 1;
    else if (doctype && xmlTextWriterWriteDTD(x->w, BAD_CAST doctype, NULL, NULL, NULL) < 0)
        x->bad = 1;
    else if (!doctype && xmlTextWriterStartDocument(x->w, NULL, "UTF-8", NULL) < 0)
        x->bad = 1;
    return 0;
}

void pb_xw_start(pb_xw *x, const char *name)
{
    if (!x->bad && xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
        x->bad = 1;
}

void pb_xw_end(pb_xw *x)
{
    if (!x->bad && xmlTextWriterEndElement(x->w) < 0)
        x->bad = 1;
}

void pb_xw_end_full(pb_xw *x)
{
    if (!x->bad && xmlTextWriterFullEndElement(x->w) < 0)
        x->bad = 1;
}

void pb_xw_attr(pb_xw *x, const char *name, const char *value)
{
    if (x->bad)
        return;
    char *v = pb_xml_clean(value);
    if (!v || xmlTextWriterWriteAttribute(x->w, BAD_CAST name, BAD_CAST v) < 0)
        x->bad = 1;
    free(v);
}

void pb_xw_attr_n(pb_xw *x, const char *name, size_t n)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", n);
    pb_xw_attr(x, name, buf);
}

void pb_xw_text(pb_xw *x, const char *s)
{
    if (x->bad)
        return;
    char *v = pb_xml_clean(s);
    if (!v || xmlTextWriterWriteString(x->w, BAD_CAST v) < 0)
        x->bad = 1;
    free(v);
}

int pb_xw_close(pb_xw *x, char *err, size_t err_len)
{
    if (!x->bad && (xmlTextWriterEndDocument(x->w) < 0 || xmlTextWriterFlush(x->w) < 0))
        x->bad = 1;
    xmlFreeTextWriter(x->w); /* flushes into x->out.f, which stays open */
    x->w = NULL;
    if (x->bad) {
        snprintf(err, err_len, "%s: write error (libxml2 writer)", x->out.path);
        pb_atomic_abort(&x->out);
        return -1;
    }
    return pb_atomic_close(&x->out, err, err_len);
}
