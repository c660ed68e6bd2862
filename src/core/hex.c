/* hex.c — see hex.h. (to be implemented) */
