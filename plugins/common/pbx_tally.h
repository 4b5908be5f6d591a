/* Counts of the stop reasons of a group of runs, for a table cell such as
 * "converged=2;max_steps=1": a reader sees at once why a width counted as
 * jammed (budget spent, stalled, ...). */
#ifndef PBX_TALLY_H
#define PBX_TALLY_H

#include <stddef.h>

#define PBX_TALLY_MAX 12

typedef struct pbx_tally {
    char name[PBX_TALLY_MAX][24];
    size_t count[PBX_TALLY_MAX];
    size_t n;
} pbx_tally;

void pbx_tally_init(pbx_tally *t);

/* NULL or "" counts as "failed"; reasons beyond PBX_TALLY_MAX distinct ones
 * are counted as "other". */
void pbx_tally_add(pbx_tally *t, const char *reason);

/* "a=1;b=2" in first-seen order (truncated to len). */
void pbx_tally_format(const pbx_tally *t, char *buf, size_t len);

#endif
