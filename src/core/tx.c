/* tx.c — see tx.h. (to be implemented) */
