/* store_lock.c — one writer per store: STORE.lock beside the store.
 *
 * A writer (run, rescore, merge) holds an exclusive fcntl lock (an open file
 * description lock where the kernel has them, else a POSIX record lock) on
 * STORE.lock for its whole run, and writes "host pid start-time" into it.
 * The kernel drops the lock when the holder dies, however it dies; a clean
 * release empties the file first. So a lock we obtain on a non-empty file
 * was left by a writer that died: we take it over and say so. Readers
 * (report, export) never touch the lock. The lock file itself is never
 * removed: removing it would let two writers lock two different files.
 *
 * A writer told to stop (SIGTERM, SIGUSR1) appends "stopping until T" to its
 * line (T: the end of its grace, epoch seconds). A new writer that finds the
 * lock held by a stopping writer waits for it until T (plus a margin)
 * instead of refusing at once: an immediate requeue is not refused while
 * the old ranks write the store and exit after mpiexec has returned. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"

#ifndef F_OFD_SETLK
#define F_OFD_SETLK F_SETLK
#endif

void dse_store_lock_path(const char *store_path, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s.lock", store_path);
}

void dse_store_tmp_path(const char *store_path, const char *host, long pid, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s.tmp.%s.%ld", store_path, host, pid);
}

/* The holder line of an open lock file into buf ("" when empty). */
static void read_holder(int fd, char *buf, size_t cap)
{
    ssize_t got = pread(fd, buf, cap - 1, 0);
    buf[got > 0 ? got : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

/* A dead holder's line "host pid started": removes its temporary store. */
static void remove_dead_tmp(const char *store_path, const char *holder)
{
    char host[256];
    long pid;
    if (sscanf(holder, "host %255s pid %ld", host, &pid) != 2) return;
    char tmp[4300];
    dse_store_tmp_path(store_path, host, pid, tmp, sizeof tmp);
    remove(tmp);
}

/* Why the lock file cannot be made: mostly the store's directory. */
static int no_lock_file(const char *store_path, const char *lock, int e, dse_err_t *err)
{
    char dir[4300];
    snprintf(dir, sizeof dir, "%s", store_path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, "%s", slash ? "/" : ".");
    if (e == ENOENT || e == ENOTDIR)
        return DSE_RAISE(err, DSE_EIO, "%s: the store's directory %s does not exist", store_path,
                         dir);
    if (e == EACCES || e == EROFS)
        return DSE_RAISE(err, DSE_EIO, "%s: cannot write in the store's directory %s", store_path,
                         dir);
    return DSE_RAISE(err, DSE_EIO, "%s: cannot create the lock file %s: %s", store_path, lock,
                     strerror(e));
}

/* Tries the lock once; 0 got it, else errno. */
static int try_lock(int fd)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    return fcntl(fd, F_OFD_SETLK, &fl) == 0 ? 0 : errno;
}

/* The refusal: names the holder (who may not have written its line yet). */
static int refuse(int fd, const char *store_path, const char *lock, dse_err_t *err)
{
    char holder[512] = "";
    for (int i = 0; i < 20 && !holder[0]; ++i) {
        read_holder(fd, holder, sizeof holder);
        if (!holder[0]) usleep(10000);
    }
    close(fd);
    return DSE_RAISE(err, DSE_EUSAGE,
                     "%s: another dsesweep is writing this store (%s; lock %s); wait for it to "
                     "finish or use another store",
                     store_path, holder[0] ? holder : "its details are not written yet", lock);
}

/* The end (epoch seconds) of a stopping holder's grace, 0 when it is not stopping. */
static double stopping_until(int fd)
{
    char holder[512];
    read_holder(fd, holder, sizeof holder);
    const char *at = strstr(holder, " stopping until ");
    return at ? strtod(at + strlen(" stopping until "), NULL) : 0.0;
}

/* Tries the lock, waiting while its holder says it is stopping (until its
 * grace ends plus DSE_STORE_STOPPING_MARGIN seconds); 0 got it, else errno. */
enum { DSE_STORE_STOPPING_MARGIN = 10 };
static int lock_or_wait(int fd)
{
    int e, empty_naps = 0;
    struct timespec nap = {0, 50000000};
    while ((e = try_lock(fd)) == EAGAIN || e == EACCES) {
        char holder[512];
        read_holder(fd, holder, sizeof holder);
        /* An empty line under a held lock: a writer releasing it (the file
         * is emptied just before the lock goes) or one that has not written
         * its line yet; either settles within a second. */
        if (!holder[0] && ++empty_naps <= 20) {
            nanosleep(&nap, NULL);
            continue;
        }
        double until = stopping_until(fd);
        if (!(until > 0) || (double)time(NULL) > until + DSE_STORE_STOPPING_MARGIN) break;
        nanosleep(&nap, NULL);
    }
    return e;
}

void dse_store_lock_mark_stopping(int fd, double grace_seconds)
{
    if (fd < 0) return;
    char holder[512], line[700];
    read_holder(fd, holder, sizeof holder);
    if (strstr(holder, " stopping until ")) return;
    int len = snprintf(line, sizeof line, "%s stopping until %.0f\n", holder,
                       (double)time(NULL) + grace_seconds);
    if (len > 0 && len < (int)sizeof line && pwrite(fd, line, (size_t)len, 0) == len) fsync(fd);
}

int dse_store_lock(const char *store_path, int *fd_out, dse_err_t *err)
{
    *fd_out = -1;
    char lock[4300];
    dse_store_lock_path(store_path, lock, sizeof lock);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return no_lock_file(store_path, lock, errno, err);
    int e = lock_or_wait(fd);
    if (e == EAGAIN || e == EACCES) return refuse(fd, store_path, lock, err);
    if (e != 0) {
        close(fd);
        return DSE_RAISE(err, DSE_EIO, "%s: cannot lock %s: %s", store_path, lock, strerror(e));
    }
    char dead[512];
    read_holder(fd, dead, sizeof dead);
    if (dead[0]) {
        fprintf(stderr, "dsesweep: %s: taking over the lock of a writer that is gone (%s)\n", lock,
                dead);
        remove_dead_tmp(store_path, dead);
    }
    char host[256] = "unknown", when[32], line[600];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    dse_store_timestamp(when, sizeof when);
    int len =
        snprintf(line, sizeof line, "host %s pid %ld started %s\n", host, (long)getpid(), when);
    /* The lock is held either way: a full disk only leaves the line out. */
    if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len)
        fprintf(stderr, "dsesweep: warning: %s: cannot write the holder line: %s\n", lock,
                strerror(errno));
    fsync(fd);
    *fd_out = fd;
    return DSE_OK;
}

void dse_store_unlock(int *fd)
{
    if (!fd || *fd < 0) return;
    /* Empty first: a non-empty unlocked file means its writer died. */
    if (ftruncate(*fd, 0) == 0) fsync(*fd);
    close(*fd);
    *fd = -1;
}
