/* libFuzzer harness: the battery file reader (battery_file.c) and every
 * value helper on every entry, as the battery driver and the plugins use
 * them.  Parses from memory, so no file is written. */
#include "battery_file.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pb_battery b;
    char err[512];
    if (pb_bat_parse("fuzz.battery", (const char *)data, size, &b, err, sizeof err) != 0)
        return 0;
    for (size_t i = 0; i < b.n_sections; i++) {
        const pb_bat_section *s = &b.sections[i];
        for (size_t j = 0; j < s->n_entries; j++) {
            const char *key = s->entries[j].key;
            const char *str;
            double d, *dl = NULL;
            int64_t v, *il = NULL;
            char **words = NULL;
            size_t n = 0;
            pb_bat_get_string(s, key, &str, err, sizeof err);
            pb_bat_get_double(s, key, -1e300, 1e300, &d, err, sizeof err);
            pb_bat_get_int(s, key, INT64_MIN, INT64_MAX, &v, err, sizeof err);
            if (pb_bat_get_double_list(s, key, &dl, &n, err, sizeof err) == PB_BAT_OK)
                free(dl);
            if (pb_bat_get_int_list(s, key, 0, 1000000, &il, &n, err, sizeof err) == PB_BAT_OK)
                free(il);
            if (pb_bat_get_string_list(s, key, &words, &n, err, sizeof err) == PB_BAT_OK)
                free(words);
        }
        static const char *const known[] = {"name", "h", "alpha", "seeds", NULL};
        pb_bat_check_keys(s, known, err, sizeof err);
    }
    pb_bat_experiment(&b, "jamming");
    pb_bat_free(&b);
    return 0;
}
