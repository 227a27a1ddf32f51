/*
 * replay_main.c - run fuzz inputs without a fuzzing engine.
 *
 * Usage: replay_ops PATH...
 * Each PATH that is a directory has every regular file in it run (in name
 * order); any other PATH is run as a file. Every input goes through
 * LLVMFuzzerTestOneInput once. Prints "replayed N inputs" and exits 0, or
 * exits 1 if a path cannot be read (a failed check in the harness aborts).
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;

    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    for (;;) {
        size_t got;
        if (len == cap) {
            size_t ncap = cap ? cap * 2u : 4096u;
            uint8_t *nbuf = realloc(buf, ncap);
            if (nbuf == NULL) {
                fprintf(stderr, "replay: out of memory reading %s\n", path);
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nbuf;
            cap = ncap;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    /* An exact-size copy, so ASan sees reads past the end of the input. */
    {
        uint8_t *data = malloc(len ? len : 1u);
        if (data == NULL) {
            free(buf);
            return -1;
        }
        if (len > 0) {
            memcpy(data, buf, len);
        }
        free(buf);
        LLVMFuzzerTestOneInput(data, len);
        free(data);
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file in dir; returns the count, or -1 on error. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    long count = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: cannot open directory %s\n", dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len;
        char *path;
        struct stat sb;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        len = strlen(dir) + 1u + strlen(e->d_name) + 1u;
        path = malloc(len);
        if (path == NULL) {
            count = -1;
            break;
        }
        snprintf(path, len, "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(path);
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2u : 64u;
            char **nn = realloc(names, ncap * sizeof *names);
            if (nn == NULL) {
                free(path);
                count = -1;
                break;
            }
            names = nn;
            cap = ncap;
        }
        names[n++] = path;
    }
    closedir(d);
    if (n > 0) {
        qsort(names, n, sizeof *names, cmp_names);
    }
    for (i = 0; i < n; i++) {
        if (count >= 0) {
            if (run_file(names[i]) != 0) {
                count = -1;
            } else {
                count++;
            }
        }
        free(names[i]);
    }
    free(names);
    return count;
}

int main(int argc, char **argv)
{
    long total = 0;
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "replay: cannot stat %s\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(sb.st_mode)) {
            long c = run_dir(argv[i]);
            if (c < 0) {
                return 1;
            }
            total += c;
        } else {
            if (run_file(argv[i]) != 0) {
                return 1;
            }
            total++;
        }
    }
    printf("replayed %ld inputs\n", total);
    return 0;
}
