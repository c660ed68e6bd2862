/* hash.c — see hash.h. (to be implemented) */
