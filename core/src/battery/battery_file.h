/* Battery files: the declarative description of a battery (which
 * experiments, datasets, grids, seeds, budgets), one file per battery in
 * benchmarks/.  The format is documented for users in benchmarks/README.md;
 * in short:
 *
 *     # comment            (also ';'; whole lines only)
 *     [battery]            exactly one, the first section; needs `name`
 *     name = smoke
 *     [defaults]           optional, at most one: training defaults
 *     steps = 1e5
 *     [experiment jam]     any number, names unique
 *     h = 4..20+4, 32, 64
 *
 * This module only knows the grammar: which keys a section may hold is the
 * business of whoever reads it (pb_bat_check_keys helps).  Every message has
 * the form FILE:LINE: message, and every entry keeps its line so that errors
 * found later (a bad value, an unknown key) point at the right place. */
#ifndef PB_BATTERY_FILE_H
#define PB_BATTERY_FILE_H

#include <stddef.h>
#include <stdint.h>

typedef enum pb_bat_kind {
    PB_BAT_BATTERY = 0,
    PB_BAT_DEFAULTS = 1,
    PB_BAT_EXPERIMENT = 2
} pb_bat_kind;

typedef struct pb_bat_entry {
    const char *path;  /* the battery file, for messages */
    char *key;
    char *value;       /* trimmed, never empty */
    int line;
} pb_bat_entry;

typedef struct pb_bat_section {
    const char *path;
    pb_bat_kind kind;
    char *name;        /* experiment name; "" for battery and defaults */
    int line;          /* line of the [header] */
    pb_bat_entry *entries; /* in file order */
    size_t n_entries;
    /* For an experiment section: the [defaults] section, or NULL.  pb_bat_get
     * falls back to it, so every experiment inherits the defaults. */
    const struct pb_bat_section *defaults;
} pb_bat_section;

typedef struct pb_battery {
    char *path;
    pb_bat_section *sections;  /* in file order; sections[0] is [battery] */
    size_t n_sections;
    const pb_bat_section *battery;   /* == &sections[0] */
    const pb_bat_section *defaults;  /* NULL when the file has none */
    const char *name;                /* the battery's `name` value */
    char hash[17];   /* FNV-1a 64 of the file bytes, 16 lowercase hex digits */
} pb_battery;

/* Status of the value helpers. */
enum { PB_BAT_OK = 0, PB_BAT_MISSING = 1, PB_BAT_ERROR = -1 };

/* Read and parse the battery file at path.  Returns 0, or -1 with
 * "FILE:LINE: message" in err.  On error b is left empty (safe to free). */
int pb_bat_read(const char *path, pb_battery *b, char *err, size_t err_len);

/* Parse text[0..len) as if read from a file called path (used by
 * pb_bat_read, and by tests). */
int pb_bat_parse(const char *path, const char *text, size_t len, pb_battery *b,
                 char *err, size_t err_len);

void pb_bat_free(pb_battery *b);

/* The experiment section called name, or NULL. */
const pb_bat_section *pb_bat_experiment(const pb_battery *b, const char *name);

/* The FNV-1a 64 hash of the file's bytes as 16 hex digits (b->hash), for the
 * run manifest: two runs of the same battery file have the same hash. */
const char *pb_bat_hash(const pb_battery *b);

/* FNV-1a 64 of len bytes, written to out as 16 lowercase hex digits. */
void pb_bat_hash_bytes(const void *data, size_t len, char out[17]);

/* The entry for key in section s, else (for an experiment section) in its
 * [defaults], else NULL.  s may be NULL (gives NULL). */
const pb_bat_entry *pb_bat_get(const pb_bat_section *s, const char *key);

/* The value helpers below return PB_BAT_OK and set *out; PB_BAT_MISSING when
 * the key is absent (out untouched: preset it to the default; err says which
 * section lacks which key, for callers that require it); PB_BAT_ERROR when
 * the value is malformed, with
 *     FILE:LINE: key 'h': expected ..., found '...'
 * in err.  They look keys up with pb_bat_get, so experiments inherit
 * [defaults]. */

/* The value as it stands in the file (trimmed).  Never PB_BAT_ERROR. */
int pb_bat_get_string(const pb_bat_section *s, const char *key,
                      const char **out, char *err, size_t err_len);

/* A finite number (strtod syntax, C locale) within [min, max]. */
int pb_bat_get_double(const pb_bat_section *s, const char *key, double min,
                      double max, double *out, char *err, size_t err_len);

/* An integer within [min, max].  Decimal digits, or a number such as 1e6
 * whose value is an exact integer (up to 2^53). */
int pb_bat_get_int(const pb_bat_section *s, const char *key, int64_t min,
                   int64_t max, int64_t *out, char *err, size_t err_len);

/* A comma-separated list of numbers and ranges, expanded in order:
 *   A..B*F   geometric: A, A*F, A*F^2, ... up to B (needs 0 < A <= B, F > 1)
 *   A..B+S   arithmetic: A, A+S, A+2S, ... up to B (needs A <= B, S > 0)
 * B is included when reached within 1e-9 relative; generated values are
 * rounded to 15 significant digits, so 1e-2..1e4*10 gives exactly 0.01, 0.1,
 * 1, ... and 0.1..0.5+0.1 gives 0.3, not 0.30000000000000004.  Duplicates
 * are kept.  At most PB_BAT_MAX_LIST values.  *out is malloc'd (free it). */
#define PB_BAT_MAX_LIST 100000
int pb_bat_get_double_list(const pb_bat_section *s, const char *key,
                           double **out, size_t *n, char *err, size_t err_len);

/* The same list syntax, each value an integer within [min, max]
 * (seeds = 0..9+1). */
int pb_bat_get_int_list(const pb_bat_section *s, const char *key, int64_t min,
                        int64_t max, int64_t **out, size_t *n, char *err,
                        size_t err_len);

/* A comma-separated list of non-empty words, each trimmed
 * (datasets = random, fashion).  *out is one malloc'd block holding the
 * pointers and the strings: free(*out) releases it all. */
int pb_bat_get_string_list(const pb_bat_section *s, const char *key,
                           char ***out, size_t *n, char *err, size_t err_len);

/* Check that every key set in s itself (not inherited) is one of the NULL-
 * terminated list known.  Returns 0, or -1 with
 *     FILE:LINE: unknown key 'x' in [experiment jam] (known keys: a, b, c)
 * in err for the first stranger, so a typo never passes silently. */
int pb_bat_check_keys(const pb_bat_section *s, const char *const *known,
                      char *err, size_t err_len);

/* "battery", "defaults" or "experiment". */
const char *pb_bat_kind_name(pb_bat_kind k);

#endif
