/* Scratch folders for the compare and csv tests: made under $TMPDIR (or
 * /tmp), filled with small files, removed at the end. */
#ifndef PB_TMP_TREE_H
#define PB_TMP_TREE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A new empty folder; its path is written to out[size].  0 on success. */
static inline int tmp_make_dir(char *out, size_t size, const char *prefix)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    snprintf(out, size, "%s/%sXXXXXX", base, prefix);
    return mkdtemp(out) ? 0 : -1;
}

/* Write text to dir/name (dir may be NULL: name is the path). */
static inline int tmp_write(const char *dir, const char *name, const char *text)
{
    char path[4096];
    int len = dir ? snprintf(path, sizeof path, "%s/%s", dir, name)
                  : snprintf(path, sizeof path, "%s", name);
    if (len < 0 || (size_t)len >= sizeof path)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Remove a folder and everything below it. */
static inline void tmp_remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[4096];
            int len = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            if (len < 0 || (size_t)len >= sizeof sub)
                continue;
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                tmp_remove_tree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* The whole of a stream written so far, as a malloc'd string. */
static inline char *tmp_slurp(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    rewind(f);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    return s;
}

#endif
