/* Running Debian's gnuplot (package gnuplot-nox: its pngcairo and svg
 * terminals) as a child process.  The command line is an argv, never a shell
 * string: the child changes into the figure folder and reads a script by a
 * name phasebench chose, so no user path is ever parsed by a shell or by
 * gnuplot. */
#ifndef PB_GNUPLOT_H
#define PB_GNUPLOT_H

#include <stddef.h>

/* The Debian package that provides the gnuplot program phasebench needs. */
#define PB_GNUPLOT_PACKAGE "gnuplot-nox"

/* Whether `gnuplot` on PATH starts and has the pngcairo and svg terminals.
 * Returns 0, or -1 with a message in err naming the package to install. */
int pb_gnuplot_check(char *err, size_t err_len);

/* Run `gnuplot SCRIPT` with dir as its working folder (script is a plain
 * file name inside dir).  gnuplot's own messages go to this process's
 * stderr.  Returns 0 when it exits with status 0, else -1 with a message. */
int pb_gnuplot_run(const char *dir, const char *script, char *err,
                   size_t err_len);

#endif
