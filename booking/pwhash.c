/* pwhash.c: the bounded argon2id pool (see pwhash.h). The "pool" is a
 * counting gate, not a set of threads: the request's own thread computes the
 * hash once it holds a slot, so no work is handed between threads and a slot
 * is always given back on the same path that took it. */
#include <sodium.h>
#include "booking/pwhash.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_active;
static atomic_int g_workers = PWH_WORKERS_DEFAULT;
static atomic_int g_wait_ms = PWH_WAIT_MS_DEFAULT;

static void cv_init(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&g_cv, &a);
    pthread_condattr_destroy(&a);
}

void pwh_configure(int workers, int wait_ms)
{
    if (workers < 1) workers = 1;
    if (workers > PWH_WORKERS_MAX) workers = PWH_WORKERS_MAX;
    if (wait_ms < 0) wait_ms = 0;
    if (wait_ms > 60000) wait_ms = 60000;
    atomic_store(&g_wait_ms, wait_ms);
    if (atomic_load(&g_workers) == workers) return;   /* called at every sign-in: usually nothing to do */
    atomic_store(&g_workers, workers);
    pthread_once(&g_once, cv_init);
    pthread_mutex_lock(&g_mu);
    pthread_cond_broadcast(&g_cv);   /* a larger pool admits waiters at once */
    pthread_mutex_unlock(&g_mu);
}

int pwh_workers(void) { return atomic_load(&g_workers); }

/* Takes a slot, waiting until the deadline; LP_ERR_BUSY when none freed up. */
static int slot_take(void)
{
    struct timespec until;
    int rc = 0, wait_ms = atomic_load(&g_wait_ms);
    pthread_once(&g_once, cv_init);
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&g_mu);
    while (g_active >= atomic_load(&g_workers) && rc == 0)
        if (pthread_cond_timedwait(&g_cv, &g_mu, &until) == ETIMEDOUT) rc = LP_ERR_BUSY;
    if (rc == 0) g_active++;
    pthread_mutex_unlock(&g_mu);
    return rc;
}

static void slot_give(void)
{
    pthread_mutex_lock(&g_mu);
    g_active--;
    pthread_cond_signal(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

int pwh_hash(const char *password, char *out, size_t outlen)
{
    if (outlen < crypto_pwhash_STRBYTES) return LP_ERR_INTERNAL;
    int rc = slot_take();
    if (rc) return rc;
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        rc = LP_ERR_NOMEM;
    slot_give();
    return rc;
}

int pwh_verify(const char *hash, const char *password)
{
    int rc = slot_take();
    if (rc) return rc;
    rc = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? 0 : LP_ERR_UNAUTH;
    slot_give();
    return rc;
}
