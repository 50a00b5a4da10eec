/* lapack_two_stage.h — private to linalg/two_stage.c (and the benchmark
 * that times its steps): the LAPACK routines of the two-stage reduction. */
#ifndef DSESWEEP_LAPACK_TWO_STAGE_H
#define DSESWEEP_LAPACK_TWO_STAGE_H

#include <stddef.h>

/* LAPACK's steps, which Debian's lapack.h does not declare (gfortran ABI:
 * the hidden lengths of the character arguments come last). */
extern void dsytrd_sy2sb_(const char *uplo, const int *n, const int *kd, double *a, const int *lda,
                          double *ab, const int *ldab, double *tau, double *work, const int *lwork,
                          int *info, size_t uplo_len);
extern void ssytrd_sy2sb_(const char *uplo, const int *n, const int *kd, float *a, const int *lda,
                          float *ab, const int *ldab, float *tau, float *work, const int *lwork,
                          int *info, size_t uplo_len);
extern void dsytrd_sb2st_(const char *stage1, const char *vect, const char *uplo, const int *n,
                          const int *kd, double *ab, const int *ldab, double *d, double *e,
                          double *hous, const int *lhous, double *work, const int *lwork, int *info,
                          size_t stage1_len, size_t vect_len, size_t uplo_len);
extern void ssytrd_sb2st_(const char *stage1, const char *vect, const char *uplo, const int *n,
                          const int *kd, float *ab, const int *ldab, float *d, float *e,
                          float *hous, const int *lhous, float *work, const int *lwork, int *info,
                          size_t stage1_len, size_t vect_len, size_t uplo_len);
/* One task of the bulge chasing (dsytrd_sb2st's kernel): TTYPE 1, 2 or 3 on
 * columns st..ed of sweep `sweep`, the band in A with lda = 2 nb + 1, the
 * Householder vectors and scalars in v and tau (2 n each), work nb. */
extern void dsb2st_kernels_(const char *uplo, const int *wantz, const int *ttype, const int *st,
                            const int *ed, const int *sweep, const int *n, const int *nb,
                            const int *ib, double *a, const int *lda, double *v, double *tau,
                            const int *ldvt, double *work, size_t uplo_len);
extern void ssb2st_kernels_(const char *uplo, const int *wantz, const int *ttype, const int *st,
                            const int *ed, const int *sweep, const int *n, const int *nb,
                            const int *ib, float *a, const int *lda, float *v, float *tau,
                            const int *ldvt, float *work, size_t uplo_len);
extern int ilaenv2stage_(const int *ispec, const char *name, const char *opts, const int *n1,
                         const int *n2, const int *n3, const int *n4, size_t name_len,
                         size_t opts_len);
extern void dsterf_(const int *n, double *d, double *e, int *info);
extern void ssterf_(const int *n, float *d, float *e, int *info);

#endif
