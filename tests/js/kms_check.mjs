// Drives a kmsmock server with the real AWS SDK for JavaScript v3 (@aws-sdk/client-kms).
//
// Run by tests/test_real_clients.py as `node kms_check.mjs` with KMS_ENDPOINT set to the
// server's URL. Optional: KMS_ACCESS_KEY_ID / KMS_SECRET_ACCESS_KEY (credentials of a
// principal declared through the control API; "testing" otherwise, which the server
// treats as the root of its default account).
//
// With KMS_ACCESS_KEY_ID set, one more check signs with that access key and a wrong
// secret, which the server must refuse (it verifies declared principals' signatures).
//
// Prints one JSON document on stdout: {"ok": bool, "sdkVersion": ..., "checks": [...]},
// each check {"name", "ok", "detail" | "error"}. Exits 1 when any check fails, 2 without
// KMS_ENDPOINT, so a failure is visible both to pytest and to a person
// running it by hand.

import { Buffer } from "node:buffer";
import crypto from "node:crypto";
import { readFileSync } from "node:fs";

import {
  CreateKeyCommand,
  DecryptCommand,
  DisableKeyCommand,
  EncryptCommand,
  GetPublicKeyCommand,
  KMSClient,
} from "@aws-sdk/client-kms";

const endpoint = process.env.KMS_ENDPOINT;
if (!endpoint) {
  console.log(JSON.stringify({ ok: false, checks: [], error: "KMS_ENDPOINT is not set" }));
  process.exit(2);
}

function kmsClient(accessKeyId, secretAccessKey) {
  return new KMSClient({
    endpoint,
    region: "us-east-1",
    // Static credentials: the SDK must never look for a profile, SSO or instance
    // metadata, none of which exists here (and the machine has no route to AWS).
    credentials: { accessKeyId, secretAccessKey },
    // A refusal must reach the check as it is, not after retries with back-off.
    maxAttempts: 1,
  });
}

const declared = process.env.KMS_ACCESS_KEY_ID;
const client = kmsClient(declared ?? "testing", process.env.KMS_SECRET_ACCESS_KEY ?? "testing");

class CheckFailed extends Error {}

function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

function sameBytes(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

// Runs `body` expecting it to throw a modeled KMS error; returns what the SDK parsed.
async function refusal(body) {
  try {
    await body();
  } catch (error) {
    if (error instanceof CheckFailed) throw error;
    return {
      name: error.name,
      message: error.message,
      status: error.$metadata?.httpStatusCode,
      fault: error.$fault,
    };
  }
  throw new CheckFailed("the call succeeded; a refusal was expected");
}

const checks = [];

async function check(name, body) {
  try {
    const detail = await body();
    checks.push({ name, ok: true, detail: detail ?? null });
  } catch (error) {
    const text = error instanceof CheckFailed ? error.message : `${error.name}: ${error.message}`;
    checks.push({ name, ok: false, error: text });
  }
}

async function symmetricKey(description) {
  const created = await client.send(new CreateKeyCommand({ Description: description }));
  return created.KeyMetadata;
}

await check("create-key", async () => {
  const key = await symmetricKey("js-sdk create");
  expect(key.KeyState === "Enabled", `KeyState is ${key.KeyState}`);
  expect(key.KeySpec === "SYMMETRIC_DEFAULT", `KeySpec is ${key.KeySpec}`);
  expect(key.KeyUsage === "ENCRYPT_DECRYPT", `KeyUsage is ${key.KeyUsage}`);
  expect(key.Arn.endsWith(`:key/${key.KeyId}`), `Arn ${key.Arn} does not name ${key.KeyId}`);
  // The SDK turns the epoch seconds on the wire into a Date: a wrong encoding shows here.
  expect(key.CreationDate instanceof Date && !Number.isNaN(key.CreationDate.getTime()),
    `CreationDate is ${key.CreationDate}`);
  return { keyId: key.KeyId, arn: key.Arn };
});

await check("encrypt-decrypt-with-context", async () => {
  const key = await symmetricKey("js-sdk round trip");
  const context = { purpose: "js-check", tenant: "kmsmock" };
  const plaintext = Buffer.from("a secret from node \u00e9\u0000\u00ff", "utf8");
  const encrypted = await client.send(
    new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: context }),
  );
  expect(encrypted.KeyId === key.Arn, `Encrypt answered KeyId ${encrypted.KeyId}`);
  const decrypted = await client.send(
    new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context }),
  );
  expect(sameBytes(decrypted.Plaintext, plaintext), "Decrypt returned other bytes");
  expect(decrypted.KeyId === key.Arn, `Decrypt answered KeyId ${decrypted.KeyId}`);
  expect(decrypted.EncryptionAlgorithm === "SYMMETRIC_DEFAULT",
    `EncryptionAlgorithm is ${decrypted.EncryptionAlgorithm}`);
  // The context is bound to the ciphertext: a different one must be refused.
  const wrong = await refusal(() =>
    client.send(
      new DecryptCommand({
        CiphertextBlob: encrypted.CiphertextBlob,
        EncryptionContext: { purpose: "something-else" },
      }),
    ),
  );
  expect(wrong.name === "InvalidCiphertextException", `wrong context gave ${wrong.name}`);
  expect(wrong.status === 400, `wrong context gave HTTP ${wrong.status}`);
  return { ciphertextBytes: encrypted.CiphertextBlob.length, wrongContext: wrong };
});

await check("disabled-key", async () => {
  const key = await symmetricKey("js-sdk disabled");
  await client.send(new DisableKeyCommand({ KeyId: key.KeyId }));
  const error = await refusal(() =>
    client.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from("x") })),
  );
  expect(error.name === "DisabledException", `error.name is ${error.name}`);
  expect(error.message === `${key.Arn} is disabled.`, `message is ${JSON.stringify(error.message)}`);
  expect(error.status === 400, `HTTP status ${error.status}`);
  expect(error.fault === "client", `$fault is ${error.fault}`);
  return { arn: key.Arn, ...error };
});

// Node's OAEP padding names its digest with oaepHash; KMS names it in the algorithm.
for (const [algorithm, oaepHash] of [
  ["RSAES_OAEP_SHA_256", "sha256"],
  ["RSAES_OAEP_SHA_1", "sha1"],
]) {
  await check(`rsa-public-key-${oaepHash}`, async () => {
    const created = await client.send(
      new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" }),
    );
    const keyId = created.KeyMetadata.KeyId;
    const published = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
    expect(published.KeySpec === "RSA_2048", `KeySpec is ${published.KeySpec}`);
    expect(published.EncryptionAlgorithms?.includes(algorithm),
      `EncryptionAlgorithms is ${published.EncryptionAlgorithms}`);
    // GetPublicKey returns the DER SubjectPublicKeyInfo; node must accept it as is.
    const publicKey = crypto.createPublicKey({
      key: Buffer.from(published.PublicKey),
      format: "der",
      type: "spki",
    });
    expect(publicKey.asymmetricKeyType === "rsa", `key type ${publicKey.asymmetricKeyType}`);
    const bits = publicKey.asymmetricKeyDetails.modulusLength;
    expect(bits === 2048, `modulus is ${bits} bits`);
    const plaintext = crypto.randomBytes(190);
    const ciphertext = crypto.publicEncrypt(
      { key: publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
      plaintext,
    );
    const decrypted = await client.send(
      new DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertext, EncryptionAlgorithm: algorithm }),
    );
    expect(sameBytes(decrypted.Plaintext, plaintext), "Decrypt returned other bytes");
    expect(decrypted.EncryptionAlgorithm === algorithm,
      `EncryptionAlgorithm is ${decrypted.EncryptionAlgorithm}`);
    return { keyId, modulusBits: bits, plaintextBytes: plaintext.length };
  });
}

if (declared) {
  await check("wrong-secret", async () => {
    const forger = kmsClient(declared, "not-the-secret-kmsmock-issued");
    try {
      const error = await refusal(() => forger.send(new CreateKeyCommand({})));
      expect(error.name === "InvalidSignatureException", `error.name is ${error.name}`);
      expect(error.message.startsWith("The request signature we calculated does not match"),
        `message is ${JSON.stringify(error.message)}`);
      expect(error.status === 400, `HTTP status ${error.status}`);
      return error;
    } finally {
      forger.destroy();
    }
  });
}

const sdkVersion = JSON.parse(
  readFileSync(new URL("./node_modules/@aws-sdk/client-kms/package.json", import.meta.url)),
).version;
const ok = checks.length > 0 && checks.every((c) => c.ok);
console.log(JSON.stringify({ ok, sdkVersion, node: process.version, checks }, null, 2));
client.destroy();
process.exit(ok ? 0 : 1);
