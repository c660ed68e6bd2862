/* fuzz_node_worker_auth.c — the node's signed-request check (worker_auth.h)
 * on arbitrary header values and bodies. It must never crash and must accept
 * nothing that is not signed.
 *
 * Input: byte 0 = flags, then NUL-separated fields
 *   method \0 path \0 X-CPC-Pubkey \0 X-CPC-Timestamp \0 X-CPC-Signature \0 body
 * (the body is the rest, NULs included; missing fields are empty).
 *   flags bit 0   0: raw mode — the header values are the fuzzer's own
 *                    (checked at NOW, unix ms);
 *                 1: signed mode — the request is signed with a fixed key at
 *                    timestamp NOW + 1000 * (int8)(first byte of the
 *                    timestamp field) + (int8)(its second byte, when the
 *                    first is not 0) ms, then changed per bits 4-5 (an empty
 *                    method or path cannot be signed: raw mode then)
 *   bits 1-3      drop the Pubkey / Timestamp / Signature header (NULL)
 *   bits 4-5      signed mode: 0 untouched, 1 one signature bit flipped,
 *                 2 body changed, 3 checked against another path
 *   bits 6-7      replay cache size - 1 (1..4 entries)
 * Oracles (abort on failure):
 *   - an accepted request carries a parsable key, a timestamp within the
 *     window and a signature that verifies over its digest (recomputed here
 *     with cpc_req_digest / cpc_verify), and the identical request is then
 *     refused as a replay;
 *   - in signed mode, an untouched request with all headers and a timestamp
 *     within +-60000 ms is accepted (unless the cache is full), a changed
 *     one never is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keyring.h"
#include "common/req_sign.h"
#include "core/hash.h"
#include "core/hex.h"
#include "market/worker_auth.h"

#define NOW 1700000000000ULL /* the node's clock, unix ms */

static const struct cpc_signer *signer(void)
{
    static struct cpc_signer *s;
    if (!s)
        s = cpc_signer_new(NULL);
    return s;
}

static const struct cpc_key *key(void)
{
    static struct cpc_key k;
    static int ready;
    if (!ready) {
        memset(&k, 0, sizeof k);
        cpc_sha256(k.seckey, "fuzz-worker-auth-key", 20);
        if (cpc_pubkey_from_seckey(signer(), k.info.pubkey, k.seckey) != 0)
            abort();
        ready = 1;
    }
    return &k;
}

/* Next NUL-terminated field of [*p, end) as a fresh C string (never NULL). */
static char *field(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *z = memchr(*p, 0, (size_t)(end - *p));
    size_t n = z ? (size_t)(z - *p) : (size_t)(end - *p);
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, *p, n);
    s[n] = 0;
    *p = z ? z + 1 : end;
    return s;
}

/* The oracle for an accepted request: it must verify on its own. */
static void check_accepted(const char *method, const char *path, const uint8_t *body,
                           size_t body_len, const char *pub_hex, const char *ts_s,
                           const char *sig_hex, const uint8_t pub_out[CPC_PUBKEY_LEN],
                           const uint8_t addr_out[CPC_ADDR_HASH_LEN])
{
    uint8_t pub[CPC_PUBKEY_LEN], sig[CPC_SIG_LEN], digest[32], addr[CPC_ADDR_HASH_LEN];
    if (!pub_hex || !ts_s || !sig_hex)
        abort();
    if (strlen(pub_hex) != 66 || cpc_hex_decode_exact(pub, sizeof pub, pub_hex) != 0 ||
        memcmp(pub, pub_out, sizeof pub) != 0)
        abort();
    if (strlen(sig_hex) != 128 || cpc_hex_decode_exact(sig, sizeof sig, sig_hex) != 0)
        abort();
    char *end = NULL;
    unsigned long long ts = strtoull(ts_s, &end, 10);
    if (!*ts_s || *end || ts + CPC_AUTH_WINDOW_MS < NOW || ts > NOW + CPC_AUTH_WINDOW_MS)
        abort();
    cpc_req_digest(digest, method, path, body, body_len, ts);
    if (cpc_verify(sig, digest, pub) != 0)
        abort();
    if (cpc_pubkey_hash(addr, pub) != 0 || memcmp(addr, addr_out, sizeof addr) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    const uint8_t *p = data + 1, *end = data + size;
    char *method = field(&p, end), *path = field(&p, end), *pub_f = field(&p, end),
         *ts_f = field(&p, end), *sig_f = field(&p, end);
    const uint8_t *body = p;
    size_t body_len = (size_t)(end - p);
    uint8_t *body2 = NULL;
    char ts_buf[32], *path2 = NULL;
    struct cpc_req_sig rs;
    const char *pub_h = pub_f, *ts_h = ts_f, *sig_h = sig_f, *check_path = path;
    int signed_mode = flags & 1, change = (flags >> 4) & 3, expect_ok = 0;

    int64_t delta = 1000 * (int64_t)(int8_t)(uint8_t)ts_f[0];
    if (ts_f[0])
        delta += (int8_t)(uint8_t)ts_f[1];
    uint64_t ts = (uint64_t)((int64_t)NOW + delta);
    if (signed_mode &&
        cpc_req_sign(&rs, signer(), key(), method, path, body, body_len, ts, NULL) != 0) {
        if (method[0] && path[0])
            abort(); /* only an empty method or path makes signing fail */
        signed_mode = 0;
    }
    if (signed_mode) {
        snprintf(ts_buf, sizeof ts_buf, "%llu", (unsigned long long)ts);
        pub_h = rs.pubkey;
        ts_h = ts_buf;
        sig_h = rs.signature;
        expect_ok = delta >= -CPC_AUTH_WINDOW_MS && delta <= CPC_AUTH_WINDOW_MS;
        if (change == 1) {
            uint8_t sig[CPC_SIG_LEN];
            if (cpc_hex_decode_exact(sig, sizeof sig, rs.signature) != 0)
                abort();
            unsigned bit = body_len ? body[0] % 512 : 0;
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            cpc_hex_encode(rs.signature, sig, sizeof sig);
            expect_ok = 0;
        } else if (change == 2) {
            body2 = malloc(body_len + 1);
            if (!body2)
                abort();
            memcpy(body2, body, body_len);
            if (body_len)
                body2[0] ^= 0x01;
            else
                body2[body_len++] = 'x';
            body = body2;
            expect_ok = 0;
        } else if (change == 3) {
            path2 = malloc(strlen(path) + 2);
            if (!path2)
                abort();
            path2[0] = 'X';
            strcpy(path2 + 1, path);
            check_path = path2;
            expect_ok = 0;
        }
    }
    if (flags & 2)
        pub_h = NULL, expect_ok = 0;
    if (flags & 4)
        ts_h = NULL, expect_ok = 0;
    if (flags & 8)
        sig_h = NULL, expect_ok = 0;

    struct cpc_worker_auth *a = cpc_worker_auth_new(1 + (size_t)(flags >> 6));
    if (!a)
        abort();
    uint8_t pub[CPC_PUBKEY_LEN], addr[CPC_ADDR_HASH_LEN];
    struct cpc_err err = {0};
    int rc = cpc_worker_auth_check(a, method, check_path, body, body_len, pub_h, ts_h, sig_h, NOW,
                                   pub, addr, &err);
    if (rc != 0 && (rc != CPC_ERR_UNAUTHORIZED && rc != CPC_ERR_TOO_LARGE))
        abort();
    if (rc != 0 && (!err.msg[0] || err.code != rc))
        abort();
    if (expect_ok && rc != 0)
        abort(); /* a correctly signed, fresh request must pass (the cache is empty) */
    if (rc == 0) {
        check_accepted(method, check_path, body, body_len, pub_h, ts_h, sig_h, pub, addr);
        if (signed_mode && change)
            abort();
        /* the same request again is a replay */
        memset(&err, 0, sizeof err);
        rc = cpc_worker_auth_check(a, method, check_path, body, body_len, pub_h, ts_h, sig_h,
                                   NOW, NULL, NULL, &err);
        if (rc != CPC_ERR_UNAUTHORIZED || strcmp(err.msg, "replayed request") != 0)
            abort();
    }
    cpc_worker_auth_free(a);
    free(body2);
    free(path2);
    free(method);
    free(path);
    free(pub_f);
    free(ts_f);
    free(sig_f);
    return 0;
}
