/* config.c — the INI-style HOME/config file (see config.h).
 *
 * Design note: the file is small (a few dozen lines) and read once at start,
 * so it is parsed into a flat array of (section, key, value) entries and
 * looked up linearly. Syntax, one item per line:
 *   # comment        ; comment        (whole-line comments only: values may contain '#')
 *   [section]        names of letters, digits, '_', '-', '.'
 *   key = value      key as above; value trimmed, may be empty
 * Blank lines and surrounding whitespace are ignored; CRLF is accepted.
 * Errors (bad line, bad name, duplicate key in a section) name the line
 * number so an operator can fix the file. A missing file is an empty config.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "home.h"
#include "log.h"

#define CONFIG_FILE_MAX (1u << 20) /* 1 MiB: far above any real config */
#define CONFIG_NAME_MAX 128

struct cfg_entry {
    char *section; /* "" for keys before any [section] */
    char *key;
    char *value;
};

struct cpc_config {
    struct cfg_entry *v;
    size_t n, cap;
};

int cpc_config_load_home(struct cpc_config **out, const char *home, char *path, size_t cap,
                         struct cpc_err *err)
{
    char own[CPC_PATH_MAX];
    if (!path || cap == 0) {
        path = own;
        cap = sizeof own;
    }
    *out = NULL;
    if (cpc_home_path(path, cap, home, "config") != 0)
        return cpc_err_set(err, CPC_ERR_TOO_LARGE, "home path too long");
    int rc = cpc_config_load(out, path, err);
    if (rc != 0)
        return cpc_err_prefix(err, "%s", path);
    return 0;
}

void cpc_config_free(struct cpc_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].section);
        free(c->v[i].key);
        free(c->v[i].value);
    }
    free(c->v);
    free(c);
}

static int is_name_char(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch == '.';
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0 || n > CONFIG_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_name_char((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Trim [*b, *e) of spaces/tabs/CR in place. */
static void trim(const char **b, const char **e)
{
    while (*b < *e && ((*b)[0] == ' ' || (*b)[0] == '\t' || (*b)[0] == '\r'))
        (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

static char *dup_range(const char *b, const char *e)
{
    size_t n = (size_t)(e - b);
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, b, n);
        s[n] = '\0';
    }
    return s;
}

static const struct cfg_entry *find(const struct cpc_config *c, const char *section,
                                    const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].section, section) == 0 && strcmp(c->v[i].key, key) == 0)
            return &c->v[i];
    return NULL;
}

static int add_entry(struct cpc_config *c, const char *section, const char *kb, const char *ke,
                     const char *vb, const char *ve)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        struct cfg_entry *nv = realloc(c->v, ncap * sizeof *nv);
        if (!nv)
            return CPC_ERR_NOMEM;
        c->v = nv;
        c->cap = ncap;
    }
    struct cfg_entry *en = &c->v[c->n];
    en->section = strdup(section);
    en->key = dup_range(kb, ke);
    en->value = dup_range(vb, ve);
    if (!en->section || !en->key || !en->value) {
        free(en->section);
        free(en->key);
        free(en->value);
        return CPC_ERR_NOMEM;
    }
    c->n++;
    return 0;
}

/* Parse text (len bytes, NUL-terminated) into c. */
static int parse(struct cpc_config *c, const char *path, const char *text, size_t len,
                 struct cpc_err *err)
{
    char section[CONFIG_NAME_MAX + 1] = "";
    const char *p = text, *end = text + len;
    unsigned line = 0;

    if (memchr(text, '\0', len))
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: contains a NUL byte", path);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *b = p, *e = le;
        line++;
        p = nl ? nl + 1 : end;

        trim(&b, &e);
        if (b == e || *b == '#' || *b == ';')
            continue;
        if (*b == '[') {
            if (e[-1] != ']' || e - b < 2)
                return cpc_err_set(err, CPC_ERR_INVALID,
                                   "%s:%u: section header must look like [name]", path, line);
            const char *sb = b + 1, *se = e - 1;
            trim(&sb, &se);
            if (!valid_name(sb, (size_t)(se - sb)))
                return cpc_err_set(err, CPC_ERR_INVALID,
                                   "%s:%u: invalid section name (use letters, digits, '_', '-', '.')",
                                   path, line);
            memcpy(section, sb, (size_t)(se - sb));
            section[se - sb] = '\0';
            continue;
        }
        const char *eq = memchr(b, '=', (size_t)(e - b));
        if (!eq)
            return cpc_err_set(err, CPC_ERR_INVALID, "%s:%u: expected 'key = value'", path, line);
        const char *kb = b, *ke = eq, *vb = eq + 1, *ve = e;
        trim(&kb, &ke);
        trim(&vb, &ve);
        if (!valid_name(kb, (size_t)(ke - kb)))
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "%s:%u: invalid key name (use letters, digits, '_', '-', '.')",
                               path, line);
        char key[CONFIG_NAME_MAX + 1];
        memcpy(key, kb, (size_t)(ke - kb));
        key[ke - kb] = '\0';
        if (find(c, section, key))
            return cpc_err_set(err, CPC_ERR_INVALID, "%s:%u: duplicate key '%s' in section [%s]",
                               path, line, key, section);
        if (add_entry(c, section, kb, ke, vb, ve))
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory parsing %s", path);
    }
    return 0;
}

int cpc_config_load(struct cpc_config **out, const char *path, struct cpc_err *err)
{
    struct cpc_config *c = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (!out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_config_load: no output pointer");
    *out = NULL;
    if (!path || !path[0])
        return cpc_err_set(err, CPC_ERR_INVALID, "config path is empty");
    c = calloc(1, sizeof *c);
    if (!c)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory loading %s", path);

    rc = cpc_read_file(path, CONFIG_FILE_MAX, &text, &len, err);
    if (rc == CPC_ERR_NOT_FOUND) {
        cpc_err_clear(err);
        rc = 0; /* missing file: empty config */
        goto done;
    }
    if (rc == CPC_ERR_TOO_LARGE) {
        rc = cpc_err_set(err, CPC_ERR_INVALID, "config file %s is larger than %u bytes", path,
                         CONFIG_FILE_MAX);
        goto done;
    }
    if (rc)
        goto done;
    rc = parse(c, path, text, len, err);
done:
    free(text);
    if (rc) {
        cpc_config_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

const char *cpc_config_get(const struct cpc_config *c, const char *section, const char *key)
{
    if (!c || !key)
        return NULL;
    const struct cfg_entry *en = find(c, section ? section : "", key);
    return en ? en->value : NULL;
}

int cpc_config_get_u64(const struct cpc_config *c, const char *section, const char *key,
                       uint64_t def, uint64_t *out, struct cpc_err *err)
{
    const char *v = cpc_config_get(c, section, key);
    uint64_t x = 0;

    if (!out)
        return cpc_err_set(err, CPC_ERR_INVALID, "cpc_config_get_u64: no output pointer");
    if (!v) {
        *out = def;
        return 0;
    }
    if (!v[0])
        goto bad;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            goto bad;
        unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "config [%s] %s: '%s' is too large for an unsigned 64-bit integer",
                               section ? section : "", key, v);
        x = x * 10 + d;
    }
    *out = x;
    return 0;
bad:
    return cpc_err_set(err, CPC_ERR_INVALID,
                       "config [%s] %s: '%s' is not an unsigned integer", section ? section : "",
                       key, v);
}

int cpc_config_create(const char *path, const char *text, size_t len, int *created,
                      struct cpc_err *err)
{
    if (created)
        *created = 0;
    if (access(path, F_OK) == 0)
        return 0;
    int rc = cpc_write_file_atomic(path, text, len, CPC_CONFIG_MODE, err);
    if (created)
        *created = rc == 0;
    return rc;
}

int cpc_config_warn_exposed(const char *path, unsigned *mode)
{
    struct stat st;
    if (mode)
        *mode = 0;
    if (stat(path, &st) != 0)
        return 0;
    unsigned m = (unsigned)st.st_mode & 07777u;
    if (mode)
        *mode = m;
    if (!(m & 077u))
        return 0;
    CPC_LOGW("%s has mode %04o: %s may %s it, and it may hold secrets ([smtp] password, "
             "[platform] jwt_secret); make it owner-only: chmod 600 %s",
             path, m, (m & 07u) ? "every user" : "its group",
             (m & 044u) ? "read" : "change", path);
    return 1;
}
