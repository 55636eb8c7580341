from kmsmock._java_order import java_set_order


def test_java_set_order_key_spec() -> None:
    model = [
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "SYMMETRIC_DEFAULT",
        "HMAC_224",
        "HMAC_256",
        "HMAC_384",
        "HMAC_512",
    ]
    assert java_set_order(model) == [
        "RSA_2048",
        "ECC_NIST_P384",
        "ECC_NIST_P256",
        "ECC_NIST_P521",
        "HMAC_384",
        "RSA_3072",
        "ECC_SECG_P256K1",
        "RSA_4096",
        "SYMMETRIC_DEFAULT",
        "HMAC_256",
        "HMAC_224",
        "HMAC_512",
    ]


# ENCRYPT_DECRYPT and GENERATE_VERIFY_MAC have equal low 15 hash bits, so no hash table of
# under 65536 buckets can print SIGN_VERIFY between them; this recording fits no construction
# that also fits the other three (the function gives GENERATE_VERIFY_MAC, ENCRYPT_DECRYPT,
# SIGN_VERIFY).
def test_java_set_order_mac_algorithm() -> None:
    model = ["HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"]
    assert java_set_order(model) == ["HMAC_SHA_384", "HMAC_SHA_256", "HMAC_SHA_224", "HMAC_SHA_512"]


def test_java_set_order_key_agreement_algorithm() -> None:
    assert java_set_order(["ECDH"]) == ["ECDH"]
