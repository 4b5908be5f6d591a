/* "Did you mean": the closest known word to a misspelt one, for the
 * messages that refuse an unknown battery key, experiment section or
 * backend name.  Plain string code, below every layer that names things. */
#ifndef PB_SUGGEST_H
#define PB_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance of a and b, capped at cap + 1 (for "did you mean"). */
size_t pb_edit_distance(const char *a, const char *b, size_t cap);

/* The word of the NULL-terminated list closest to word (at most 2 edits and
 * less than half its length), or NULL. */
const char *pb_closest_word(const char *word, const char *const *words);

#endif
