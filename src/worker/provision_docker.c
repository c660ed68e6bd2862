/* provision_docker.c — a rental as a Docker container named cpc-rental-ID.
 *
 *   start:  docker run -d --name cpc-rental-ID [--gpus device=I[,J]] -p LISTEN:PORT:22
 *                  -e SSH_PUBLIC_KEY=KEY IMAGE
 *   probe:  docker inspect -f {{.State.Status}} cpc-rental-ID   ("running" or else)
 *   stop:   docker rm -f cpc-rental-ID
 *   logs:   docker logs --tail 1000 cpc-rental-ID   (its last bytes)
 * Every call is an argv (execvp), never a shell: the key and the image are one
 * argument each whatever they hold. Docker keeps names unique, so a second
 * `docker run` under the same name fails instead of starting a twin; a
 * stopped container of that name is removed before a start. The image
 * (deploy/rental/) installs $SSH_PUBLIC_KEY as the only authorized key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision_internal.h"

#define DOCKER_TIMEOUT_MS 120000u
#define DOCKER_OUT_MAX 65536

static char *docker_bin(const struct cpc_wk_provision_opts *o)
{
    return (char *)(o->docker ? o->docker : "docker");
}

static void container_name(const struct cpc_wk_rental *r, char *out, size_t cap)
{
    snprintf(out, cap, "cpc-rental-%s", r->spec.id);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = 0;
}

/* "device=0" or "\"device=0,1\"" (docker's --gpus reads CSV: a list must be quoted). */
static void gpu_arg(const struct cpc_wk_rental *r, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "%sdevice=", r->spec.n_gpus > 1 ? "\"" : "");
    for (unsigned i = 0; i < r->spec.n_gpus && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%d", i ? "," : "", r->spec.gpus[i]);
    if (r->spec.n_gpus > 1 && n < cap)
        snprintf(out + n, cap - n, "\"");
}

static int docker_start(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *r,
                        struct cpc_err *err)
{
    char name[96], gpus[256], port[96], env[CPC_WK_RENTAL_KEY_MAX + 32];
    container_name(r, name, sizeof name);
    char *const rm[] = {docker_bin(o), "rm", "-f", name, NULL};
    (void)wk_run(rm, NULL, 0, false, DOCKER_TIMEOUT_MS); /* a stopped one of that name */
    const char *listen = wk_listen(o);
    bool v6 = strchr(listen, ':') != NULL;
    snprintf(port, sizeof port, "%s%s%s:%u:22", v6 ? "[" : "", listen, v6 ? "]" : "",
             r->spec.port);
    snprintf(env, sizeof env, "SSH_PUBLIC_KEY=%s", r->spec.ssh_public_key);
    gpu_arg(r, gpus, sizeof gpus);
    char *av[16];
    size_t n = 0;
    av[n++] = docker_bin(o);
    av[n++] = "run";
    av[n++] = "-d";
    av[n++] = "--name";
    av[n++] = name;
    if (r->spec.n_gpus) {
        av[n++] = "--gpus";
        av[n++] = gpus;
    }
    av[n++] = "-p";
    av[n++] = port;
    av[n++] = "-e";
    av[n++] = env;
    av[n++] = r->spec.image;
    av[n] = NULL;
    char *out = malloc(DOCKER_OUT_MAX);
    if (!out)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int st = wk_run(av, out, DOCKER_OUT_MAX, false, DOCKER_TIMEOUT_MS);
    trim(out);
    int rc = 0;
    if (st != 0 || !out[0] || strlen(out) >= sizeof r->container)
        rc = cpc_err_set(err, CPC_ERR_IO, "docker run %s failed (exit %d)", name, st);
    else
        snprintf(r->container, sizeof r->container, "%s", out);
    free(out);
    return rc;
}

static void docker_probe(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *r)
{
    char name[96], out[256];
    container_name(r, name, sizeof name);
    char *const av[] = {docker_bin(o), "inspect", "-f", "{{.State.Status}}", name, NULL};
    int st = wk_run(av, out, sizeof out, false, DOCKER_TIMEOUT_MS);
    trim(out);
    r->run = st == 0 && !strcmp(out, "running") ? CPC_WK_RENTAL_RUNNING : CPC_WK_RENTAL_EXITED;
}

static int docker_stop(const struct cpc_wk_provision_opts *o, struct cpc_wk_rental *r,
                       struct cpc_err *err)
{
    char name[96], out[512];
    container_name(r, name, sizeof name);
    char *const av[] = {docker_bin(o), "rm", "-f", name, NULL};
    int st = wk_run(av, out, sizeof out, true, DOCKER_TIMEOUT_MS);
    trim(out);
    if (st != 0 && !strstr(out, "No such container"))
        return cpc_err_set(err, CPC_ERR_IO, "docker rm -f %s failed (exit %d): %.120s", name, st,
                           out);
    r->run = CPC_WK_RENTAL_EXITED;
    r->container[0] = 0;
    return 0;
}

static int docker_logs(const struct cpc_wk_provision_opts *o, const struct cpc_wk_rental *r,
                       size_t max, char **out, size_t *len, struct cpc_err *err)
{
    char name[96];
    container_name(r, name, sizeof name);
    char *const av[] = {docker_bin(o), "logs", "--tail", "1000", name, NULL};
    char *buf = malloc(DOCKER_OUT_MAX);
    if (!buf)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int st = wk_run(av, buf, DOCKER_OUT_MAX, true, DOCKER_TIMEOUT_MS);
    if (st != 0) {
        free(buf);
        return cpc_err_set(err, CPC_ERR_IO, "docker logs %s failed (exit %d)", name, st);
    }
    size_t n = strlen(buf), from = n > max ? n - max : 0;
    memmove(buf, buf + from, n - from + 1);
    *out = buf;
    if (len)
        *len = n - from;
    return 0;
}

const struct wk_prov_ops wk_prov_docker = {docker_start, docker_probe, docker_stop, docker_logs};
