/* config.c — see config.h. (to be implemented) */
