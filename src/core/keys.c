/* keys.c — see keys.h. (to be implemented) */
