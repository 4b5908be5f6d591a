/* battery_file: a good file parsed completely, list and range expansion,
 * value errors, and every parse error with its line number. */
#include "battery_file.h"
#include "pb_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[4096];
static char path[4200]; /* dir/x.battery */
static char err[1024];

static int write_battery(const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static const char *good =
    "# smoke battery: every experiment, tiny\n"           /* 1 */
    "; another comment style\n"                           /* 2 */
    "\n"                                                  /* 3 */
    "[battery]\n"                                         /* 4 */
    "name = smoke\n"                                      /* 5 */
    "description =   tiny, every experiment  \n"          /* 6 */
    "[defaults]\n"                                        /* 7 */
    "steps = 1e5\n"                                       /* 8 */
    "dt=0.5\n"                                            /* 9 */
    "loss = soft_hinge\n"                                 /* 10 */
    "  [ experiment   jam ]  \n"                          /* 11 */
    "h = 4..20+4, 32, 64\n"                               /* 12 */
    "alpha = 1e-2..1e4*10\n"                              /* 13 */
    "seeds = 0..2+1\n"                                    /* 14 */
    "datasets = random , stripe\n"                        /* 15 */
    "dt = 0.25\n"                                         /* 16 */
    "frac = 0.1..0.5+0.1\n"                               /* 17 */
    "odd = 1..10*3, -1.5, 2..2+1, 1e+1..3e+1+1e+1\n"      /* 18 */
    "path = /data/x#1 ; not a comment\n"                  /* 19 */
    "[experiment kernel-2]\n"                             /* 20 */
    "h = 8\n";                                            /* 21 */

static void test_good(void)
{
    CHECK(write_battery(good) == 0);
    pb_battery b;
    CHECK_MSG(pb_bat_read(path, &b, err, sizeof err) == 0, "%s", err);
    CHECK(b.n_sections == 4);
    if (b.n_sections != 4) {
        pb_bat_free(&b);
        return;
    }
    CHECK(strcmp(b.name, "smoke") == 0);
    CHECK(b.battery == &b.sections[0] && b.battery->kind == PB_BAT_BATTERY);
    CHECK(b.defaults == &b.sections[1] && b.defaults->line == 7);
    CHECK(b.sections[2].kind == PB_BAT_EXPERIMENT);
    CHECK(strcmp(b.sections[2].name, "jam") == 0 && b.sections[2].line == 11);
    CHECK(b.sections[2].defaults == b.defaults);
    CHECK(b.battery->defaults == NULL);

    const pb_bat_section *jam = pb_bat_experiment(&b, "jam");
    const pb_bat_section *ker = pb_bat_experiment(&b, "kernel-2");
    CHECK(jam == &b.sections[2] && ker == &b.sections[3]);
    CHECK(pb_bat_experiment(&b, "nope") == NULL);
    if (!jam || !ker) {
        pb_bat_free(&b);
        return;
    }

    const char *s = NULL;
    CHECK(pb_bat_get_string(b.battery, "description", &s, err, sizeof err) == PB_BAT_OK);
    CHECK(s && strcmp(s, "tiny, every experiment") == 0);
    CHECK(pb_bat_get_string(jam, "path", &s, err, sizeof err) == PB_BAT_OK);
    CHECK(s && strcmp(s, "/data/x#1 ; not a comment") == 0);

    /* Own values win over [defaults]; missing ones are inherited. */
    double dt = 0;
    CHECK(pb_bat_get_double(jam, "dt", 0, HUGE_VAL, &dt, err, sizeof err) == PB_BAT_OK);
    CHECK(dt == 0.25);
    CHECK(pb_bat_get_double(ker, "dt", 0, HUGE_VAL, &dt, err, sizeof err) == PB_BAT_OK);
    CHECK(dt == 0.5);
    CHECK(pb_bat_get(ker, "dt")->line == 9);
    int64_t steps = 0;
    CHECK(pb_bat_get_int(ker, "steps", 1, INT64_MAX, &steps, err, sizeof err) == PB_BAT_OK);
    CHECK(steps == 100000);
    CHECK(pb_bat_get(b.battery, "steps") == NULL); /* [battery] inherits nothing */
    CHECK(pb_bat_get(NULL, "steps") == NULL);

    /* Missing: value untouched, message names the section and its line. */
    double keep = 7;
    CHECK(pb_bat_get_double(ker, "alpha", -HUGE_VAL, HUGE_VAL, &keep, err, sizeof err) ==
          PB_BAT_MISSING);
    CHECK(keep == 7);
    CHECK_MSG(strstr(err, "x.battery:20: [experiment kernel-2] has no key 'alpha'"),
              "%s", err);

    double *v = NULL;
    size_t n = 0;
    CHECK(pb_bat_get_double_list(jam, "h", &v, &n, err, sizeof err) == PB_BAT_OK);
    {
        const double want[] = {4, 8, 12, 16, 20, 32, 64};
        CHECK(n == 7);
        for (size_t i = 0; i < n && i < 7; i++)
            CHECK_MSG(v[i] == want[i], "h[%zu] = %.17g", i, v[i]);
    }
    free(v);
    CHECK(pb_bat_get_double_list(jam, "alpha", &v, &n, err, sizeof err) == PB_BAT_OK);
    {
        const double want[] = {1e-2, 1e-1, 1, 10, 100, 1000, 1e4};
        CHECK(n == 7);
        for (size_t i = 0; i < n && i < 7; i++)
            CHECK_MSG(v[i] == want[i], "alpha[%zu] = %.17g", i, v[i]);
    }
    free(v);
    CHECK(pb_bat_get_double_list(jam, "frac", &v, &n, err, sizeof err) == PB_BAT_OK);
    {
        const double want[] = {0.1, 0.2, 0.3, 0.4, 0.5};
        CHECK(n == 5);
        for (size_t i = 0; i < n && i < 5; i++)
            CHECK_MSG(v[i] == want[i], "frac[%zu] = %.17g", i, v[i]);
    }
    free(v);
    CHECK(pb_bat_get_double_list(jam, "odd", &v, &n, err, sizeof err) == PB_BAT_OK);
    {
        /* 1..10*3 stops at 9; 2..2+1 is just 2; exponents with '+' */
        const double want[] = {1, 3, 9, -1.5, 2, 10, 20, 30};
        CHECK_MSG(n == 8, "n = %zu", n);
        for (size_t i = 0; i < n && i < 8; i++)
            CHECK_MSG(v[i] == want[i], "odd[%zu] = %.17g", i, v[i]);
    }
    free(v);

    int64_t *seeds = NULL;
    CHECK(pb_bat_get_int_list(jam, "seeds", 0, 1000, &seeds, &n, err, sizeof err) ==
          PB_BAT_OK);
    CHECK(n == 3 && seeds[0] == 0 && seeds[1] == 1 && seeds[2] == 2);
    free(seeds);
    CHECK(pb_bat_get_int_list(jam, "h", 0, 40, &seeds, &n, err, sizeof err) ==
          PB_BAT_ERROR);
    CHECK_MSG(strstr(err, "x.battery:12: key 'h': expected integers in [0, 40]") &&
                  strstr(err, "value 7 of the list is 64"), "%s", err);
    CHECK(pb_bat_get_int_list(jam, "frac", 0, 40, &seeds, &n, err, sizeof err) ==
          PB_BAT_ERROR);

    char **words = NULL;
    CHECK(pb_bat_get_string_list(jam, "datasets", &words, &n, err, sizeof err) ==
          PB_BAT_OK);
    CHECK(n == 2 && strcmp(words[0], "random") == 0 && strcmp(words[1], "stripe") == 0);
    free(words);

    static const char *const known[] = {"h", "alpha", "seeds", "datasets", "dt",
                                        "frac", "odd", "path", NULL};
    CHECK(pb_bat_check_keys(jam, known, err, sizeof err) == 0);
    static const char *const fewer[] = {"h", "alpha", NULL};
    CHECK(pb_bat_check_keys(jam, fewer, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "x.battery:14: unknown key 'seeds' in [experiment jam] "
                          "(known keys: h, alpha)"), "%s", err);

    /* The hash is FNV-1a 64 of the bytes. */
    CHECK(strlen(pb_bat_hash(&b)) == 16);
    char h[17];
    pb_bat_hash_bytes(good, strlen(good), h);
    CHECK(strcmp(h, pb_bat_hash(&b)) == 0);
    pb_bat_hash_bytes("", 0, h);
    CHECK(strcmp(h, "cbf29ce484222325") == 0);
    pb_bat_hash_bytes("a", 1, h);
    CHECK(strcmp(h, "af63dc4c8601ec8c") == 0);
    pb_bat_free(&b);
    CHECK(b.sections == NULL && b.n_sections == 0);

    /* CRLF line ends give the same entries and lines. */
    pb_battery c;
    const char *crlf = "[battery]\r\nname = w\r\n\r\n[experiment e]\r\nh = 1..3+1\r\n";
    CHECK(pb_bat_parse("crlf.battery", crlf, strlen(crlf), &c, err, sizeof err) == 0);
    const pb_bat_section *e = pb_bat_experiment(&c, "e");
    CHECK(e && e->line == 4 && e->n_entries == 1 && e->entries[0].line == 5 &&
          strcmp(e->entries[0].value, "1..3+1") == 0);
    CHECK(c.defaults == NULL && e && e->defaults == NULL);
    pb_bat_free(&c);
}

/* Value errors: FILE:LINE: key 'k': expected ..., found '...'. */
static void test_value_errors(void)
{
    const char *text = "[battery]\n"          /* 1 */
                       "name = v\n"           /* 2 */
                       "[experiment e]\n"     /* 3 */
                       "num = 3x\n"           /* 4 */
                       "big = 1e400\n"        /* 5 */
                       "frac = 2.5\n"         /* 6 */
                       "neg = -4\n"           /* 7 */
                       "l1 = 1, 2..x+1\n"     /* 8 */
                       "l2 = 1,,2\n"          /* 9 */
                       "l3 = 1..10*1\n"       /* 10 */
                       "l4 = 1..10+0\n"       /* 11 */
                       "l5 = 5..1+1\n"        /* 12 */
                       "l6 = 0..1e9+1\n"      /* 13 */
                       "l7 = 0..8*2\n"        /* 14 */
                       "l8 = 1..10\n"         /* 15 */
                       "l9 = 1, 1e-5..1*1.0000001\n" /* 16 */
                       "w = a, , b\n"         /* 17 */
                       "ok = 1e6\n"           /* 18 */
                       "i = 99999999999999999999\n" /* 19 */
                       "hex = 0x10\n";       /* 20 */
    pb_battery b;
    CHECK_MSG(pb_bat_parse("v.battery", text, strlen(text), &b, err, sizeof err) == 0,
              "%s", err);
    const pb_bat_section *e = pb_bat_experiment(&b, "e");
    if (!e) {
        pb_bat_free(&b);
        return;
    }
    double d;
    int64_t i;
    double *v = NULL;
    size_t n;
#define EXPECT(call, want)                                                   \
    do {                                                                     \
        CHECK((call) == PB_BAT_ERROR);                                       \
        CHECK_MSG(strstr(err, want) != NULL, "'%s' not in: %s", want, err);  \
    } while (0)
    EXPECT(pb_bat_get_double(e, "num", -HUGE_VAL, HUGE_VAL, &d, err, sizeof err),
           "v.battery:4: key 'num': expected a finite number, found '3x'");
    EXPECT(pb_bat_get_double(e, "big", -HUGE_VAL, HUGE_VAL, &d, err, sizeof err),
           "v.battery:5: key 'big'");
    EXPECT(pb_bat_get_double(e, "neg", 0, 1, &d, err, sizeof err),
           "v.battery:7: key 'neg': expected a number in [0, 1], found '-4'");
    EXPECT(pb_bat_get_int(e, "frac", 0, 10, &i, err, sizeof err),
           "v.battery:6: key 'frac': expected an integer in [0, 10], found '2.5'");
    EXPECT(pb_bat_get_int(e, "neg", 0, 10, &i, err, sizeof err), "found '-4'");
    EXPECT(pb_bat_get_int(e, "i", INT64_MIN, INT64_MAX, &i, err, sizeof err),
           "v.battery:19:");
    EXPECT(pb_bat_get_int(e, "hex", 0, 100, &i, err, sizeof err),
           "v.battery:20: key 'hex': expected an integer in [0, 100], found '0x10'");
    CHECK(pb_bat_get_int(e, "ok", 0, 2000000, &i, err, sizeof err) == PB_BAT_OK &&
          i == 1000000);
    EXPECT(pb_bat_get_double_list(e, "l1", &v, &n, err, sizeof err),
           "v.battery:8: key 'l1': expected in item 2 a number or a range");
    EXPECT(pb_bat_get_double_list(e, "l2", &v, &n, err, sizeof err), "item 2");
    EXPECT(pb_bat_get_double_list(e, "l3", &v, &n, err, sizeof err), "factor F > 1");
    EXPECT(pb_bat_get_double_list(e, "l4", &v, &n, err, sizeof err), "step S > 0");
    EXPECT(pb_bat_get_double_list(e, "l5", &v, &n, err, sizeof err),
           "start A is at most its end B");
    EXPECT(pb_bat_get_double_list(e, "l6", &v, &n, err, sizeof err),
           "v.battery:13: key 'l6': expected at most 100000 values");
    EXPECT(pb_bat_get_double_list(e, "l7", &v, &n, err, sizeof err), "A > 0");
    EXPECT(pb_bat_get_double_list(e, "l8", &v, &n, err, sizeof err), "item 1");
    EXPECT(pb_bat_get_double_list(e, "l9", &v, &n, err, sizeof err),
           "(item 2 makes it longer)");
    char **w = NULL;
    EXPECT(pb_bat_get_string_list(e, "w", &w, &n, err, sizeof err),
           "v.battery:17: key 'w': expected a comma-separated list of words, but "
           "item 2 is empty");
#undef EXPECT
    pb_bat_free(&b);
}

/* Each parse error names x.battery and the offending line. */
static void test_parse_errors(void)
{
    static const struct {
        const char *text;
        const char *want[2];
    } cases[] = {
        /* lines 1-6 are valid, the error is on line 7 */
        {"[battery]\nname = t\n# c\n\n; c\n[defaults]\n[bogus]\n",
         {"x.battery:7:", "unknown section kind 'bogus'"}},
        {"# 1\n# 2\n\n# 4\n; 5\n\nname = t\n", {"x.battery:7:", "outside any section"}},
        {"[battery]\nname = t\n\n[defaults]\nsteps = 1\n\nsteps = 2\n",
         {"x.battery:7:", "duplicate key 'steps' in [defaults] (first set at line 5)"}},
        {"[battery]\nname = t\n[experiment a]\nh = 1\n[experiment b]\nh = 2\n"
         "[experiment a]\n",
         {"x.battery:7:", "duplicate experiment name 'a' (first defined at line 3)"}},
        {"[battery]\nname = t\n\n\n\n\n[experiment a\n",
         {"x.battery:7:", "malformed section header"}},
        {"[battery]\nname = t\n\n\n\n\n[experiment a b]\n",
         {"x.battery:7:", "one-word NAME"}},
        {"[battery]\nname = t\n\n\n\n\n[]\n", {"x.battery:7:", "malformed section header"}},
        {"[battery]\nname = t\n\n\n\n[defaults]\njust some words\n",
         {"x.battery:7:", "expected '[section]', 'key = value'"}},
        {"[battery]\nname = t\n\n\n\n[defaults]\n9steps = 1\n", {"x.battery:7:", "bad key '9steps'"}},
        {"[battery]\nname = t\n\n\n\n[defaults]\n= 1\n", {"x.battery:7:", "bad key ''"}},
        {"[battery]\nname = t\n\n\n\n[defaults]\nsteps =   \n",
         {"x.battery:7:", "key 'steps' in [defaults] has no value"}},
        {"[battery]\nname = t\n\n\n\n\n[experiment]\n", {"x.battery:7:", "needs a name"}},
        {"[battery]\nname = t\n\n\n\n\n[experiment 9lives]\n",
         {"x.battery:7:", "bad experiment name '9lives'"}},
        {"[battery]\nname = t\n\n\n\n\n[defaults x]\n", {"x.battery:7:", "takes no name"}},
        {"[battery]\nname = t\n\n\n\n[defaults]\n[defaults]\n",
         {"x.battery:7:", "second [defaults] section (the first is at line 6)"}},
        {"[battery]\nname = t\n\n\n\n\n[battery]\n",
         {"x.battery:7:", "second [battery] section (the first is at line 1)"}},
        {"# a\n\n\n\n\n\n[experiment e]\n",
         {"x.battery:7:", "the first section must be [battery]"}},
        {"[battery]\nname = t\n\n\n\n\nx = a\0b\n", {"x.battery:7:", "NUL byte"}},
        /* whole-file errors */
        {"# only comments\n", {"x.battery:1:", "no [battery] section"}},
        {"", {"x.battery:1:", "no [battery] section"}},
        {"\n\n[battery]\ndescription = d\n",
         {"x.battery:3:", "the [battery] section has no 'name' key"}},
        {"[battery]\n\n\n\n\n\nname = two words\n",
         {"x.battery:7:", "key 'name': expected a letter"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* the NUL case needs its real length */
        size_t len = strlen(cases[i].text);
        if (strstr(cases[i].want[1], "NUL"))
            len += 1 + strlen(cases[i].text + len + 1);
        FILE *f = fopen(path, "wb");
        CHECK(f != NULL);
        if (!f)
            return;
        fwrite(cases[i].text, 1, len, f);
        fclose(f);
        pb_battery b;
        err[0] = '\0';
        CHECK_MSG(pb_bat_read(path, &b, err, sizeof err) == -1, "case %zu parsed", i);
        for (int k = 0; k < 2; k++)
            CHECK_MSG(strstr(err, cases[i].want[k]) != NULL, "case %zu: '%s' not in: %s",
                      i, cases[i].want[k], err);
        CHECK(b.n_sections == 0 && b.sections == NULL);
        pb_bat_free(&b);
    }

    pb_battery b;
    char missing[4300];
    snprintf(missing, sizeof missing, "%s/none.battery", dir);
    CHECK(pb_bat_read(missing, &b, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "none.battery: cannot open"), "%s", err);
    pb_bat_free(&b);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/pb_battery_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/x.battery", dir);
    test_good();
    test_value_errors();
    test_parse_errors();
    remove(path);
    rmdir(dir);
    return pb_test_done("test_battery");
}
