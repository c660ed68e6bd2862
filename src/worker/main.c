/* main.c — cpc-worker entry point.
 * The provider agent (executors, lease loop) is built by the worker issue;
 * until then this binary only answers --help/--version and says so. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: cpc-worker [--home DIR] COMMAND\n"
            "\n"
            "The ComputeChain provider agent.\n"
            "Not implemented yet in this version: leasing and executing tasks arrive\n"
            "with the worker release. Use cpc-cli to manage keys and send transactions.\n"
            "\n"
            "Options:\n"
            "  -h, --help     show this help\n"
            "  --version      print the version\n");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("cpc-worker %s\n", CPC_VERSION);
            return 0;
        }
    }
    usage(stderr);
    fprintf(stderr, "cpc-worker: no executors in this version yet\n");
    return 2;
}
