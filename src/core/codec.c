/* codec.c — see codec.h. (to be implemented) */
