/* bech32.c — see bech32.h. (to be implemented) */
