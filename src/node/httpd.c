/* httpd.c — see httpd.h. (to be implemented) */
