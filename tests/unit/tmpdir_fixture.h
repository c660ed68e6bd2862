/* tmpdir_fixture.h — temporary folders for unit tests: a fresh one from a
 * mkdtemp template, and removal of a whole tree; and what a call writes to
 * stderr, caught in a temporary file. Linked into every unit test
 * (tests/CMakeLists.txt); libc only. */
#ifndef CPC_TEST_TMPDIR_FIXTURE_H
#define CPC_TEST_TMPDIR_FIXTURE_H

/* A fresh folder made from tmpl ("/tmp/name-XXXXXX"); returns its path, or NULL
 * on failure. The caller owns the string and frees it with tmpdir_free. */
char *tmpdir_new(const char *tmpl);

/* Removes the tree at dir (see tmpdir_remove) and frees dir, a tmpdir_new
 * string; NULL is a no-op. Takes ownership of dir. */
void tmpdir_free(char *dir);

/* Removes path and everything below it, following no links; folders are made
 * writable (0700) first. Borrows path; a missing path is a no-op. */
void tmpdir_remove(const char *path);

/* Runs fn(arg) with stderr (fd 2) sent to a temporary file and returns what it
 * wrote there, NUL-terminated; the caller frees it. NULL when the file or the
 * redirection cannot be made (fn not run) or read back. */
char *capture_stderr(void (*fn)(const void *arg), const void *arg);

#endif
