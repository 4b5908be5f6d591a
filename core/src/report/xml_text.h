/* Text that may go into an XML or HTML document.  Report fields come from
 * CSV files and may hold anything; XML 1.0 allows only valid UTF-8 without
 * most control characters, and libxml2's writer fails on the rest. */
#ifndef PB_XML_TEXT_H
#define PB_XML_TEXT_H

/* A malloc'd copy of s (NULL reads as "") in which every byte that is not
 * part of a valid UTF-8 sequence, and every control character but tab, LF
 * and CR, is replaced by '?'.  NULL when out of memory. */
char *pb_xml_clean(const char *s);

#endif
