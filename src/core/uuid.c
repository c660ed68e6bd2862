/* uuid.c — see uuid.h. (to be implemented) */
