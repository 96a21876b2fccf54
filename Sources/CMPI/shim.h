#pragma once
// Open MPI through inline functions: mpi.h's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM,
// MPI_IN_PLACE) are macros over addresses of library globals, which Swift cannot import.
#include <mpi.h>

// Starts MPI once (funnelled: only the thread that started it calls MPI; the batch
// prefetch thread never does). Returns MPI's error code (0: success).
static inline int galam_mpi_init(void) {
    int started = 0;
    MPI_Initialized(&started);
    if (started) return 0;
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}
static inline int galam_mpi_finalize(void) {
    int done = 0;
    MPI_Finalized(&done);
    return done ? 0 : MPI_Finalize();
}
static inline int galam_mpi_rank(void) { int r = 0; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }
static inline int galam_mpi_size(void) { int s = 1; MPI_Comm_size(MPI_COMM_WORLD, &s); return s; }
// In-place sums across every rank (MPI counts are int: callers pass at most INT_MAX).
static inline int galam_mpi_allreduce_sum_float(float *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static inline int galam_mpi_allreduce_sum_double(double *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static inline int galam_mpi_broadcast_float(float *buffer, int count, int root) {
    return MPI_Bcast(buffer, count, MPI_FLOAT, root, MPI_COMM_WORLD);
}
static inline int galam_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static inline void galam_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }
static inline const char *galam_mpi_library_version(void) {
    static char text[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(text, &length);
    return text;
}
