#pragma once
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
// DNNL_MEMORY_ALLOCATE is a pointer cast Swift cannot import.
static inline void *galam_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
// omp.h is not on Swift's include path; declare the two calls we need.
extern void omp_set_num_threads(int);
extern int omp_get_max_threads(void);
