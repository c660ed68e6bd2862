/* routes.c — every route the node serves, in one table. */
#include "routes.h"
#include "routes_worker.h"
#include "blobs.h"
#include "routes_legacy.h"
#include "routes_marketplace.h"
#include "routes_auth.h"
#include "routes_password.h"
#include "routes_2fa.h"
#include "routes_profile.h"
#include "routes_admin.h"
#include "routes_apikeys.h"
#include "routes_wallet.h"
#include "routes_wallet_send.h"

static const struct cpc_route routes[] = {
    {"GET", "/", cpc_h_index},
    {"GET", "/status", cpc_h_status},
    {"GET", "/block/{id}", cpc_h_block},
    {"GET", "/blocks", cpc_h_blocks},
    {"GET", "/tx/{hash}", cpc_h_tx_get},
    {"POST", "/tx", cpc_h_tx_post},
    {"POST", "/txs", cpc_h_txs_post},
    {"GET", "/account/{address}", cpc_h_account},
    {"GET", "/account/{address}/txs", cpc_h_account_txs},
    {"GET", "/balance/{address}", cpc_h_balance},
    {"GET", "/events", cpc_h_events},
    {"GET", "/metrics", cpc_h_metrics},
    /* worker protocol and market reads (routes_worker.c) */
    {"POST", "/worker/lease", cpc_h_worker_lease},
    {"POST", "/worker/heartbeat", cpc_h_worker_heartbeat},
    {"POST", "/worker/release", cpc_h_worker_release},
    {"GET", "/worker/status", cpc_h_worker_status},
    {"PUT", "/blobs/{sha256}", cpc_h_blob_put},
    {"GET", "/blobs/{sha256}", cpc_h_blob_get},
    {"GET", "/market/task/{task_id}", cpc_h_market_task},
    {"GET", "/market/job/{job_id}", cpc_h_market_job},
    {"GET", "/market/job/{job_id}/resources", cpc_h_market_job_resources},
    {"GET", "/market/worker/{address}", cpc_h_market_worker},
    {"GET", "/market/synthetic", cpc_h_market_synthetic},
    /* marketplace (routes_marketplace.c): drafts, quotes, confirm/cancel, views */
    {"POST", "/marketplace/jobs", cpc_h_mp_jobs_post},
    {"GET", "/marketplace/jobs", cpc_h_mp_jobs_list},
    {"GET", "/marketplace/jobs/{id}", cpc_h_mp_job_get},
    {"GET", "/marketplace/jobs/{id}/quote", cpc_h_mp_job_quote},
    {"POST", "/marketplace/jobs/{id}/confirm", cpc_h_mp_job_confirm},
    {"GET", "/marketplace/jobs/{id}/logs", cpc_h_mp_job_logs},
    {"GET", "/marketplace/jobs/{id}/resources", cpc_h_mp_job_resources},
    {"POST", "/marketplace/jobs/{id}/cancel", cpc_h_mp_job_cancel},
    {"POST", "/marketplace/jobs/{id}/extend", cpc_h_mp_job_extend},
    {"GET", "/marketplace/cluster/status", cpc_h_mp_cluster_status},
    {"GET", "/marketplace/pricing", cpc_h_mp_pricing},
    {"GET", "/marketplace/queue", cpc_h_mp_queue},
    /* platform accounts (routes_auth.c) */
    {"POST", "/auth/register", cpc_h_auth_register},
    {"POST", "/auth/verify", cpc_h_auth_verify},
    {"GET", "/auth/verify", cpc_h_auth_verify_link},
    {"POST", "/auth/verify/resend", cpc_h_auth_verify_resend},
    {"POST", "/auth/login", cpc_h_auth_login},
    {"POST", "/auth/refresh", cpc_h_auth_refresh},
    {"POST", "/auth/logout", cpc_h_auth_logout},
    {"POST", "/auth/logout-all", cpc_h_auth_logout_all},
    {"GET", "/me", cpc_h_me},
    /* platform accounts, second slice (routes_password.c, routes_2fa.c, routes_profile.c,
     * routes_admin.c) */
    {"POST", "/auth/password/forgot", cpc_h_auth_password_forgot},
    {"POST", "/auth/password/reset", cpc_h_auth_password_reset},
    {"POST", "/auth/password/change", cpc_h_auth_password_change},
    {"POST", "/auth/2fa/setup", cpc_h_auth_2fa_setup},
    {"POST", "/auth/2fa/enable", cpc_h_auth_2fa_enable},
    {"POST", "/auth/2fa/disable", cpc_h_auth_2fa_disable},
    {"GET", "/auth/history", cpc_h_auth_history},
    {"PATCH", "/me", cpc_h_me_patch},
    {"POST", "/me/kyc", cpc_h_me_kyc},
    {"POST", "/admin/users/{id}/block", cpc_h_admin_block},
    {"POST", "/admin/users/{id}/unblock", cpc_h_admin_unblock},
    {"POST", "/admin/users/{id}/kyc", cpc_h_admin_kyc},
    {"GET", "/admin/audit", cpc_h_admin_audit},
    /* platform accounts, third slice (routes_apikeys.c, routes_wallet.c, routes_wallet_send.c) */
    {"POST", "/api-keys", cpc_h_apikeys_post},
    {"GET", "/api-keys", cpc_h_apikeys_list},
    {"DELETE", "/api-keys/{id}", cpc_h_apikeys_delete},
    {"GET", "/me/wallet", cpc_h_me_wallet},
    {"POST", "/me/wallet/challenge", cpc_h_me_wallet_challenge},
    {"POST", "/me/wallet/link", cpc_h_me_wallet_link},
    {"POST", "/me/wallet/send", cpc_h_me_wallet_send},
    /* legacy proof-of-concept API (routes_legacy.c; its own error shape) */
    {"GET", "/register", cpc_h_legacy_register},
    {"GET", "/get_task", cpc_h_legacy_get_task},
    {"POST", "/submit_work", cpc_h_legacy_submit_work},
    {"GET", "/get_balance/{client_id}", cpc_h_legacy_get_balance},
    {"GET", "/chain", cpc_h_legacy_chain},
};

const struct cpc_route *cpc_node_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
