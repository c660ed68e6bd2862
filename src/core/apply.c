/* apply.c — see apply.h. (to be implemented) */
