/* log.c — see log.h. (to be implemented) */
