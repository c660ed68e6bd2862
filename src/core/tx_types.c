/* tx_types.c — see tx_types.h. (to be implemented) */
