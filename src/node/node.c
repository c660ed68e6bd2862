/* node.c — the node object. (to be implemented) */
