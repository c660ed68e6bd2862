/* amount.c — see amount.h. (to be implemented) */
