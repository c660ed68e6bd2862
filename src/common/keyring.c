/* keyring.c — see keyring.h. (to be implemented) */
