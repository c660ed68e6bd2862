/* agent_state.c — the agent's state file, HOME/worker/ADDRESS/state.json.
 *
 * {"version":1,"address","next_nonce","done","earned",
 *  "items":[{"lease":{the node's lease task} | "synthetic":{"height","seed","n",
 *            "challenges","reward"}, "phase","checkpoint","result":hex,
 *            ["salt":hex32 (exec: the commitment's secret)],
 *            "tx":{signed tx}|null,"tx_hash":hex,"commit_height"}]}
 *
 * Written whole, atomically (tmp + fsync + rename + fsync dir) after every
 * change that must survive a crash; a matmul result's row leaves live next to
 * it in TASK_ID.leaves (32 bytes a row), an exec output in TASK_ID.out (until
 * it is uploaded with the reveal), written before the state names the result. The file is small: a handful of items at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/hex.h"
#include "../core/hex_json.h"
#include "../core/uuid.h"
#include "agent_internal.h"

#define STATE_MAX (16u << 20)

static const char *const PHASES[] = {"leased", "computed", "submitted", "committed", "revealed"};

void wk_item_clear(struct wk_item *it)
{
    json_decref(it->lease_json);
    json_decref(it->tx);
    memset(it, 0, sizeof *it);
}

int wk_leaves_path(const struct wk_agent *a, const struct wk_item *it, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s.leaves", a->dir, it->t.task_id_s);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int wk_output_path(const struct wk_agent *a, const struct wk_item *it, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s.out", a->dir, it->t.task_id_s);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

void wk_item_drop(struct wk_agent *a, size_t i)
{
    char path[CPC_PATH_MAX];
    if (wk_leaves_path(a, &a->items[i], path, sizeof path) == 0)
        unlink(path);
    if (wk_output_path(a, &a->items[i], path, sizeof path) == 0)
        unlink(path);
    wk_item_clear(&a->items[i]);
    memmove(&a->items[i], &a->items[i + 1], (a->n_items - i - 1) * sizeof *a->items);
    a->n_items--;
}

struct wk_item *wk_item_add(struct wk_agent *a)
{
    if (a->n_items == a->cap_items) {
        size_t cap = a->cap_items ? 2 * a->cap_items : 8;
        struct wk_item *p = realloc(a->items, cap * sizeof *p);
        if (!p)
            return NULL;
        a->items = p;
        a->cap_items = cap;
    }
    struct wk_item *it = &a->items[a->n_items++];
    memset(it, 0, sizeof *it);
    return it;
}

static json_t *item_to_json(const struct wk_item *it)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    if (it->synthetic) {
        bad |= json_object_set_new(o, "synthetic",
                                   json_pack("{s:I, s:o, s:I, s:I, s:I}", "height",
                                             (json_int_t)it->synth_height, "seed",
                                             cpc_hex_json(it->t.seed, 32), "n",
                                             (json_int_t)it->t.p.matmul.n, "challenges",
                                             (json_int_t)it->t.p.matmul.challenges, "reward",
                                             (json_int_t)it->t.reward));
    } else {
        bad |= json_object_set(o, "lease", it->lease_json);
    }
    bad |= json_object_set_new(o, "phase", json_string(PHASES[it->phase]));
    bad |= json_object_set_new(o, "checkpoint", json_integer((json_int_t)it->checkpoint));
    bad |= json_object_set_new(o, "result", cpc_hex_json(it->result, it->result_len));
    if (it->has_salt)
        bad |= json_object_set_new(o, "salt", cpc_hex_json(it->salt, 32));
    bad |= json_object_set(o, "tx", it->tx ? it->tx : json_null());
    bad |= json_object_set_new(o, "tx_hash", cpc_hex_json(it->tx_hash, 32));
    bad |= json_object_set_new(o, "commit_height", json_integer((json_int_t)it->commit_height));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int wk_state_save(struct wk_agent *a, struct cpc_err *err)
{
    char path[CPC_PATH_MAX];
    snprintf(path, sizeof path, "%s/state.json", a->dir);
    json_t *items = json_array();
    json_t *o = items ? json_pack("{s:i, s:s, s:I, s:I, s:I, s:o}", "version", 1, "address",
                                  a->address, "next_nonce", (json_int_t)a->next_nonce, "done",
                                  (json_int_t)a->done, "earned", (json_int_t)a->earned, "items",
                                  items)
                      : NULL;
    if (!o)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < a->n_items; i++) {
        json_t *j = item_to_json(&a->items[i]);
        if (!j || json_array_append_new(items, j) != 0) {
            json_decref(o);
            return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        }
    }
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!text)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = cpc_write_file_atomic(path, text, strlen(text), 0600, err);
    free(text);
    return rc;
}

static int get_u64(const json_t *o, const char *k, uint64_t *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_hex(const json_t *o, const char *k, uint8_t *out, size_t max, size_t *len)
{
    const char *s = json_string_value(json_object_get(o, k));
    size_t n = s ? strlen(s) : 0;
    if (!s || n % 2 || n / 2 > max || (n && cpc_hex_decode_exact(out, n / 2, s) != 0))
        return -1;
    if (len)
        *len = n / 2;
    return 0;
}

static int item_from_json(struct wk_agent *a, struct wk_item *it, const json_t *j,
                          struct cpc_err *err)
{
    const json_t *lease = json_object_get(j, "lease"), *syn = json_object_get(j, "synthetic");
    const char *phase = json_string_value(json_object_get(j, "phase"));
    size_t n_salt = 0;
    int rc;
    if (json_is_object(lease)) {
        if ((rc = cpc_wk_task_from_json(&it->t, lease, err)) != 0)
            return rc;
        it->lease_json = json_incref((json_t *)lease);
    } else if (json_is_object(syn)) {
        uint64_t h, n, ch, reward;
        if (get_u64(syn, "height", &h) || get_u64(syn, "n", &n) || get_u64(syn, "challenges", &ch) ||
            get_u64(syn, "reward", &reward) || get_hex(syn, "seed", it->t.seed, 32, NULL) ||
            n < 1 || n > CPC_MATMUL_MAX_DIM || ch > CPC_MATMUL_MAX_CHALLENGES)
            return cpc_err_set(err, CPC_ERR_INVALID, "synthetic item is malformed");
        uint8_t addr[CPC_ADDR_HASH_LEN];
        cpc_pubkey_hash(addr, a->key.info.pubkey);
        it->synthetic = true;
        it->synth_height = h;
        it->t.kind = CPC_KIND_MATMUL;
        it->t.p.matmul.m = it->t.p.matmul.k = it->t.p.matmul.n = (uint32_t)n;
        it->t.p.matmul.challenges = (uint32_t)ch;
        it->t.reward = reward;
        cpc_synthetic_task_id(it->t.task_id, h, addr);
        cpc_uuid_format(it->t.task_id_s, it->t.task_id);
    } else {
        return cpc_err_set(err, CPC_ERR_INVALID, "item has neither lease nor synthetic");
    }
    it->phase = PH_LEASED;
    for (int p = 0; p <= PH_REVEALED; p++)
        if (phase && !strcmp(phase, PHASES[p]))
            it->phase = (enum wk_phase)p;
    if (get_u64(j, "checkpoint", &it->checkpoint) ||
        get_u64(j, "commit_height", &it->commit_height) ||
        get_hex(j, "result", it->result, sizeof it->result, &it->result_len) ||
        get_hex(j, "tx_hash", it->tx_hash, 32, NULL))
        return cpc_err_set(err, CPC_ERR_INVALID, "item %s is malformed", it->t.task_id_s);
    if (json_object_get(j, "salt")) {
        if (get_hex(j, "salt", it->salt, 32, &n_salt) || n_salt != 32)
            return cpc_err_set(err, CPC_ERR_INVALID, "item %s: malformed salt", it->t.task_id_s);
        it->has_salt = true;
    }
    if (it->t.kind == CPC_KIND_EXEC && !it->synthetic && it->phase >= PH_SUBMITTED &&
        !it->has_salt)
        return cpc_err_set(err, CPC_ERR_INVALID, "item %s: an exec commitment without its salt",
                           it->t.task_id_s);
    const json_t *tx = json_object_get(j, "tx");
    if (json_is_object(tx))
        it->tx = json_incref((json_t *)tx);
    else if (it->phase == PH_SUBMITTED || it->phase == PH_REVEALED)
        return cpc_err_set(err, CPC_ERR_INVALID, "item %s lacks its signed tx", it->t.task_id_s);
    return 0;
}

int wk_state_load(struct wk_agent *a, struct cpc_err *err)
{
    char path[CPC_PATH_MAX], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/state.json", a->dir);
    int rc = cpc_read_file(path, STATE_MAX, &text, &len, err);
    if (rc == CPC_ERR_NOT_FOUND) {
        cpc_err_clear(err);
        return 0;
    }
    if (rc)
        return rc;
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!o)
        return cpc_err_set(err, CPC_ERR_INVALID, "%s: %s (line %d)", path, je.text, je.line);
    const char *addr = json_string_value(json_object_get(o, "address"));
    json_t *items = json_object_get(o, "items");
    rc = 0;
    if (!addr || strcmp(addr, a->address) != 0 || !json_is_array(items) ||
        get_u64(o, "next_nonce", &a->next_nonce) || get_u64(o, "done", &a->done) ||
        get_u64(o, "earned", &a->earned)) {
        rc = cpc_err_set(err, CPC_ERR_INVALID, "%s: not a state file of worker %s", path,
                         a->address);
    }
    for (size_t i = 0; rc == 0 && i < json_array_size(items); i++) {
        struct wk_item *it = wk_item_add(a);
        if (!it) {
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
            break;
        }
        if ((rc = item_from_json(a, it, json_array_get(items, i), err)) != 0) {
            cpc_err_prefix(err, "%s", path);
            wk_item_clear(it);
            a->n_items--;
        }
    }
    json_decref(o);
    return rc;
}
