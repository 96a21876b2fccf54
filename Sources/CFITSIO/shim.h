#pragma once
#include <fitsio.h>
// fits_open_file / fits_create_file are function-like macros (ffopentest with the version
// number); Swift cannot import them, so wrap them.
static inline int galam_fits_open_readonly(fitsfile **f, const char *path, int *status) {
    return fits_open_file(f, path, READONLY, status);
}
static inline int galam_fits_create(fitsfile **f, const char *path, int *status) {
    return fits_create_file(f, path, status);
}
