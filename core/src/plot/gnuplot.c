/* See gnuplot.h. */
#include "gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child's exit status when exec fails: distinct from gnuplot's own
 * status 1 so that "not installed" can be told apart from a script error. */
#define EXEC_FAILED 127

/* fork/exec of argv in dir; stdout to /dev/null when quiet_out, else
 * inherited; stdin from /dev/null.  Returns the exit status, or -1 when the
 * process could not be started or was killed (message in err). */
static int run_child(const char *dir, char *const argv[], int quiet_out,
                     char *err, size_t err_len)
{
    fflush(NULL); /* nothing buffered is written twice by the child */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, err_len, "cannot start gnuplot: fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            if (quiet_out)
                dup2(null, 1);
            if (null > 2)
                close(null);
        }
        if (dir && chdir(dir) != 0)
            _exit(EXEC_FAILED - 1);
        execvp(argv[0], argv);
        _exit(EXEC_FAILED);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, err_len, "gnuplot: waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFSIGNALED(st)) {
        snprintf(err, err_len, "gnuplot was killed by signal %d", WTERMSIG(st));
        return -1;
    }
    return WEXITSTATUS(st);
}

int pb_gnuplot_check(char *err, size_t err_len)
{
    /* `set terminal pngcairo; set terminal svg` fails when either terminal
     * is missing (e.g. a gnuplot built without cairo). */
    char *const argv[] = {"gnuplot", "-e", "set terminal pngcairo; set terminal svg",
                          NULL};
    int st = run_child(NULL, argv, 1, err, err_len);
    if (st == 0)
        return 0;
    if (st == EXEC_FAILED)
        snprintf(err, err_len, "gnuplot not found on PATH: install Debian's "
                 "%s (scripts/setup-debian.sh does)", PB_GNUPLOT_PACKAGE);
    else if (st > 0)
        snprintf(err, err_len, "gnuplot lacks the pngcairo or svg terminal: "
                 "install Debian's %s", PB_GNUPLOT_PACKAGE);
    return -1;
}

int pb_gnuplot_run(const char *dir, const char *script, char *err,
                   size_t err_len)
{
    char *const argv[] = {"gnuplot", (char *)script, NULL};
    int st = run_child(dir, argv, 1, err, err_len);
    if (st == 0)
        return 0;
    if (st == EXEC_FAILED)
        snprintf(err, err_len, "gnuplot not found on PATH: install Debian's %s",
                 PB_GNUPLOT_PACKAGE);
    else if (st == EXEC_FAILED - 1)
        snprintf(err, err_len, "%s: cannot enter the folder", dir);
    else if (st > 0)
        snprintf(err, err_len, "gnuplot failed on %s/%s (exit status %d; its "
                 "message is above)", dir, script, st);
    return -1;
}
