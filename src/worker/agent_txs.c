/* agent_txs.c — the agent's transactions: sign results and reveals with the
 * next nonce, save them, post them in batches (POST /txs), follow them
 * (GET /tx/{hash}) to verified, rejected or lost-and-posted-again, and build
 * REVEALs from the stored row leaves (agent.h has the crash-safety rules).
 *
 * exec replicas are commit-reveal: the SUBMIT_RESULT carries
 * cpc_exec_commitment(result, worker, salt) under a fresh random salt (saved
 * with the signed tx, before it is posted), and the RESULT_REVEAL with the
 * result and the salt is signed only once the node shows the task's commit
 * window closed (status "committed"), so no one can copy the result into a
 * commitment of their own. The output itself reaches the node's blobs only
 * then too (a blob is public by its hash: it would confirm a guessed output).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/clock.h"
#include "../core/hash.h"
#include "../core/hex.h"
#include "agent_internal.h"

/* ------------------------------------------------------------------ */
/* Signing and posting                                                 */

/* Make sure next_nonce is not behind the node's view of the account. */
static int sync_nonce(struct wk_agent *a, struct cpc_err *err)
{
    struct cpc_account_info acct;
    int rc = cpc_account_fetch(cpc_wk_node_http(a->node), a->address, &acct, err);
    if (rc)
        return rc;
    if (acct.pending_nonce > a->next_nonce)
        a->next_nonce = acct.pending_nonce;
    a->balance = acct.balance;
    a->have_balance = true;
    return 0;
}

/* Sign tx with the next nonce into it->tx / it->tx_hash. Clears tx. */
static int seal_into(struct wk_agent *a, struct wk_item *it, struct cpc_tx *tx,
                     struct cpc_err *err)
{
    memcpy(tx->pubkey, a->key.info.pubkey, CPC_PUBKEY_LEN);
    cpc_pubkey_hash(tx->from, a->key.info.pubkey);
    int rc = cpc_tx_seal(tx, &a->chain, a->chain.min_gas_price, a->next_nonce, a->signer,
                         a->key.seckey, err);
    if (rc == 0) {
        json_decref(it->tx);
        it->tx = cpc_tx_to_json(tx);
        memcpy(it->tx_hash, tx->hash, 32);
        if (!it->tx)
            rc = cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
        else
            a->next_nonce++;
    }
    cpc_tx_clear(tx);
    return rc;
}

static int build_result_tx(struct wk_agent *a, struct wk_item *it, struct cpc_err *err)
{
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_SUBMIT_RESULT;
    struct cpc_payload_submit_result *r = &tx.u.result;
    memcpy(r->task_id, it->t.task_id, 16);
    cpc_pubkey_hash(r->worker, a->key.info.pubkey);
    if (!it->synthetic && it->t.kind == CPC_KIND_EXEC) {
        if (!it->has_salt) { /* saved with the signed tx, before it is posted */
            cpc_random_bytes(it->salt, sizeof it->salt);
            it->has_salt = true;
        }
        cpc_exec_commitment(r->result_hash, it->result, it->result_len, r->worker, it->salt);
        r->result_hash_len = 32;
    } else {
        memcpy(r->result_hash, it->result, it->result_len);
        r->result_hash_len = it->result_len;
    }
    if (!it->synthetic) {
        r->has_lease = it->t.lease_in_set ? 2 : 1;
        r->lease_expires = it->t.lease_expires;
        memcpy(r->lease_sig, it->t.lease_sig, 64);
        if (it->t.lease_in_set)
            r->lease_set = it->t.lease_set;
    }
    return seal_into(a, it, &tx, err);
}

/* A nonce the node calls used may be used by this very tx: posted before a
 * crash or a timed-out answer and committed (or pending) since. Signing the
 * result again would put a second SUBMIT_RESULT of the task on chain. 1 when
 * the node knows it->tx_hash, 0 when it does not, -1 when it cannot say. */
static int tx_known(struct wk_agent *a, const struct wk_item *it)
{
    enum cpc_tx_state st;
    uint64_t h = 0;
    char why[256];
    struct cpc_err e = {0};
    if (cpc_tx_lookup(cpc_wk_node_http(a->node), it->tx_hash, &st, &h, why, sizeof why, &e) != 0)
        return -1;
    return st != CPC_TXS_UNKNOWN;
}

/* Post the signed txs of items[idx[0..n)]. A tx the node refuses is handled
 * here: a nonce problem re-signs it later unless the node knows the tx itself
 * (then the poll follows it), anything else drops the task. */
static void post_items(struct wk_agent *a, size_t *idx, size_t n)
{
    if (!n)
        return;
    json_t **txs = calloc(n, sizeof *txs);
    struct cpc_err *per = calloc(n, sizeof *per), e = {0};
    if (!txs || !per) {
        free(txs);
        free(per);
        return;
    }
    for (size_t i = 0; i < n; i++)
        txs[i] = a->items[idx[i]].tx;
    int rc = cpc_txs_post(cpc_wk_node_http(a->node), txs, n, per, NULL, &e);
    if (rc) { /* nothing known: the poll finds them unknown and posts again */
        for (size_t i = 0; i < n; i++)
            a->items[idx[i]].next_check = cpc_clock_mono_s() + a->tm->retry_ms / 1000.0;
        cpc_wk_report_event(a->rep, CPC_LOG_WARN, "offline", NULL, "posting %zu txs: %s", n,
                            e.msg);
        free(txs);
        free(per);
        return;
    }
    bool changed = false;
    /* walk backwards so drops keep the remaining indexes valid */
    for (size_t k = n; k-- > 0;) {
        struct wk_item *it = &a->items[idx[k]];
        it->next_check = cpc_clock_mono_s() + a->tm->tx_check_ms / 1000.0;
        if (per[k].code == 0) {
            const char *hash = json_string_value(json_object_get(it->tx, "hash"));
            cpc_wk_report_event(a->rep, CPC_LOG_INFO,
                                it->phase == PH_REVEALED ? "revealed" : "submitted",
                                wk_task_fields(it), "task %.8s %s tx %.12s…", it->t.task_id_s,
                                it->phase == PH_REVEALED ? "REVEAL" : "SUBMIT_RESULT",
                                hash ? hash : "");
            continue;
        }
        changed = true;
        if (per[k].code == CPC_ERR_NONCE_REPLAYED || per[k].code == CPC_ERR_NONCE_GAP ||
            per[k].code == CPC_ERR_MEMPOOL_FULL || per[k].code == CPC_ERR_FEE_TOO_LOW) {
            int known = tx_known(a, it);
            if (known != 0) { /* ours already (follow it), or the node cannot say: ask later */
                it->next_check =
                    cpc_clock_mono_s() + (known > 0 ? 0.0 : a->tm->retry_ms / 1000.0);
                cpc_wk_report_event(a->rep, CPC_LOG_DEBUG, "already_posted", NULL,
                                    "task %.8s: %s; %s", it->t.task_id_s, per[k].msg,
                                    known > 0 ? "the node has this tx: following it"
                                              : "cannot look the tx up: later");
                continue;
            }
            /* sign again with a fresh nonce (the old tx can never be included: its nonce
             * is taken or unreachable) */
            it->phase = it->phase == PH_REVEALED ? PH_COMMITTED : PH_COMPUTED;
            json_decref(it->tx);
            it->tx = NULL;
            cpc_wk_report_event(a->rep, CPC_LOG_DEBUG, "resign", NULL, "task %.8s: %s",
                                it->t.task_id_s, per[k].msg);
        } else {
            cpc_wk_report_event(a->rep, CPC_LOG_WARN, "refused", wk_task_fields(it),
                                "task %.8s: the node refused the tx: %s", it->t.task_id_s,
                                per[k].msg);
            wk_item_drop(a, idx[k]);
        }
    }
    if (changed) {
        struct cpc_err se = {0};
        struct cpc_err ne = {0};
        sync_nonce(a, &ne);
        if (wk_state_save(a, &se) != 0)
            cpc_wk_report_event(a->rep, CPC_LOG_ERROR, "state", NULL, "%s", se.msg);
    }
    free(txs);
    free(per);
}

/* Sign every COMPUTED result (whose lease still holds) and every due REVEAL
 * is done by reveal_due; here: results. Saved before posting. */
int wk_submit_results(struct wk_agent *a, struct cpc_err *err)
{
    size_t want = 0;
    for (size_t i = 0; i < a->n_items; i++)
        want += a->items[i].phase == PH_COMPUTED;
    if (!want)
        return 0;
    int rc = sync_nonce(a, err);
    if (rc)
        return rc;
    size_t *idx = calloc(a->n_items, sizeof *idx), n = 0;
    if (!idx)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    for (size_t i = a->n_items; i-- > 0;) {
        struct wk_item *it = &a->items[i];
        if (it->phase != PH_COMPUTED)
            continue;
        if (!it->synthetic && a->chain.height >= it->t.lease_expires) {
            cpc_wk_report_event(a->rep, CPC_LOG_WARN, "expired", wk_task_fields(it),
                                "task %.8s: lease expired at height %" PRIu64
                                " before the result was sent; kept for a new lease",
                                it->t.task_id_s, it->t.lease_expires);
            wk_memo_keep(a, it);
            wk_item_drop(a, i);
            continue;
        }
        if ((rc = build_result_tx(a, it, err)) != 0)
            break;
        it->phase = PH_SUBMITTED;
    }
    if (rc == 0)
        rc = wk_state_save(a, err);
    if (rc == 0) {
        for (size_t i = 0; i < a->n_items; i++)
            if (a->items[i].phase == PH_SUBMITTED && a->items[i].next_check == 0)
                idx[n++] = i;
        post_items(a, idx, n);
    }
    free(idx);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Reveals                                                             */

static int build_reveal(struct wk_agent *a, struct wk_item *it, const json_t *task,
                        struct cpc_err *err)
{
    const json_t *ch = json_object_get(task, "challenge");
    const json_t *rows = json_object_get(ch, "rows");
    const char *bh = json_string_value(json_object_get(ch, "block_hash"));
    uint32_t m = it->t.p.matmul.m, count = (uint32_t)json_array_size(rows);
    uint8_t hash[32], seed[32];
    if (!bh || cpc_hex_decode_exact(hash, 32, bh) != 0 || count == 0 ||
        count > CPC_MATMUL_MAX_CHALLENGES)
        return cpc_err_set(err, CPC_ERR_INVALID, "task %.8s: malformed challenge", it->t.task_id_s);
    /* the rows follow from the commit block's hash: check the node's list */
    uint32_t mine[CPC_MATMUL_MAX_CHALLENGES];
    cpc_challenge_seed(seed, hash, it->t.task_id);
    cpc_matmul_challenge(seed, m, count, mine);
    for (uint32_t i = 0; i < count; i++)
        if (json_integer_value(json_array_get(rows, i)) != (json_int_t)mine[i])
            return cpc_err_set(err, CPC_ERR_INVALID,
                               "task %.8s: the node's challenge rows do not follow from block %.12s",
                               it->t.task_id_s, bh);
    char path[CPC_PATH_MAX], *leaves = NULL;
    size_t len = 0;
    int rc = wk_leaves_path(a, it, path, sizeof path) != 0
                 ? cpc_err_set(err, CPC_ERR_TOO_LARGE, "path too long")
                 : cpc_read_file(path, (size_t)m * 32 + 1, &leaves, &len, err);
    if (rc)
        return rc;
    struct cpc_merkle_proof *proofs = calloc(count, sizeof *proofs);
    if (len != (size_t)m * 32 || !proofs) {
        free(leaves);
        free(proofs);
        return cpc_err_set(err, proofs ? CPC_ERR_INVALID : CPC_ERR_NOMEM,
                           "task %.8s: row leaves file is damaged", it->t.task_id_s);
    }
    for (uint32_t i = 0; i < count && rc == 0; i++)
        rc = cpc_merkle_prove(&proofs[i], (const uint8_t(*)[32])leaves, m, mine[i]);
    free(leaves);
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_REVEAL;
    memcpy(tx.u.reveal.task_id, it->t.task_id, 16);
    tx.u.reveal.count = (uint16_t)count;
    if (rc == 0)
        rc = cpc_reveal_pack(proofs, (uint16_t)count, &tx.ext, &tx.ext_len);
    free(proofs);
    if (rc) {
        cpc_tx_clear(&tx);
        return cpc_err_set(err, rc, "task %.8s: cannot build the proofs", it->t.task_id_s);
    }
    return seal_into(a, it, &tx, err);
}

/* PUT the exec output (TASK_ID.out, checked against the result) to the node's
 * blobs, now that the commit window is closed. 0, a transport error (retry),
 * or another error (reported; the reveal goes on: the chain needs no blob). */
static int upload_output(struct wk_agent *a, struct wk_item *it, struct cpc_err *err)
{
    char path[CPC_PATH_MAX], hex[65], url[96], *out = NULL;
    size_t len = 0;
    uint8_t h[32];
    int rc = wk_output_path(a, it, path, sizeof path) != 0
                 ? cpc_err_set(err, CPC_ERR_TOO_LARGE, "path too long")
                 : cpc_read_file(path, WK_MAX_OUTPUT + 1, &out, &len, err);
    if (rc)
        return rc;
    cpc_sha256(h, out, len);
    if (it->result_len != 32 || memcmp(h, it->result, 32) != 0) {
        free(out);
        return cpc_err_set(err, CPC_ERR_INVALID, "task %.8s: the output file is damaged",
                           it->t.task_id_s);
    }
    cpc_hex_encode(hex, h, 32);
    snprintf(url, sizeof url, "/blobs/%s", hex);
    struct cpc_http_resp r = {0};
    /* signed: the node charges the upload to this worker's account */
    rc = cpc_wk_node_signed_raw(a->node, "PUT", url, out, len, "application/octet-stream", &r,
                                err);
    if (rc == 0 && r.status != 200 && r.status != 201)
        rc = cpc_err_set(err, CPC_ERR_IO, "PUT /blobs/%s: HTTP %ld", hex, r.status);
    cpc_http_resp_free(&r);
    free(out);
    return rc;
}

static int build_result_reveal(struct wk_agent *a, struct wk_item *it, struct cpc_err *err)
{
    if (!it->has_salt || it->result_len == 0 || it->result_len > 64)
        return cpc_err_set(err, CPC_ERR_INVALID, "task %.8s: no result and salt to reveal",
                           it->t.task_id_s);
    struct cpc_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = CPC_TX_RESULT_REVEAL;
    struct cpc_payload_result_reveal *p = &tx.u.result_reveal;
    memcpy(p->task_id, it->t.task_id, 16);
    memcpy(p->result, it->result, it->result_len);
    p->result_len = (uint8_t)it->result_len;
    memcpy(p->salt, it->salt, 32);
    return seal_into(a, it, &tx, err);
}

/* Where an exec task the worker committed to stands, from GET /market/task/{id}:
 * 1 the commit window closed and this worker's replica waits for its reveal,
 * 0 the window is still open, -1 nothing to reveal any more (settled without
 * it, or the reveal deadline passed): *why says which. */
static int exec_reveal_state(struct wk_agent *a, const json_t *task, const char **why)
{
    const char *st = json_string_value(json_object_get(task, "status"));
    json_int_t deadline = json_integer_value(json_object_get(task, "reveal_deadline"));
    if (st && !strcmp(st, "open")) {
        *why = "commit window open";
        return 0;
    }
    if (!st || strcmp(st, "committed") != 0) {
        *why = "the task was settled without this replica's reveal";
        return -1;
    }
    if ((json_int_t)a->chain.height > deadline) {
        *why = "the reveal deadline passed";
        return -1;
    }
    const json_t *res = json_object_get(task, "results"), *r;
    size_t i;
    json_array_foreach(res, i, r) {
        const char *w = json_string_value(json_object_get(r, "worker"));
        const char *rs = json_string_value(json_object_get(r, "state"));
        if (w && !strcmp(w, a->address))
            return rs && !strcmp(rs, "committed") ? 1 : (*why = "already revealed", -1);
    }
    *why = "this worker's commitment is not in the task's reveal phase";
    return -1;
}

int wk_reveal_due(struct wk_agent *a, struct cpc_err *err)
{
    size_t *idx = calloc(a->n_items + 1, sizeof *idx), n = 0;
    if (!idx)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    int rc = 0;
    bool synced = false;
    for (size_t i = a->n_items; i-- > 0;) {
        struct wk_item *it = &a->items[i];
        if (it->phase != PH_COMMITTED || it->next_check > cpc_clock_mono_s())
            continue;
        bool exec = !it->synthetic && it->t.kind == CPC_KIND_EXEC;
        if (!exec && a->chain.height > it->commit_height + CPC_REVEAL_WINDOW) {
            cpc_wk_report_event(a->rep, CPC_LOG_WARN, "missed", wk_task_fields(it),
                                "task %.8s: reveal window closed at height %" PRIu64,
                                it->t.task_id_s, it->commit_height + CPC_REVEAL_WINDOW);
            wk_item_drop(a, i);
            continue;
        }
        char path[96];
        json_t *task = NULL;
        struct cpc_err e = {0};
        snprintf(path, sizeof path, "/market/task/%s", it->t.task_id_s);
        rc = cpc_http_json(cpc_wk_node_http(a->node), "GET", path, NULL, &task, NULL, &e);
        if (rc == 0 && exec) {
            const char *why = "";
            int ready = exec_reveal_state(a, task, &why);
            if (ready <= 0) {
                json_decref(task);
                if (ready == 0) {
                    /* the other replicas still computing */
                    it->next_check = cpc_clock_mono_s() + a->tm->tx_check_ms / 1000.0;
                    continue;
                }
                cpc_wk_report_event(a->rep, CPC_LOG_WARN, "missed", wk_task_fields(it),
                                    "task %.8s: no reveal: %s", it->t.task_id_s, why);
                wk_item_drop(a, i);
                continue;
            }
        }
        if (rc == 0 && !exec && !json_object_get(task, "challenge")) {
            /* the node has not drawn it yet */
            it->next_check = cpc_clock_mono_s() + a->tm->challenge_wait_ms / 1000.0;
            json_decref(task);
            continue;
        }
        if (rc == 0 && !synced) {
            rc = sync_nonce(a, &e);
            synced = true;
        }
        if (rc == 0 && exec) {
            struct cpc_err ue = {0};
            int urc = upload_output(a, it, &ue);
            if (urc && wk_transport_error(urc)) {
                rc = urc;
                e = ue;
            } else if (urc) {
                cpc_wk_report_event(a->rep, CPC_LOG_WARN, "output", wk_task_fields(it),
                                    "task %.8s: output not uploaded: %s", it->t.task_id_s, ue.msg);
            }
        }
        if (rc == 0)
            rc = exec ? build_result_reveal(a, it, &e) : build_reveal(a, it, task, &e);
        json_decref(task);
        if (rc && wk_transport_error(rc)) {
            *err = e;
            break;
        }
        if (rc) {
            cpc_wk_report_event(a->rep, CPC_LOG_ERROR, "reveal", wk_task_fields(it), "%s", e.msg);
            wk_item_drop(a, i);
            rc = 0;
            continue;
        }
        it->phase = PH_REVEALED;
        it->next_check = 0;
    }
    if (rc == 0)
        rc = wk_state_save(a, err);
    if (rc == 0) {
        for (size_t i = 0; i < a->n_items; i++)
            if (a->items[i].phase == PH_REVEALED && a->items[i].next_check == 0)
                idx[n++] = i;
        post_items(a, idx, n);
    }
    free(idx);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Following submitted txs                                             */

static void verified(struct wk_agent *a, size_t i, bool paid, const char *how)
{
    struct wk_item *it = &a->items[i];
    a->done++;
    if (paid)
        a->earned += it->t.reward;
    wk_refresh_balance(a);
    char r[48];
    cpc_wk_format_cpc(r, sizeof r, it->t.reward);
    cpc_wk_report_event(a->rep, CPC_LOG_INFO, "verified", wk_task_fields(it), "task %.8s %s %s%s",
                        it->t.task_id_s, it->synthetic ? "synthetic" : cpc_kind_name(it->t.kind),
                        how, paid ? "" : " (unpaid)");
    if (paid)
        cpc_wk_report_event(a->rep, CPC_LOG_INFO, "paid", wk_task_fields(it), "task %.8s +%s",
                            it->t.task_id_s, r);
    wk_item_drop(a, i);
}

/* Synthetic results are paid while the pool and the block's cap allow. */
static bool synthetic_paid(struct wk_agent *a, const struct wk_item *it)
{
    char path[96];
    json_t *t = NULL;
    struct cpc_err e = {0};
    snprintf(path, sizeof path, "/market/task/%s", it->t.task_id_s);
    if (cpc_http_json(cpc_wk_node_http(a->node), "GET", path, NULL, &t, NULL, &e) != 0)
        return false;
    const char *st = json_string_value(json_object_get(t, "status"));
    bool paid = st && strcmp(st, "done") == 0;
    json_decref(t);
    return paid;
}

int wk_poll_txs(struct wk_agent *a, struct cpc_err *err)
{
    size_t *idx = calloc(a->n_items + 1, sizeof *idx), n = 0;
    if (!idx)
        return cpc_err_set(err, CPC_ERR_NOMEM, "out of memory");
    bool changed = false;
    int rc = 0;
    for (size_t i = a->n_items; i-- > 0;) {
        struct wk_item *it = &a->items[i];
        if ((it->phase != PH_SUBMITTED && it->phase != PH_REVEALED) || it->next_check > cpc_clock_mono_s())
            continue;
        enum cpc_tx_state st;
        uint64_t h = 0;
        char why[256];
        rc = cpc_tx_lookup(cpc_wk_node_http(a->node), it->tx_hash, &st, &h, why, sizeof why, err);
        if (rc)
            break;
        if (st == CPC_TXS_PENDING) {
            it->next_check = cpc_clock_mono_s() + a->tm->tx_check_ms / 1000.0;
        } else if (st == CPC_TXS_UNKNOWN) {
            idx[n++] = i; /* lost (a node restart): post the same bytes again */
        } else if (st == CPC_TXS_FAILED) {
            cpc_wk_report_event(a->rep, CPC_LOG_WARN, "rejected", wk_task_fields(it),
                                "task %.8s rejected at height %" PRIu64 ": %s", it->t.task_id_s,
                                h, why);
            wk_item_drop(a, i);
            changed = true;
        } else if (it->phase == PH_SUBMITTED &&
                   (it->t.kind == CPC_KIND_MATMUL || it->t.kind == CPC_KIND_EXEC)) {
            it->phase = PH_COMMITTED;
            it->commit_height = h;
            it->next_check = 0;
            json_decref(it->tx);
            it->tx = NULL;
            changed = true;
            cpc_wk_report_event(a->rep, CPC_LOG_INFO, "committed", wk_task_fields(it),
                                it->t.kind == CPC_KIND_EXEC
                                    ? "task %.8s exec commitment in at height %" PRIu64
                                      "; revealing once every replica committed"
                                    : "task %.8s row root committed at height %" PRIu64
                                      ", revealing",
                                it->t.task_id_s, h);
        } else if (it->t.kind == CPC_KIND_EXEC) {
            cpc_wk_report_event(a->rep, CPC_LOG_INFO, "accepted", wk_task_fields(it),
                                "task %.8s exec result revealed at height %" PRIu64
                                "; paid when the replicas agree",
                                it->t.task_id_s, h);
            a->done++;
            wk_item_drop(a, i);
            changed = true;
        } else {
            bool paid = !it->synthetic || synthetic_paid(a, it);
            verified(a, i, paid, it->phase == PH_REVEALED ? "rows verified" : "verified");
            changed = true;
        }
    }
    if (rc == 0 && changed)
        rc = wk_state_save(a, err);
    if (rc == 0 && n) {
        /* idx was filled backwards; post_items drops by index: keep them descending */
        for (size_t i = 0; i < n / 2; i++) {
            size_t t = idx[i];
            idx[i] = idx[n - 1 - i];
            idx[n - 1 - i] = t;
        }
        post_items(a, idx, n);
    }
    free(idx);
    return rc;
}
