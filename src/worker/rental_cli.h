/* rental_cli.h — `cpc-worker rental ...`: operators' and tests' hands on provision.h. */
#ifndef CPC_WORKER_RENTAL_CLI_H
#define CPC_WORKER_RENTAL_CLI_H

/* Run `rental SUB [OPTIONS]` with argv = the words after "rental"; home is the
 * resolved home (borrowed). Prints results on stdout, errors on stderr.
 * Returns the exit code: 0, 1 (failure) or 2 (bad usage). */
int cpc_wk_rental_cli(int argc, char **argv, const char *home);

#endif
