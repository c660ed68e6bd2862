/* state.c — see state.h. (to be implemented) */
