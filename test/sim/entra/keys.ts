// Signing keys for the simulated tenant: an RSA key with a self-signed certificate, published
// as a JWKS shaped like Entra's (kid = x5t = base64url SHA-1 of the certificate, plus x5c).
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs it loaded first
import { RSA_SIGNING_ALGORITHM as alg, randomSerial } from '../ca.js'; // also sets @peculiar/x509's crypto provider
import { createHash, createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export interface Jwk {
  kty: 'RSA';
  use: 'sig';
  kid: string;
  x5t: string;
  n: string;
  e: string;
  x5c: string[];
  issuer: string;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Jwk;
}

/** `kid` lets a foreign key impersonate the real one's id, so verifiers must check signatures. */
export async function createSigningKey(issuer: string, kid?: string): Promise<SigningKey> {
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=accounts.accesscontrol.windows.net',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
    keys,
    signingAlgorithm: alg,
  });
  const der = Buffer.from(cert.rawData);
  const x5t = createHash('sha1').update(der).digest('base64url');
  const pub = (await webcrypto.subtle.exportKey('jwk', keys.publicKey)) as { n?: string; e?: string };
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  if (!pub.n || !pub.e) throw new Error('RSA public key export failed');
  const id = kid ?? x5t;
  return {
    kid: id,
    privateKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }),
    jwk: { kty: 'RSA', use: 'sig', kid: id, x5t, n: pub.n, e: pub.e, x5c: [der.toString('base64')], issuer },
  };
}
