/* report.html: one self-contained page per run folder for a reader of the
 * paper (`phasebench plot` writes it).
 *
 * It shows every key/value of manifest.csv (battery, backend, dtype,
 * platform, data fingerprint, ...), the claims of claims.csv with their
 * verdicts told apart by text and colour (PASS, FAIL, NOT JUDGED), each
 * figure of the plot result (the SVG, else the PNG, by relative link, with
 * its data and script) or the sentence saying why it was not drawn, and a
 * link to every CSV of the folder.  No script, no external style sheet, font
 * or network resource.  It is written with libxml2's xmlTextWriter (all
 * escaping is libxml2's; links are URI-escaped by xmlURIEscapeStr), into a
 * temporary file renamed over report.html when complete. */
#ifndef PB_REPORT_HTML_H
#define PB_REPORT_HTML_H

#include "plot.h"

#include <stddef.h>

/* Write run_dir/report.html for the figures of res drawn into fig_dir in
 * `formats` (PB_PLOT_*).  res may hold no figure (n = 0): the page then
 * says the figures were not drawn.  Fills path with the file written.
 * Returns 0, or -1 with a message naming the file in err (an earlier
 * report.html is then left as it was). */
int pb_report_html_write(const char *run_dir, const char *fig_dir, unsigned formats,
                         const pb_plot_result *res, char *path, size_t path_len,
                         char *err, size_t err_len);

#endif
