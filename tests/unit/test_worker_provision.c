/* test_worker_provision.c — the rental provisioners' library (provision.h):
 * spec checks, the state file, the docker provisioner's exact argv through a
 * FAKE docker (a shell script written here that records its arguments: this
 * machine has no Docker daemon nor images), adoption instead of a second start,
 * reconcile, and a sandbox whose sshd cannot start (an error, nothing left
 * running). The real sshd-in-bubblewrap path runs end to end in
 * tests/integration/test_worker_rental_sandbox.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tmpdir_fixture.h"
#include "worker/provision.h"

#define KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIArgvTest x; rm -rf / $(id) `id`"

struct fx {
    char *dir;
    char docker[512], log[512];
    struct cpc_wk_provision_opts o;
    struct cpc_wk_rental_spec s;
};

/* The fake docker: each call appends its argv to LOG, one argument a line
 * between "--" lines; a container exists from `run` to `rm` (LOG.up). */
static const char FAKE_DOCKER[] =
    "#!/bin/sh\n"
    "log='%s'\n"
    "{ for a in \"$@\"; do printf '%%s\\n' \"$a\"; done; echo --; } >>\"$log\"\n"
    "case \"$1\" in\n"
    "  run) touch \"$log.up\"; echo 4242abcd ;;\n"
    "  rm) rm -f \"$log.up\" ;;\n"
    "  inspect) if [ -e \"$log.up\" ]; then echo running; else echo 'No such object' >&2; exit 1; fi ;;\n"
    "  logs) printf '0123456789' ;;\n"
    "esac\n";

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = tmpdir_new("/tmp/cpc-prov-XXXXXX");
    assert_non_null(f->dir);
    snprintf(f->docker, sizeof f->docker, "%s/docker", f->dir);
    snprintf(f->log, sizeof f->log, "%s/docker.log", f->dir);
    FILE *fp = fopen(f->docker, "w");
    assert_non_null(fp);
    fprintf(fp, FAKE_DOCKER, f->log);
    fclose(fp);
    chmod(f->docker, 0755);
    f->o.kind = CPC_WK_PROVISION_DOCKER;
    snprintf(f->o.state_dir, sizeof f->o.state_dir, "%s/state", f->dir);
    snprintf(f->o.listen, sizeof f->o.listen, "127.0.0.1");
    f->o.docker = f->docker;
    snprintf(f->s.id, sizeof f->s.id, "00ff");
    snprintf(f->s.image, sizeof f->s.image, "example/rental:1");
    snprintf(f->s.ssh_public_key, sizeof f->s.ssh_public_key, "%s", KEY);
    f->s.port = 2222;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    cpc_wk_rental_stop(&f->o, "00ff", NULL); /* nothing of a failed test keeps running */
    tmpdir_free(f->dir);
    free(f);
    return 0;
}

static char *slurp(const char *path)
{
    char *s = NULL;
    size_t n;
    struct cpc_err err = {0};
    if (cpc_read_file(path, 1 << 20, &s, &n, &err) != 0)
        return strdup("");
    return s;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_kind_and_spec_checks(void **state)
{
    struct fx *f = *state;
    enum cpc_wk_provision_kind k;
    struct cpc_err err = {0};
    assert_int_equal(cpc_wk_provision_kind_parse("docker", &k), 0);
    assert_int_equal(k, CPC_WK_PROVISION_DOCKER);
    assert_int_equal(cpc_wk_provision_kind_parse("sandbox", &k), 0);
    assert_int_equal(k, CPC_WK_PROVISION_SANDBOX);
    assert_int_equal(cpc_wk_provision_kind_parse("lxc", &k), CPC_ERR_INVALID);
    assert_int_equal(cpc_wk_rental_spec_check(&f->o, &f->s, &err), 0);
    struct cpc_wk_rental_spec s;
    const char *bad_ids[] = {"", "00FF", "xyz", "../x",
                             "0a b", "-1"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        s = f->s;
        snprintf(s.id, sizeof s.id, "%s", bad_ids[i]);
        assert_int_equal(cpc_wk_rental_spec_check(&f->o, &s, &err), CPC_ERR_INVALID);
    }
    s = f->s;
    s.port = 0;
    assert_int_equal(cpc_wk_rental_spec_check(&f->o, &s, &err), CPC_ERR_INVALID);
    s = f->s;
    snprintf(s.ssh_public_key, sizeof s.ssh_public_key, "ssh-ed25519 AAAA\nssh-rsa BBBB");
    assert_int_equal(cpc_wk_rental_spec_check(&f->o, &s, &err), CPC_ERR_INVALID);
    assert_non_null(strstr(err.msg, "one line"));
    snprintf(s.ssh_public_key, sizeof s.ssh_public_key, "command=\"sh\" ssh-ed25519 AAAA");
    assert_int_equal(cpc_wk_rental_spec_check(&f->o, &s, &err), CPC_ERR_INVALID);
    const char *bad_images[] = {"", "--privileged", "a b", "a\tb"};
    for (size_t i = 0; i < sizeof bad_images / sizeof bad_images[0]; i++) {
        s = f->s;
        snprintf(s.image, sizeof s.image, "%s", bad_images[i]);
        assert_int_equal(cpc_wk_rental_spec_check(&f->o, &s, &err), CPC_ERR_INVALID);
    }
    struct cpc_wk_provision_opts o = f->o; /* the listen address goes into sshd_config */
    snprintf(o.listen, sizeof o.listen, "127.0.0.1\nPermitRootLogin yes");
    assert_int_equal(cpc_wk_rental_spec_check(&o, &f->s, &err), CPC_ERR_INVALID);
    snprintf(o.listen, sizeof o.listen, "::1");
    assert_int_equal(cpc_wk_rental_spec_check(&o, &f->s, &err), 0);
    s = f->s;
    s.n_gpus = 1;
    s.gpus[0] = 64;
    assert_int_equal(cpc_wk_rental_spec_check(&f->o, &s, &err), CPC_ERR_INVALID);
}

static void test_docker_argv_and_adoption(void **state)
{
    struct fx *f = *state;
    struct cpc_err err = {0};
    struct cpc_wk_rental r;
    f->s.n_gpus = 1;
    f->s.gpus[0] = 3;
    assert_int_equal(cpc_wk_rental_start(&f->o, &f->s, &r, &err), 0);
    assert_string_equal(r.container, "4242abcd");
    assert_int_equal(r.run, CPC_WK_RENTAL_RUNNING);
    char *log = slurp(f->log);
    /* inspect (nothing yet), rm -f of a stale one, then the run: the key one argument */
    const char *want = "inspect\n-f\n{{.State.Status}}\ncpc-rental-00ff\n--\n"
                       "rm\n-f\ncpc-rental-00ff\n--\n"
                       "run\n-d\n--name\ncpc-rental-00ff\n--gpus\ndevice=3\n-p\n127.0.0.1:2222:22\n"
                       "-e\nSSH_PUBLIC_KEY=" KEY "\nexample/rental:1\n--\n";
    assert_string_equal(log, want);
    free(log);
    /* a second start adopts it: no second run */
    assert_int_equal(cpc_wk_rental_start(&f->o, &f->s, &r, &err), 0);
    log = slurp(f->log);
    assert_int_equal(count(log, "run\n"), 1);
    free(log);
    struct cpc_wk_rental *v = NULL;
    size_t n = 0;
    assert_int_equal(cpc_wk_rental_list(&f->o, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].run, CPC_WK_RENTAL_RUNNING);
    assert_int_equal(v[0].spec.gpus[0], 3);
    assert_string_equal(v[0].spec.ssh_public_key, KEY);
    free(v);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(cpc_wk_rental_logs(&f->o, "00ff", 4, &text, &len, &err), 0);
    assert_string_equal(text, "6789"); /* the last 4 bytes */
    assert_int_equal(len, 4);
    free(text);
}

static void test_docker_gpu_list_is_quoted(void **state)
{
    struct fx *f = *state;
    struct cpc_err err = {0};
    f->s.n_gpus = 2;
    f->s.gpus[0] = 0;
    f->s.gpus[1] = 1;
    f->o.listen[0] = 0; /* the production default */
    assert_int_equal(cpc_wk_rental_start(&f->o, &f->s, NULL, &err), 0);
    char *log = slurp(f->log);
    assert_non_null(strstr(log, "--gpus\n\"device=0,1\"\n-p\n0.0.0.0:2222:22\n"));
    free(log);
}

static void test_docker_stop_reconcile(void **state)
{
    struct fx *f = *state;
    struct cpc_err err = {0};
    assert_int_equal(cpc_wk_rental_start(&f->o, &f->s, NULL, &err), 0);
    unsigned ad = 9, ex = 9;
    assert_int_equal(cpc_wk_rental_reconcile(&f->o, &ad, &ex, &err), 0);
    assert_int_equal(ad, 1);
    assert_int_equal(ex, 0);
    char up[600];
    snprintf(up, sizeof up, "%s.up", f->log);
    unlink(up); /* the container went away while the worker was down */
    assert_int_equal(cpc_wk_rental_reconcile(&f->o, &ad, &ex, &err), 0);
    assert_int_equal(ad, 0);
    assert_int_equal(ex, 1);
    assert_int_equal(cpc_wk_rental_stop(&f->o, "00ff", &err), 0);
    assert_int_equal(cpc_wk_rental_stop(&f->o, "00ff", &err), CPC_ERR_NOT_FOUND);
    char path[600];
    snprintf(path, sizeof path, "%s/rentals.json", f->o.state_dir);
    char *st = slurp(path);
    assert_non_null(strstr(st, "\"rentals\": []"));
    free(st);
    /* another kind under the same id is refused */
    assert_int_equal(cpc_wk_rental_start(&f->o, &f->s, NULL, &err), 0);
    f->o.kind = CPC_WK_PROVISION_SANDBOX;
    assert_int_equal(cpc_wk_rental_start(&f->o, &f->s, NULL, &err), CPC_ERR_DUPLICATE);
}

static void test_sandbox_sshd_that_fails(void **state)
{
    struct fx *f = *state;
    struct cpc_err err = {0};
    f->o.kind = CPC_WK_PROVISION_SANDBOX;
    f->o.sshd = "/nonexistent/sshd";
    f->o.start_wait_ms = 3000;
    f->s.image[0] = 0;
    if (access("/usr/bin/bwrap", X_OK) != 0 || access("/usr/bin/ssh-keygen", X_OK) != 0) {
        skip(); /* scripts/deps.sh installs both */
    }
    int rc;
    if (geteuid() == 0) { /* as root: nobody cannot enter the 0700 test folder */
        rc = cpc_wk_rental_start(&f->o, &f->s, NULL, &err);
        assert_int_equal(rc, CPC_ERR_IO);
        assert_non_null(strstr(err.msg, "who cannot enter"));
        assert_int_equal(cpc_wk_rental_stop(&f->o, "00ff", &err), 0);
        chmod(f->dir, 0711);
        chmod(f->o.state_dir, 0711);
    }
    rc = cpc_wk_rental_start(&f->o, &f->s, NULL, &err);
    assert_int_equal(rc, CPC_ERR_IO);
    assert_non_null(strstr(err.msg, "did not listen"));
    struct cpc_wk_rental *v = NULL;
    size_t n = 0;
    assert_int_equal(cpc_wk_rental_list(&f->o, &v, &n, &err), 0);
    assert_int_equal(n, 1); /* recorded, not running: reconcile or stop handle it */
    assert_int_equal(v[0].run, CPC_WK_RENTAL_EXITED);
    assert_int_equal(v[0].pid, 0);
    free(v);
    char path[600];
    snprintf(path, sizeof path, "%s/rentals/00ff/ssh/host_key", f->o.state_dir);
    assert_int_equal(access(path, R_OK), 0); /* its own host key was made */
    snprintf(path, sizeof path, "%s/rentals/00ff/ssh/authorized_keys", f->o.state_dir);
    char *auth = slurp(path);
    assert_string_equal(auth, KEY "\n");
    free(auth);
    assert_int_equal(cpc_wk_rental_stop(&f->o, "00ff", &err), 0);
}

static unsigned free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* A real sandbox started from this process: it is our child, so when it dies the
 * next probe must reap it (no zombie), and a second rental on its port is refused. */
static void test_sandbox_child_reaped(void **state)
{
    struct fx *f = *state;
    struct cpc_err err = {0};
    if (access("/usr/sbin/sshd", X_OK) != 0 || access("/usr/bin/bwrap", X_OK) != 0)
        skip(); /* scripts/deps.sh installs both */
    chmod(f->dir, 0711); /* a root worker's sandbox runs as nobody, who walks down here */
    snprintf(f->o.rentals_dir, sizeof f->o.rentals_dir, "%s/rentals", f->dir);
    f->o.kind = CPC_WK_PROVISION_SANDBOX;
    f->s.image[0] = 0;
    f->s.port = free_port();
    struct cpc_wk_rental r;
    int rc = cpc_wk_rental_start(&f->o, &f->s, &r, &err);
    if (rc)
        fail_msg("start: %s", err.msg);
    assert_true(r.pid > 0);
    struct cpc_wk_rental_spec s2 = f->s;
    snprintf(s2.id, sizeof s2.id, "00fe");
    assert_int_equal(cpc_wk_rental_start(&f->o, &s2, NULL, &err), CPC_ERR_IO);
    assert_non_null(strstr(err.msg, "in use"));
    assert_int_equal(cpc_wk_rental_stop(&f->o, "00fe", &err), 0);
    assert_int_equal(kill(r.pid, SIGKILL), 0); /* the outer bwrap dies; it is a zombie now */
    struct cpc_wk_rental *v = NULL;
    size_t n = 0;
    for (int i = 0; i < 500; i++) { /* until the probe no longer sees it running (5 s) */
        free(v);
        assert_int_equal(cpc_wk_rental_list(&f->o, &v, &n, &err), 0);
        if (n == 1 && v[0].pid != r.pid)
            break;
        usleep(10000);
    }
    assert_int_equal(n, 1);
    assert_int_not_equal(v[0].pid, r.pid);
    free(v);
    assert_int_equal(waitpid(r.pid, NULL, WNOHANG), -1); /* reaped by the probe */
    assert_int_equal(errno, ECHILD);
    assert_int_equal(cpc_wk_rental_stop(&f->o, "00ff", &err), 0); /* and the inner init */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kind_and_spec_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docker_argv_and_adoption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docker_gpu_list_is_quoted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docker_stop_reconcile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sandbox_sshd_that_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sandbox_child_reaped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
