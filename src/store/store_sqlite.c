/* store_sqlite.c — see store.h. (to be implemented) */
