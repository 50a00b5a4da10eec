/* blacs.h — prototypes of the BLACS C entry points and the ScaLAPACK
 * Fortran routines dsesweep calls (libscalapack-openmpi ships no header).
 * Fortran CHARACTER arguments carry hidden trailing size_t lengths. */
#ifndef DSESWEEP_BLACS_H
#define DSESWEEP_BLACS_H

#include <mpi.h>
#include <stddef.h>

int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *ctxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ctxt);

int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);

void pdsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
             const int *ja, const int *desca, double *w, double *z, const int *iz, const int *jz,
             const int *descz, double *work, const int *lwork, int *info, size_t jobz_len,
             size_t uplo_len);

void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
              const int *ja, const int *desca, double *w, double *z, const int *iz, const int *jz,
              const int *descz, double *work, const int *lwork, int *iwork, const int *liwork,
              int *info, size_t jobz_len, size_t uplo_len);

void pssyev_(const char *jobz, const char *uplo, const int *n, float *a, const int *ia,
             const int *ja, const int *desca, float *w, float *z, const int *iz, const int *jz,
             const int *descz, float *work, const int *lwork, int *info, size_t jobz_len,
             size_t uplo_len);

/* The ScaLAPACK routines of dsesweep's distributed two-stage reduction
 * (dist_two_stage.c). */
void pdgeqrf_(const int *m, const int *n, double *a, const int *ia, const int *ja, const int *desca,
              double *tau, double *work, const int *lwork, int *info);
void pdlacpy_(const char *uplo, const int *m, const int *n, const double *a, const int *ia,
              const int *ja, const int *desca, double *b, const int *ib, const int *jb,
              const int *descb, size_t uplo_len);

#endif
