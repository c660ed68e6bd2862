/* http_client.c — see http_client.h. (to be implemented) */
