/* sse.c — see sse.h. (to be implemented) */
