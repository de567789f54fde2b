/* ceiling.c: the benchmark's ceiling for labpassd: a plain libmicrohttpd
 * server (same threading mode: a thread per client connection) answering
 * every request with a constant JSON body. Usage: ceiling PORT; stops on
 * SIGTERM. */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char BODY[] = "{\"id\":3,\"email\":\"lab@novacell.example\",\"name\":\"Bram Visser\",\"status\":\"active\"}";

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *up, size_t *upsize, void **state)
{
    static int marker;
    /* Like labpassd, answer on the second call, once the request is complete:
     * answering on the first makes libmicrohttpd close the connection. */
    if (*state == NULL) { *state = &marker; return MHD_YES; }
    struct MHD_Response *r = MHD_create_response_from_buffer(sizeof BODY - 1, (void *)BODY, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                            MHD_USE_POLL, (uint16_t)atoi(argv[1]), NULL, NULL, answer, NULL,
                                            MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_END);
    if (!d) return 1;
    int sig;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    return 0;
}
