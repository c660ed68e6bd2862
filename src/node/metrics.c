/* metrics.c — see metrics.h. (to be implemented) */
