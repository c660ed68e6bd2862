/* test_node_home_config.c — cpcd's HOME/config, which may hold the SMTP
 * password and the JWT secret: the default one cpcd writes on an empty home
 * is owner-only (0600, whatever the umask), and opening the node warns in the
 * log (one WARN line naming the file, its mode and chmod 600) when its group
 * or every user may read it, and says nothing when it is owner-only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "node/node.h"
#include "node_test_fixture.h"
#include "tmpdir_fixture.h"

static void open_close_node(const void *home)
{
    struct cpc_node_config cfg;
    struct cpc_node node;
    nt_config_load(&cfg, home);
    nt_node_open(&node, &cfg);
    cpc_daemon_close(&node);
}

/* Open and close a node on home with stderr captured; the log (caller frees). */
static char *open_node_log(const char *home)
{
    char *log = capture_stderr(open_close_node, home);
    assert_non_null(log);
    return log;
}

static void test_default_config_owner_only(void **state)
{
    (void)state;
    char home[NT_HOME_MAX], path[NT_HOME_MAX + 16];
    struct stat st;
    mode_t old = umask(022); /* the usual umask: a plain create would give 0644 */
    assert_true(nt_home_new(home, "/tmp/cpc-home-config-XXXXXX", NULL, NULL));
    umask(old);
    snprintf(path, sizeof path, "%s/config", home);
    assert_int_equal(stat(path, &st), 0);
    if ((st.st_mode & 07777) != 0600)
        fail_msg("%s was created with mode %04o, want 0600", path, (unsigned)st.st_mode & 07777);
    /* owner-only: opening the node warns about nothing */
    char *log = open_node_log(home);
    if (strstr(log, "chmod 600"))
        fail_msg("a warning for an owner-only config: %s", log);
    free(log);
    tmpdir_remove(home);
}

static void test_warns_when_others_may_read(void **state)
{
    (void)state;
    char home[NT_HOME_MAX], path[NT_HOME_MAX + 16];
    nt_home_new(home, "/tmp/cpc-home-config-XXXXXX", NULL,
                "[platform]\njwt_secret = 0123456789abcdef0123456789abcdef-secret\n");
    snprintf(path, sizeof path, "%s/config", home);
    static const struct {
        unsigned mode;
        const char *who;
    } cases[] = {{0644, "every user may read"}, {0640, "its group may read"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(chmod(path, cases[i].mode), 0);
        char *log = open_node_log(home);
        char mode[8];
        snprintf(mode, sizeof mode, "%04o", cases[i].mode);
        const char *line = strstr(log, " WARN ");
        if (!line || !strstr(line, path) || !strstr(line, mode) || !strstr(line, cases[i].who) ||
            !strstr(line, "chmod 600"))
            fail_msg("mode %s: no warning naming %s, %s and the fix in the log:\n%s", mode, path,
                     cases[i].who, log);
        assert_null(strstr(log, "-secret")); /* the warning names no secret */
        free(log);
    }
    assert_int_equal(chmod(path, 0600), 0);
    char *log = open_node_log(home);
    assert_null(strstr(log, "chmod 600"));
    free(log);
    tmpdir_remove(home);
}

int main(void)
{
    cpc_log_set_level(CPC_LOG_INFO);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_config_owner_only),
        cmocka_unit_test(test_warns_when_others_may_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
