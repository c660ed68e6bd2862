/* static_site.h — a folder of built web assets (the dashboard's web/dist),
 * loaded into memory once and served over the HTTP server.
 *
 * Loading reads every regular file under the folder (symlinks, dotfiles and
 * names outside [A-Za-z0-9._-] are skipped; at most CPC_SITE_MAX_FILES files,
 * CPC_SITE_MAX_FILE bytes each and CPC_SITE_MAX_BYTES in all, 8 folders
 * deep), computes each file's ETag, and keeps a gzip copy of the
 * compressible ones (text, scripts, JSON, SVG) when it is at least 10%
 * smaller. Nothing is read from disk afterwards: a new build is served after
 * a restart.
 *
 * Answers (cpc_static_site_answer), for GET and HEAD:
 *   - a file's path: the file, with its content type, ETag (304 to a
 *     matching If-None-Match), gzip when the client accepts it (Vary:
 *     Accept-Encoding), and caching: files under assets/ (content-hashed
 *     names) are immutable for a year; others, index.html first, are
 *     revalidated on every use (no-cache);
 *   - "/" or any other path whose last segment has no dot, asked for by a
 *     browser (Accept lists text/html): index.html, so that the page's own
 *     router shows its route;
 *   - anything else: not answered (the caller answers 404).
 * Every answer carries X-Content-Type-Options: nosniff; HTML also carries a
 * Content-Security-Policy (scripts, connections and frames from the same
 * origin only; inline styles allowed for the component library), no
 * framing by other sites and no referrer. */
#ifndef CPC_HTTP_STATIC_SITE_H
#define CPC_HTTP_STATIC_SITE_H

#include <stddef.h>

#include "../core/err.h"
#include "httpd.h"

#define CPC_SITE_MAX_FILES 4096
#define CPC_SITE_MAX_FILE (16u << 20)
#define CPC_SITE_MAX_BYTES (64u << 20)

struct cpc_static_site; /* opaque */

/* Load dir into *out (caller frees with cpc_static_site_free). CPC_ERR_NOT_FOUND
 * when dir or dir/index.html is missing; CPC_ERR_INVALID past a limit;
 * CPC_ERR_IO on a read error. */
int cpc_static_site_load(struct cpc_static_site **out, const char *dir, struct cpc_err *err);
/* Free a site; NULL accepted. */
void cpc_static_site_free(struct cpc_static_site *s);
/* Number of files and their total size in bytes (for the start-up log). */
void cpc_static_site_stats(const struct cpc_static_site *s, size_t *files, size_t *bytes);

/* Answer req (GET or HEAD) from the site as described above: 1 when res was
 * filled, 0 when the site has nothing for it. req and s are borrowed. */
int cpc_static_site_answer(const struct cpc_static_site *s, const struct cpc_http_req *req,
                           struct cpc_http_res *res);

#endif
