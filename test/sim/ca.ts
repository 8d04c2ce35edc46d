// A throwaway certificate authority per simulator run (or per public-cloud namespace), and the
// server certificates it issues: 127.0.0.1 / localhost / ::1 for the localhost simulators, Azure's
// real host names (DNS names only) in the public-cloud mode. Nothing is reused across runs.
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs it loaded first
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface TlsMaterial {
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

/** RSA 2048 / SHA-256, as Entra's and Azure's certificates use. */
export const RSA_SIGNING_ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

export function randomSerial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

/** A CA that can issue server certificates: per simulator run, or loaded from a namespace's files. */
export interface CertificateAuthority {
  caCertPem: string;
  /** PKCS#8 PEM of the CA's private key (kept in the run's scratch dir, never committed). */
  caKeyPem: string;
  /** A server certificate for exactly these names (as Azure's: DNS names only unless IPs are given). */
  issue(names: { dns: string[]; ip?: string[] }): Promise<TlsMaterial>;
}

function fromPem(pem: string): ArrayBuffer {
  const b64 = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  const buf = Buffer.from(b64, 'base64');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

function authority(ca: x509.X509Certificate, caKeys: CryptoKeyPair, caKeyPem: string): CertificateAuthority {
  const caCertPem = ca.toString('pem') + '\n';
  return {
    caCertPem,
    caKeyPem,
    async issue(names) {
      const notBefore = new Date(Date.now() - 60_000);
      const notAfter = new Date(Date.now() + 7 * 24 * 3600_000);
      const leafKeys = (await webcrypto.subtle.generateKey(RSA_SIGNING_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject: `CN=${names.dns[0] ?? names.ip?.[0] ?? 'localhost'}`,
        issuer: ca.subject,
        notBefore,
        notAfter,
        publicKey: leafKeys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: RSA_SIGNING_ALGORITHM,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
          new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: 'dns' as const, value })), ...(names.ip ?? []).map((value) => ({ type: 'ip' as const, value }))]),
          await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        ],
      });
      const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey);
      return { caCertPem, certPem: leaf.toString('pem') + '\n', keyPem: toPem(pkcs8, 'PRIVATE KEY') };
    },
  };
}

/**
 * A new root CA. `name`: its distinguished name (default the simulator's test CA; the corporate
 * proxy's TLS inspection root has its own, which products may show in certificate errors).
 */
export async function createCertificateAuthority(opts: { name?: string } = {}): Promise<CertificateAuthority> {
  const caKeys = (await webcrypto.subtle.generateKey(RSA_SIGNING_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: opts.name ?? 'CN=pgEntra Simulated Azure Test CA',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 7 * 24 * 3600_000),
    keys: caKeys,
    signingAlgorithm: RSA_SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const caKeyPem = toPem(await webcrypto.subtle.exportKey('pkcs8', caKeys.privateKey), 'PRIVATE KEY');
  return authority(ca, caKeys, caKeyPem);
}

/** The CA made before a public-cloud namespace started (its certificate is in NODE_EXTRA_CA_CERTS). */
export async function loadCertificateAuthority(caCertPem: string, caKeyPem: string): Promise<CertificateAuthority> {
  const ca = new x509.X509Certificate(caCertPem);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', fromPem(caKeyPem), RSA_SIGNING_ALGORITHM, true, ['sign']);
  const publicKey = await ca.publicKey.export(RSA_SIGNING_ALGORITHM, ['verify']);
  return authority(ca, { privateKey, publicKey }, caKeyPem);
}

/** One CA and one certificate for 127.0.0.1 / localhost / ::1 that both simulators serve. */
export async function createTlsMaterial(): Promise<TlsMaterial> {
  const ca = await createCertificateAuthority();
  return ca.issue({ dns: ['localhost'], ip: ['127.0.0.1', '::1'] });
}
