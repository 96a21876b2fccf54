#pragma once
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>
// DNNL_MEMORY_ALLOCATE is a pointer cast Swift cannot import.
static inline void *galam_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
// omp.h is not on Swift's include path; declare the two calls we need.
extern void omp_set_num_threads(int);
extern int omp_get_max_threads(void);

// Flush-to-zero and denormals-are-zero (MXCSR bits 15 and 6), as TensorFlow sets on its
// compute threads. Without them, subnormal activations and gradients — which ReLU networks
// with L2 accumulate as training goes on — take the slow microcode path: M3 at 64 px slowed
// from 110 to 10 samples/s over 50 epochs. MXCSR is per thread, so it is set on every thread
// of the OpenMP team through libgomp's entry point for `#pragma omp parallel` (omp.h and
// -fopenmp are not available to Swift's importer).
#if defined(__x86_64__)
#include <xmmintrin.h>
static void galam_flush_denormals_here(void *unused) { (void)unused; _mm_setcsr(_mm_getcsr() | 0x8040); }
#else
static void galam_flush_denormals_here(void *unused) { (void)unused; }
#endif
extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
/// Sets flush-to-zero and denormals-are-zero on the calling thread and every thread of its
/// OpenMP team of `threads`.
static inline void galam_flush_denormals(int threads) { GOMP_parallel(galam_flush_denormals_here, 0, (unsigned)threads, 0); }
#if defined(__x86_64__)
/// Whether flush-to-zero and denormals-are-zero are set on the calling thread.
static inline int galam_denormals_flushed(void) { return (_mm_getcsr() & 0x8040) == 0x8040; }
/// Restores IEEE subnormal arithmetic on the calling thread (tests start from it).
static inline void galam_keep_denormals_here(void) { _mm_setcsr(_mm_getcsr() & ~0x8040u); }
#else
static inline int galam_denormals_flushed(void) { return 1; }
static inline void galam_keep_denormals_here(void) {}
#endif
