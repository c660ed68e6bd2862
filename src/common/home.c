/* home.c — see home.h. (to be implemented) */
