/* merkle.c — see merkle.h. (to be implemented) */
