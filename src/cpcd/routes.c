/* routes.c — every route cpcd serves, in one table, with the largest
 * request body each accepts (refused with 413 before it is read, httpd.h) and
 * whether it is also served on the reserved connections (CPC_ROUTE_RESERVED:
 * the node's status and what workers need to lease, report and submit). */
#include "routes.h"

#include "../core/tx.h"
#include "../node/routes_chain.h"
#include "../platform/auth_http.h"
#include "../market/routes_worker.h"
#include "../market/routes_workers.h"
#include "../market/routes_job_txs.h"
#include "../market/blobs.h"
#include "../market/routes_legacy.h"
#include "../market/routes_marketplace.h"
#include "../market/routes_marketplaces.h"
#include "../market/routes_gpu.h"
#include "../market/routes_servers.h"
#include "../market/routes_dc.h"
#include "../market/dc_batch_body.h"
#include "../market/routes_commission.h"
#include "../market/routes_server_stats.h"
#include "../market/routes_rentals.h"
#include "../market/routes_rental_money.h"
#include "../market/routes_rental_ops.h"
#include "../market/rental_orders.h"
#include "../platform/routes_auth.h"
#include "../platform/routes_password.h"
#include "../platform/routes_2fa.h"
#include "../platform/routes_profile.h"
#include "../platform/routes_admin.h"
#include "../platform/routes_apikeys.h"
#include "../platform/routes_wallet.h"
#include "../platform/routes_wallet_send.h"
#include "../platform/routes_money.h"
#include "../platform/routes_admin_users.h"
#include "../platform/routes_support.h"
#include "../platform/support_body.h"
#include "../market/routes_admin_servers.h"
#include "../market/routes_finance.h"
#include "../platform/routes_webhooks.h"

/* Small JSON bodies (worker calls, legacy submissions). */
#define BODY_SMALL (64u << 10)
/* POST /txs: up to 10,000 txs of a few hundred bytes each. */
#define BODY_TX_BATCH (8u << 20)

static const struct cpc_route routes[] = {
    {"GET", "/", cpc_h_index, 0, CPC_ROUTE_PAGE}, /* browsers get the dashboard (web.h) */
    {"GET", "/status", cpc_h_status, 0, CPC_ROUTE_RESERVED},
    {"GET", "/block/{id}", cpc_h_block, 0, CPC_ROUTE_RESERVED},
    {"GET", "/blocks", cpc_h_blocks, 0, 0},
    {"GET", "/tx/{hash}", cpc_h_tx_get, 0, CPC_ROUTE_RESERVED},
    {"POST", "/tx", cpc_h_tx_post, CPC_TX_JSON_MAX, CPC_ROUTE_RESERVED},
    {"POST", "/txs", cpc_h_txs_post, BODY_TX_BATCH, CPC_ROUTE_RESERVED},
    /* money in and out (routes_money.c); before /account/{address}, which would match */
    {"GET", "/account/balance", cpc_h_account_balance, 0, 0},
    {"POST", "/account/deposit", cpc_h_account_deposit, CPC_AUTH_BODY_MAX, 0},
    /* before /account/{address}: the first match wins (routes_invoices.c) */
    {"GET", "/account/invoices", cpc_h_invoices_list, 0, 0},
    {"GET", "/account/{address}", cpc_h_account, 0, CPC_ROUTE_RESERVED},
    {"GET", "/account/{address}/txs", cpc_h_account_txs, 0, 0},
    {"GET", "/balance/{address}", cpc_h_balance, 0, 0},
    {"GET", "/events", cpc_h_events, 0, 0},
    {"GET", "/metrics", cpc_h_metrics, 0, 0},
    /* worker protocol and market reads (routes_worker.c) */
    {"POST", "/worker/lease", cpc_h_worker_lease, BODY_SMALL, CPC_ROUTE_RESERVED},
    {"POST", "/worker/heartbeat", cpc_h_worker_heartbeat, BODY_SMALL, CPC_ROUTE_RESERVED},
    {"POST", "/worker/release", cpc_h_worker_release, BODY_SMALL, CPC_ROUTE_RESERVED},
    {"GET", "/worker/status", cpc_h_worker_status, 0, CPC_ROUTE_RESERVED},
    {"PUT", "/blobs/{sha256}", cpc_h_blob_put, CPC_BLOB_MAX, 0},
    {"GET", "/blobs/{sha256}", cpc_h_blob_get, 0, CPC_ROUTE_RESERVED},
    {"GET", "/market/task/{task_id}", cpc_h_market_task, 0, CPC_ROUTE_RESERVED},
    {"GET", "/market/job/{job_id}", cpc_h_market_job, 0, 0},
    {"GET", "/market/job/{job_id}/resources", cpc_h_market_job_resources, 0, 0},
    {"GET", "/market/job/{job_id}/txs", cpc_h_market_job_txs, 0, 0}, /* routes_job_txs.c */
    {"GET", "/market/worker/{address}", cpc_h_market_worker, 0, CPC_ROUTE_RESERVED},
    /* the workers leaderboard (routes_workers.c) */
    {"GET", "/market/workers", cpc_h_market_workers, 0, 0},
    {"GET", "/market/synthetic", cpc_h_market_synthetic, 0, CPC_ROUTE_RESERVED},
    /* marketplace (routes_marketplace.c): drafts, quotes, confirm/cancel, views */
    {"POST", "/marketplace/jobs", cpc_h_mp_jobs_post, CPC_MP_BODY_MAX, 0},
    {"GET", "/marketplace/jobs", cpc_h_mp_jobs_list, 0, 0},
    {"GET", "/marketplace/jobs/{id}", cpc_h_mp_job_get, 0, 0},
    {"GET", "/marketplace/jobs/{id}/quote", cpc_h_mp_job_quote, 0, 0},
    {"POST", "/marketplace/jobs/{id}/confirm", cpc_h_mp_job_confirm, CPC_MP_BODY_MAX, 0},
    {"GET", "/marketplace/jobs/{id}/logs", cpc_h_mp_job_logs, 0, 0},
    {"GET", "/marketplace/jobs/{id}/resources", cpc_h_mp_job_resources, 0, 0},
    {"POST", "/marketplace/jobs/{id}/cancel", cpc_h_mp_job_cancel, CPC_MP_BODY_MAX, 0},
    {"POST", "/marketplace/jobs/{id}/extend", cpc_h_mp_job_extend, CPC_MP_BODY_MAX, 0},
    {"GET", "/marketplace/cluster/status", cpc_h_mp_cluster_status, 0, 0},
    {"GET", "/marketplace/pricing", cpc_h_mp_pricing, 0, 0},
    {"GET", "/marketplace/queue", cpc_h_mp_queue, 0, 0},
    /* GPU servers: the providers' cabinet (routes_servers.c) and the customers'
     * catalogue (routes_gpu.c) */
    {"POST", "/provider/servers", cpc_h_provider_servers_post, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/provider/servers", cpc_h_provider_servers_list, 0, 0},
    {"GET", "/provider/servers/{id}", cpc_h_provider_server_get, 0, 0},
    {"PUT", "/provider/servers/{id}", cpc_h_provider_server_put, CPC_AUTH_BODY_MAX, 0},
    {"DELETE", "/provider/servers/{id}", cpc_h_provider_server_delete, CPC_AUTH_BODY_MAX, 0},
    /* the servers' load series and the provider's statistics (routes_server_stats.c) */
    {"GET", "/provider/servers/{id}/stats", cpc_h_provider_server_stats, 0, 0},
    /* reselling on marketplaces (routes_marketplaces.c) */
    {"PUT", "/provider/servers/{id}/marketplaces", cpc_h_provider_server_marketplaces_put,
     CPC_AUTH_BODY_MAX, 0},
    {"GET", "/provider/stats", cpc_h_provider_stats, 0, 0},
    {"GET", "/rentals/{id}/stats", cpc_h_rental_stats, 0, 0},
    {"GET", "/market/gpu", cpc_h_market_gpu, 0, 0},
    {"GET", "/market/gpu/{id}", cpc_h_market_gpu_get, 0, 0},
    {"GET", "/market/prices", cpc_h_market_prices, 0, 0},
    {"GET", "/market/locations", cpc_h_market_locations, 0, 0},
    /* GPU rentals: the customers' orders over the ledger's rentals (routes_rentals.c) */
    {"POST", "/rentals", cpc_h_rentals_post, CPC_RENTAL_BODY_MAX, 0},
    {"GET", "/rentals", cpc_h_rentals_list, 0, 0},
    {"GET", "/rentals/{id}", cpc_h_rental_get, 0, 0},
    {"DELETE", "/rentals/{id}", cpc_h_rental_delete, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/rentals/{id}/connection", cpc_h_rental_connection, 0, 0},
    {"POST", "/rentals/{id}/extend", cpc_h_rental_extend, CPC_AUTH_BODY_MAX, 0},
    /* rental money: invoices, the provider's and the admin's rentals (routes_invoices.c,
     * routes_rental_money.c) */
    {"GET", "/account/invoices/{id}", cpc_h_invoice_get, 0, 0},
    {"GET", "/account/invoices/{id}/html", cpc_h_invoice_html, 0, 0},
    {"GET", "/provider/rentals", cpc_h_provider_rentals, 0, 0},
    {"GET", "/admin/rentals", cpc_h_admin_rentals, 0, 0},
    /* a running rental's reboot and logs (routes_rental_ops.c) */
    {"POST", "/rentals/{id}/reboot", cpc_h_rental_reboot, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/rentals/{id}/logs", cpc_h_rental_logs, 0, 0},
    {"POST", "/worker/rentals/{id}/logs", cpc_h_worker_rental_logs, CPC_RENTAL_LOG_BODY_MAX,
     CPC_ROUTE_RESERVED},
    /* platform accounts (routes_auth.c) */
    {"POST", "/auth/register", cpc_h_auth_register, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/auth/verify", cpc_h_auth_verify, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/auth/verify", cpc_h_auth_verify_link, 0, CPC_ROUTE_PAGE}, /* the mail's link */
    {"POST", "/auth/verify/resend", cpc_h_auth_verify_resend, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/auth/login", cpc_h_auth_login, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/auth/refresh", cpc_h_auth_refresh, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/auth/logout", cpc_h_auth_logout, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/auth/logout-all", cpc_h_auth_logout_all, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/me", cpc_h_me, 0, 0},
    /* platform accounts: password, 2FA, profile, admin (routes_password.c,
     * routes_2fa.c, routes_profile.c, routes_admin.c) */
    {"POST", "/auth/password/forgot", cpc_h_auth_password_forgot, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/auth/password/reset", cpc_h_auth_password_reset, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/auth/password/change", cpc_h_auth_password_change, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/auth/2fa/setup", cpc_h_auth_2fa_setup, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/auth/2fa/enable", cpc_h_auth_2fa_enable, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/auth/2fa/disable", cpc_h_auth_2fa_disable, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/auth/history", cpc_h_auth_history, 0, 0},
    {"PATCH", "/me", cpc_h_me_patch, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/me/kyc", cpc_h_me_kyc, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/admin/users/{id}/block", cpc_h_admin_block, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/admin/users/{id}/unblock", cpc_h_admin_unblock, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/admin/users/{id}/kyc", cpc_h_admin_kyc, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/admin/audit", cpc_h_admin_audit, 0, 0},
    {"GET", "/admin/integrations", cpc_h_admin_integrations, 0, 0},
    /* the per-provider commission on the chain (market/routes_commission.c) */
    {"GET", "/admin/users/{id}/commission", cpc_h_admin_commission_get, 0, 0},
    {"PUT", "/admin/users/{id}/commission", cpc_h_admin_commission_put, CPC_AUTH_BODY_MAX, 0},
    /* platform accounts: API keys and wallet (routes_apikeys.c, routes_wallet.c,
     * routes_wallet_send.c) */
    {"POST", "/api-keys", cpc_h_apikeys_post, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/api-keys", cpc_h_apikeys_list, 0, 0},
    {"DELETE", "/api-keys/{id}", cpc_h_apikeys_delete, CPC_AUTH_BODY_MAX, 0},
    /* webhooks (routes_webhooks.c) */
    {"POST", "/webhooks", cpc_h_webhooks_post, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/webhooks", cpc_h_webhooks_list, 0, 0},
    {"DELETE", "/webhooks/{id}", cpc_h_webhooks_delete, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/webhooks/{id}/deliveries", cpc_h_webhook_deliveries, 0, 0},
    {"POST", "/webhooks/{id}/deliveries/{delivery_id}/redeliver", cpc_h_webhook_redeliver,
     CPC_AUTH_BODY_MAX, 0},
    {"POST", "/webhooks/{id}/test", cpc_h_webhook_test, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/me/wallet", cpc_h_me_wallet, 0, 0},
    {"POST", "/me/wallet/challenge", cpc_h_me_wallet_challenge, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/me/wallet/link", cpc_h_me_wallet_link, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/me/wallet/send", cpc_h_me_wallet_send, CPC_AUTH_BODY_MAX, 0},
    /* money in and out (routes_money.c, routes_money_withdrawals.c) */
    {"POST", "/admin/deposits", cpc_h_admin_deposits_post, CPC_AUTH_BODY_MAX, 0},
    {"POST", "/provider/withdrawals", cpc_h_provider_withdrawals_post, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/provider/withdrawals", cpc_h_provider_withdrawals_list, 0, 0},
    {"POST", "/admin/withdrawals/{id}/approve", cpc_h_admin_withdrawal_approve,
     CPC_AUTH_BODY_MAX, 0},
    {"POST", "/admin/withdrawals/{id}/reject", cpc_h_admin_withdrawal_reject, CPC_AUTH_BODY_MAX,
     0},
    /* the operators: users, servers, finance, the withdrawal queue (routes_admin_users.c,
     * market/routes_admin_servers.c, market/routes_finance.c) */
    {"GET", "/admin/users", cpc_h_admin_users_list, 0, 0},
    {"POST", "/admin/users/{id}/verify", cpc_h_admin_user_verify, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/admin/servers", cpc_h_admin_servers, 0, 0},
    {"GET", "/admin/servers/locations", cpc_h_admin_server_locations, 0, 0},
    {"GET", "/admin/finance", cpc_h_admin_finance, 0, 0},
    {"GET", "/admin/reports/revenue.csv", cpc_h_admin_revenue_csv, 0, 0},
    {"GET", "/admin/withdrawals", cpc_h_admin_withdrawals_list, 0, 0},
    /* support (routes_support.c) */
    {"POST", "/support/tickets", cpc_h_support_tickets_post, CPC_SUPPORT_BODY_MAX, 0},
    {"GET", "/support/tickets", cpc_h_support_tickets_list, 0, 0},
    {"GET", "/support/tickets/{id}", cpc_h_support_ticket_get, 0, 0},
    {"POST", "/support/tickets/{id}/messages", cpc_h_support_ticket_message,
     CPC_SUPPORT_BODY_MAX, 0},
    {"GET", "/admin/support/tickets", cpc_h_admin_support_tickets, 0, 0},
    {"POST", "/admin/support/tickets/{id}/messages", cpc_h_admin_support_reply,
     CPC_SUPPORT_BODY_MAX, 0},
    {"POST", "/admin/support/tickets/{id}/status", cpc_h_admin_support_status,
     CPC_AUTH_BODY_MAX, 0},
    /* the data-center API: a provider's fleet, reports and money under the dc scope
     * (routes_dc.c, routes_dc_reports.c) */
    {"POST", "/dc/servers/batch", cpc_h_dc_servers_batch, CPC_DC_BATCH_BODY_MAX, 0},
    {"POST", "/dc/servers/status", cpc_h_dc_servers_status, CPC_DC_BATCH_BODY_MAX, 0},
    {"GET", "/dc/servers", cpc_h_dc_servers_list, 0, 0},
    {"PUT", "/dc/servers/{id}", cpc_h_dc_server_put, CPC_AUTH_BODY_MAX, 0},
    {"DELETE", "/dc/servers/{id}", cpc_h_dc_server_delete, CPC_AUTH_BODY_MAX, 0},
    {"GET", "/dc/stats", cpc_h_dc_stats, 0, 0},
    {"GET", "/dc/revenue", cpc_h_dc_revenue, 0, 0},
    {"GET", "/dc/utilization", cpc_h_dc_utilization, 0, 0},
    {"GET", "/dc/alerts", cpc_h_dc_alerts, 0, 0},
    {"GET", "/dc/balance", cpc_h_dc_balance, 0, 0},
    {"GET", "/dc/transactions", cpc_h_dc_transactions, 0, 0},
    {"POST", "/dc/withdraw", cpc_h_dc_withdraw, CPC_AUTH_BODY_MAX, 0},
    /* legacy proof-of-concept API (routes_legacy.c; its own error shape) */
    {"GET", "/register", cpc_h_legacy_register, 0, 0},
    {"GET", "/get_task", cpc_h_legacy_get_task, 0, 0},
    {"POST", "/submit_work", cpc_h_legacy_submit_work, BODY_SMALL, 0},
    {"GET", "/get_balance/{client_id}", cpc_h_legacy_get_balance, 0, 0},
    {"GET", "/chain", cpc_h_legacy_chain, 0, 0},
};

const struct cpc_route *cpc_daemon_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

void cpc_h_index(struct cpc_http_req *req, struct cpc_http_res *res)
{
    size_t n = 0;
    const struct cpc_route *r = cpc_daemon_routes(&n);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_sprintf("%s %s", r[i].method, r[i].pattern));
    cpc_http_res_json(res, 200,
                      json_pack("{s:s, s:s, s:o}", "name", "cpcd", "version", CPC_VERSION,
                                "routes", list));
}
