/* test_common_keyring.c — the keyring: names, create/import/load/list/delete,
 * encrypted round trip, wrong passphrase, file and folder modes, corrupt files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/home.h"
#include "common/keyring.h"
#include "core/err.h"
#include "core/hex.h"
#include "tmpdir_fixture.h"

/* secret key 1 -> the secp256k1 generator G; hash160 = 751e76e8...3bd6 (BIP-173 vector) */
static const char *SK1_HEX = "0000000000000000000000000000000000000000000000000000000000000001";
static const char *PK1_HEX = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
static const char *ADDR1 = "cpc1w508d6qejxtdg4y5r3zarvary0c5xw7k32stzz";


static int setup(void **state)
{
    *state = tmpdir_new("/tmp/cpc-test-keyring-XXXXXX");
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    tmpdir_free(*state);
    return 0;
}

static char *slurp_key(const char *home, const char *name)
{
    char path[CPC_PATH_MAX];
    snprintf(path, sizeof path, "%s/keyring/%s.json", home, name);
    char *text = NULL;
    size_t len = 0;
    if (cpc_read_file(path, 1 << 20, &text, &len, NULL) != 0)
        return NULL;
    return text;
}

static void spit_key(const char *home, const char *name, const char *text)
{
    char path[CPC_PATH_MAX];
    snprintf(path, sizeof path, "%s/keyring/%s.json", home, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_names(void **state)
{
    (void)state;
    struct cpc_err e;
    char n64[65], n65[66];
    memset(n64, 'a', 64);
    n64[64] = '\0';
    memset(n65, 'a', 65);
    n65[65] = '\0';
    assert_int_equal(cpc_keyring_check_name("worker", &e), 0);
    assert_int_equal(cpc_keyring_check_name("a.b-C_9", &e), 0);
    assert_int_equal(cpc_keyring_check_name(n64, &e), 0);
    assert_int_equal(cpc_keyring_check_name(n65, &e), CPC_ERR_INVALID);
    assert_non_null(strstr(e.msg, "too long"));
    assert_int_equal(cpc_keyring_check_name("", &e), CPC_ERR_INVALID);
    assert_int_equal(cpc_keyring_check_name(NULL, &e), CPC_ERR_INVALID);
    assert_int_equal(cpc_keyring_check_name(".hidden", &e), CPC_ERR_INVALID);
    assert_int_equal(cpc_keyring_check_name("../etc", &e), CPC_ERR_INVALID);
    assert_int_equal(cpc_keyring_check_name("a/b", &e), CPC_ERR_INVALID);
    assert_int_equal(cpc_keyring_check_name("a b", &e), CPC_ERR_INVALID);
    assert_non_null(strstr(e.msg, "invalid key name"));
    assert_int_equal(cpc_keyring_check_name("caf\xc3\xa9", &e), CPC_ERR_INVALID);
}

static void test_import_known_vector_and_modes(void **state)
{
    const char *home = *state;
    struct cpc_err e;
    uint8_t sk[32];
    char pk[67];
    struct cpc_key k;
    assert_int_equal(cpc_hex_decode_exact(sk, 32, SK1_HEX), 0);
    assert_int_equal(cpc_keyring_import(home, "gen", sk, NULL, &k, &e), 0);
    cpc_hex_encode(pk, k.info.pubkey, 33);
    assert_string_equal(pk, PK1_HEX);
    assert_string_equal(k.info.address, ADDR1);
    assert_string_equal(k.info.name, "gen");
    assert_false(k.info.encrypted);
    assert_memory_equal(k.seckey, sk, 32);
    cpc_key_wipe(&k);
    uint8_t zero[32] = {0};
    assert_memory_equal(k.seckey, zero, 32);

    /* modes */
    char path[CPC_PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/keyring", home);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/keyring/gen.json", home);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* the plain file holds the documented fields */
    char *text = slurp_key(home, "gen");
    assert_non_null(text);
    assert_non_null(strstr(text, "\"seckey\": \"0000000000000000000000000000000000000000000000000000000000000001\""));
    assert_non_null(strstr(text, "\"encrypted\": false"));
    assert_non_null(strstr(text, ADDR1));
    free(text);

    /* info and load agree */
    struct cpc_key_info info;
    assert_int_equal(cpc_keyring_info(home, "gen", &info, &e), 0);
    assert_string_equal(info.address, ADDR1);
    assert_false(info.encrypted);
    assert_int_equal(cpc_keyring_load(home, "gen", NULL, &k, &e), 0);
    assert_memory_equal(k.seckey, sk, 32);
    assert_string_equal(k.info.address, ADDR1);
    cpc_key_wipe(&k);
    /* a passphrase given for a plain key is simply not needed */
    assert_int_equal(cpc_keyring_load(home, "gen", "whatever", &k, &e), 0);
    cpc_key_wipe(&k);

    /* duplicate name */
    assert_int_equal(cpc_keyring_import(home, "gen", sk, NULL, NULL, &e), CPC_ERR_DUPLICATE);
    assert_string_equal(e.msg, "key gen already exists");
    assert_int_equal(cpc_keyring_create(home, "gen", NULL, NULL, &e), CPC_ERR_DUPLICATE);
}

static void test_import_invalid_secret(void **state)
{
    const char *home = *state;
    struct cpc_err e;
    uint8_t zero[32] = {0}, order[32];
    assert_int_equal(cpc_hex_decode_exact(order, 32,
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"), 0);
    assert_int_equal(cpc_keyring_import(home, "z", zero, NULL, NULL, &e), CPC_ERR_INVALID);
    assert_non_null(strstr(e.msg, "invalid secret key"));
    assert_int_equal(cpc_keyring_import(home, "o", order, NULL, NULL, &e), CPC_ERR_INVALID);
    struct cpc_key_info info;
    assert_int_equal(cpc_keyring_info(home, "z", &info, &e), CPC_ERR_NOT_FOUND);
    assert_int_equal(cpc_keyring_info(home, "o", &info, &e), CPC_ERR_NOT_FOUND);
}

static void test_create_plain(void **state)
{
    const char *home = *state;
    struct cpc_err e;
    struct cpc_key a, b, l;
    assert_int_equal(cpc_keyring_create(home, "alice", "", &a, &e), 0);
    assert_int_equal(cpc_keyring_create(home, "bob", NULL, &b, &e), 0);
    assert_false(a.info.encrypted);
    assert_int_equal(strncmp(a.info.address, "cpc1", 4), 0);
    assert_int_equal(strlen(a.info.address), 42);
    assert_true(memcmp(a.seckey, b.seckey, 32) != 0);
    assert_string_not_equal(a.info.address, b.info.address);
    assert_int_equal(cpc_keyring_load(home, "alice", NULL, &l, &e), 0);
    assert_memory_equal(l.seckey, a.seckey, 32);
    assert_memory_equal(l.info.pubkey, a.info.pubkey, 33);
    assert_string_equal(l.info.address, a.info.address);
    cpc_key_wipe(&a);
    cpc_key_wipe(&b);
    cpc_key_wipe(&l);
}

static void test_encrypted_round_trip(void **state)
{
    const char *home = *state;
    struct cpc_err e;
    struct cpc_key k, l;
    char skhex[65];
    assert_int_equal(cpc_keyring_create(home, "vault", "correct horse", &k, &e), 0);
    assert_true(k.info.encrypted);
    cpc_hex_encode(skhex, k.seckey, 32);

    /* the file holds no secret, and records the kdf */
    char *text = slurp_key(home, "vault");
    assert_non_null(text);
    assert_null(strstr(text, skhex));
    assert_null(strstr(text, "seckey"));
    assert_non_null(strstr(text, "\"encrypted\": true"));
    assert_non_null(strstr(text, "\"alg\": \"argon2id13\""));
    assert_non_null(strstr(text, "\"cipher\": \"xchacha20poly1305-ietf\""));
    assert_non_null(strstr(text, "\"opslimit\": 2"));
    free(text);

    struct cpc_key_info info;
    assert_int_equal(cpc_keyring_info(home, "vault", &info, &e), 0);
    assert_true(info.encrypted);
    assert_string_equal(info.address, k.info.address);

    assert_int_equal(cpc_keyring_load(home, "vault", "correct horse", &l, &e), 0);
    assert_memory_equal(l.seckey, k.seckey, 32);
    assert_true(l.info.encrypted);
    cpc_key_wipe(&l);

    memset(&l, 0x55, sizeof l);
    assert_int_equal(cpc_keyring_load(home, "vault", "wrong", &l, &e), CPC_ERR_CRYPTO);
    assert_string_equal(e.msg, "wrong passphrase for key vault");
    assert_int_equal(cpc_keyring_load(home, "vault", NULL, &l, &e), CPC_ERR_UNAUTHORIZED);
    assert_string_equal(e.msg, "key vault is encrypted: set CPC_PASSPHRASE");
    assert_int_equal(cpc_keyring_load(home, "vault", "", &l, &e), CPC_ERR_UNAUTHORIZED);

    /* import with a passphrase, known vector */
    uint8_t sk[32];
    assert_int_equal(cpc_hex_decode_exact(sk, 32, SK1_HEX), 0);
    assert_int_equal(cpc_keyring_import(home, "gen-enc", sk, "pw", NULL, &e), 0);
    assert_int_equal(cpc_keyring_load(home, "gen-enc", "pw", &l, &e), 0);
    assert_memory_equal(l.seckey, sk, 32);
    assert_string_equal(l.info.address, ADDR1);
    cpc_key_wipe(&l);

    /* the address is the AEAD's associated data: a ciphertext moved under another
     * (consistent) identity does not open */
    char *v = slurp_key(home, "vault"), *g = slurp_key(home, "gen-enc");
    assert_non_null(v);
    assert_non_null(g);
    const char *ct_v = strstr(v, "\"kdf\"");
    const char *ct_g = strstr(g, "\"kdf\"");
    assert_non_null(ct_v);
    assert_non_null(ct_g);
    size_t head = (size_t)(ct_g - g);
    char *mixed = malloc(head + strlen(ct_v) + 1);
    assert_non_null(mixed);
    memcpy(mixed, g, head);
    strcpy(mixed + head, ct_v);
    spit_key(home, "gen-enc", mixed);
    free(mixed);
    free(v);
    free(g);
    assert_int_equal(cpc_keyring_load(home, "gen-enc", "correct horse", &l, &e), CPC_ERR_CRYPTO);
    assert_string_equal(e.msg, "wrong passphrase for key gen-enc");
    cpc_key_wipe(&k);
}

static void test_corrupt_files(void **state)
{
    const char *home = *state;
    struct cpc_err e;
    struct cpc_key k;
    struct cpc_key_info info;
    assert_int_equal(cpc_keyring_create(home, "good", NULL, NULL, &e), 0);
    char *text = slurp_key(home, "good");
    assert_non_null(text);

    spit_key(home, "junk", "not json at all");
    assert_int_equal(cpc_keyring_info(home, "junk", &info, &e), CPC_ERR_INVALID);
    assert_non_null(strstr(e.msg, "corrupt"));
    assert_int_equal(cpc_keyring_load(home, "junk", NULL, &k, &e), CPC_ERR_INVALID);

    /* the name inside must match the file name */
    spit_key(home, "renamed", text);
    assert_int_equal(cpc_keyring_info(home, "renamed", &info, &e), CPC_ERR_INVALID);

    /* tampered address */
    char *p = strstr(text, "\"address\": \"cpc1");
    assert_non_null(p);
    p[16] = p[16] == 'q' ? 'p' : 'q';
    spit_key(home, "good", text);
    assert_int_equal(cpc_keyring_info(home, "good", &info, &e), CPC_ERR_INVALID);
    free(text);

    /* a seckey that does not belong to the pubkey */
    uint8_t sk[32];
    assert_int_equal(cpc_hex_decode_exact(sk, 32, SK1_HEX), 0);
    assert_int_equal(cpc_keyring_import(home, "g1", sk, NULL, NULL, &e), 0);
    text = slurp_key(home, "g1");
    p = strstr(text, "\"seckey\": \"");
    assert_non_null(p);
    p[11 + 63] = '2';
    spit_key(home, "g1", text);
    free(text);
    assert_int_equal(cpc_keyring_load(home, "g1", NULL, &k, &e), CPC_ERR_INVALID);
    assert_non_null(strstr(e.msg, "does not match"));

    /* out-of-range kdf limits are refused before any work */
    assert_int_equal(cpc_keyring_import(home, "g2", sk, "pw", NULL, &e), 0);
    text = slurp_key(home, "g2");
    char *mem = strstr(text, "\"memlimit\": ");
    assert_non_null(mem);
    char *end = strchr(mem, ',');
    char *bad = malloc(strlen(text) + 32);
    assert_non_null(bad);
    memcpy(bad, text, (size_t)(mem - text));
    sprintf(bad + (mem - text), "\"memlimit\": 999999999999%s", end);
    spit_key(home, "g2", bad);
    free(bad);
    free(text);
    assert_int_equal(cpc_keyring_load(home, "g2", "pw", &k, &e), CPC_ERR_INVALID);
    assert_non_null(strstr(e.msg, "kdf limits"));
}

static void test_list_and_delete(void **state)
{
    const char *home = *state;
    struct cpc_err e;
    struct cpc_key_info *keys = NULL;
    size_t n = 99;

    /* no keyring folder yet: empty list */
    assert_int_equal(cpc_keyring_list(home, &keys, &n, &e), 0);
    assert_int_equal(n, 0);
    free(keys);

    assert_int_equal(cpc_keyring_create(home, "charlie", NULL, NULL, &e), 0);
    assert_int_equal(cpc_keyring_create(home, "alpha", NULL, NULL, &e), 0);
    assert_int_equal(cpc_keyring_create(home, "bravo", "pw", NULL, &e), 0);
    spit_key(home, "broken", "{}");  /* skipped */
    char path[CPC_PATH_MAX];
    snprintf(path, sizeof path, "%s/keyring/notes.txt", home);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);

    assert_int_equal(cpc_keyring_list(home, &keys, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(keys[0].name, "alpha");
    assert_string_equal(keys[1].name, "bravo");
    assert_string_equal(keys[2].name, "charlie");
    assert_false(keys[0].encrypted);
    assert_true(keys[1].encrypted);
    assert_int_equal(strncmp(keys[2].address, "cpc1", 4), 0);
    free(keys);

    assert_int_equal(cpc_keyring_delete(home, "bravo", &e), 0);
    struct cpc_key_info info;
    assert_int_equal(cpc_keyring_info(home, "bravo", &info, &e), CPC_ERR_NOT_FOUND);
    assert_string_equal(e.msg, "key bravo not found");
    assert_int_equal(cpc_keyring_delete(home, "bravo", &e), CPC_ERR_NOT_FOUND);
    assert_string_equal(e.msg, "key bravo not found");
    assert_int_equal(cpc_keyring_delete(home, "../x", &e), CPC_ERR_INVALID);
    assert_int_equal(cpc_keyring_load(home, "nope", NULL, &(struct cpc_key){0}, &e), CPC_ERR_NOT_FOUND);

    assert_int_equal(cpc_keyring_list(home, &keys, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(keys[0].name, "alpha");
    assert_string_equal(keys[1].name, "charlie");
    free(keys);
}

static void test_bad_names_write_nothing(void **state)
{
    const char *home = *state;
    struct cpc_err e;
    assert_int_equal(cpc_keyring_create(home, "../escape", NULL, NULL, &e), CPC_ERR_INVALID);
    assert_int_equal(cpc_keyring_create(home, ".dot", NULL, NULL, &e), CPC_ERR_INVALID);
    assert_int_equal(cpc_keyring_create(home, "", NULL, NULL, &e), CPC_ERR_INVALID);
    char path[CPC_PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/escape.json", home);
    assert_int_not_equal(stat(path, &st), 0);
    struct cpc_key_info *keys = NULL;
    size_t n = 0;
    assert_int_equal(cpc_keyring_list(home, &keys, &n, &e), 0);
    assert_int_equal(n, 0);
    free(keys);
}

static void test_random_and_signer(void **state)
{
    (void)state;
    uint8_t a[32] = {0}, b[32] = {0}, zero[32] = {0};
    cpc_random_bytes(a, sizeof a);
    cpc_random_bytes(b, sizeof b);
    assert_true(memcmp(a, b, 32) != 0);
    assert_true(memcmp(a, zero, 32) != 0);
    struct cpc_signer *s = cpc_signer_new_random();
    assert_non_null(s);
    uint8_t sk[32], pub[33];
    assert_int_equal(cpc_hex_decode_exact(sk, 32, SK1_HEX), 0);
    assert_int_equal(cpc_pubkey_from_seckey(s, pub, sk), 0);
    char hex[67];
    cpc_hex_encode(hex, pub, 33);
    assert_string_equal(hex, PK1_HEX);
    cpc_signer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_random_and_signer),
        cmocka_unit_test_setup_teardown(test_import_known_vector_and_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_invalid_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_plain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encrypted_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_names_write_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
