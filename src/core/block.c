/* block.c — see block.h. (to be implemented) */
