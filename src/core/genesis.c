/* genesis.c — see genesis.h. (to be implemented) */
