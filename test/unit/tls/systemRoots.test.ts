// The OS trust store per platform, with the platform, Node's API, the file system and macOS's
// `security` tool injected — so the Windows and macOS branches run here — and the trust list
// built from it: Node's roots + NODE_EXTRA_CA_CERTS + the OS roots when the setting is on,
// de-duplicated, lazily, with the secure-context cache following the setting.
import 'reflect-metadata'; // the simulator CA (@peculiar/x509) needs it before anything else
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import tls from 'node:tls';
import { createTlsMaterial } from '../../sim/ca.js';
import { LINUX_BUNDLES, MACOS_KEYCHAINS, readSystemRoots, type SystemRootsDeps } from '../../../electron/base/systemRoots.js';
import { configureTrust, describeTrust, osCertificatesTrusted, trustSummary, trustedRoots } from '../../../electron/base/trustedRoots.js';
import { trustContext } from '../../../electron/base/tls.js';

const pem = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
const A = pem('QUFB');
const B = pem('QkJC');

function deps(over: Partial<SystemRootsDeps>): SystemRootsDeps & { read: string[]; ran: string[][] } {
  const read: string[] = [];
  const ran: string[][] = [];
  return {
    platform: 'linux',
    env: {},
    getCACertificates: undefined,
    readFile: (f) => {
      read.push(f);
      throw Object.assign(new Error('no'), { code: 'ENOENT' });
    },
    exists: () => false,
    runSecurity: (args) => {
      ran.push([...args]);
      return '';
    },
    ...over,
    read,
    ran,
  };
}

describe('readSystemRoots', () => {
  it('Windows with Node ≥ 22.15: tls.getCACertificates("system")', () => {
    const asked: string[] = [];
    const d = deps({ platform: 'win32', getCACertificates: (t) => (asked.push(t), [`${A}\n`, B]) });
    expect(readSystemRoots(d)).toEqual({ certificates: [A, B], source: 'the Windows certificate store' });
    expect(asked).toEqual(['system']);
    expect(d.read).toEqual([]);
  });

  it('Windows without it: none, and a note that the installed app (or Node ≥ 22.15) reads the store', () => {
    const r = readSystemRoots(deps({ platform: 'win32' }));
    expect(r.certificates).toEqual([]);
    expect(r.source).toBe('none');
    expect(r.note).toMatch(/installed pgEntra app.*Node ≥ 22\.15/);
  });

  it('macOS with the API: the keychains through Node, no `security` run', () => {
    const d = deps({ platform: 'darwin', getCACertificates: () => [A] });
    expect(readSystemRoots(d)).toEqual({ certificates: [A], source: 'the macOS keychains' });
    expect(d.ran).toEqual([]);
  });

  // Real certificates: two of Node's roots (self-signed CAs), and a server certificate (not a CA).
  const ROOT1 = (tls.rootCertificates[0] ?? '').trim();
  const ROOT2 = (tls.rootCertificates[1] ?? '').trim();
  let leaf = '';
  let simRoot = '';
  beforeAll(async () => {
    const m = await createTlsMaterial();
    leaf = m.certPem.trim();
    simRoot = m.caCertPem.trim();
  });

  it('macOS without it: `security find-certificate -a -p` of the system roots and System keychains, as an argument array; only self-signed CAs become anchors', () => {
    const d = deps({ platform: 'darwin', runSecurity: (args) => (d.ran.push([...args]), args[3] === MACOS_KEYCHAINS[0] ? `${ROOT1}\n${ROOT2}\n` : `junk\n${ROOT2}\n${leaf}\n${simRoot}`) });
    const r = readSystemRoots(d);
    expect(d.ran).toEqual(MACOS_KEYCHAINS.map((k) => ['find-certificate', '-a', '-p', k]));
    // The System keychain's server certificate is no anchor; an administrator's own root is.
    expect(r.certificates).toEqual([ROOT1, ROOT2, ROOT2, simRoot]); // de-duplication is trustedRoots' job
    expect(r.source).toBe('the macOS system keychains');
  });

  it('macOS: a keychain `security` cannot read is named in the note, the other one still counts', () => {
    const d = deps({
      platform: 'darwin',
      runSecurity: (args) => {
        if (args[3] === MACOS_KEYCHAINS[1]) throw new Error('timeout');
        return ROOT1;
      },
    });
    const r = readSystemRoots(d);
    expect(r.certificates).toEqual([ROOT1]);
    expect(r.note).toContain(MACOS_KEYCHAINS[1]);
  });

  it('Linux: the first bundle that exists, read by us even where Node has the API', () => {
    const d = deps({
      getCACertificates: () => {
        throw new Error('must not be asked on Linux');
      },
      exists: (f) => f === LINUX_BUNDLES[1] || f === LINUX_BUNDLES[3],
      readFile: (f) => (d.read.push(f), `${A}\n${B}\n`),
    });
    expect(readSystemRoots(d)).toEqual({ certificates: [A, B], source: LINUX_BUNDLES[1] });
    expect(d.read).toEqual([LINUX_BUNDLES[1]]);
  });

  it('Linux: SSL_CERT_FILE wins; a missing one is a note, not a guess elsewhere', () => {
    const d = deps({ env: { SSL_CERT_FILE: '/opt/corp/ca.pem' }, exists: () => true, readFile: (f) => (d.read.push(f), A) });
    expect(readSystemRoots(d)).toEqual({ certificates: [A], source: 'SSL_CERT_FILE (/opt/corp/ca.pem)' });
    const missing = readSystemRoots(deps({ env: { SSL_CERT_FILE: '/nope.pem' }, exists: () => true }));
    expect(missing).toMatchObject({ certificates: [], source: 'none' });
    expect(missing.note).toContain('/nope.pem');
  });

  it('Linux without any bundle: none, naming where it looked', () => {
    const r = readSystemRoots(deps({}));
    expect(r).toMatchObject({ certificates: [], source: 'none' });
    expect(r.note).toContain(LINUX_BUNDLES[0]);
  });
});

describe('trustedRoots', () => {
  afterEach(() => configureTrust({ osCertificates: true }));

  it("Node's roots + the OS roots when on, de-duplicated (line breaks do not make a certificate new)", () => {
    const bundled = tls.rootCertificates[0] ?? '';
    const rewrapped = bundled.replace(/\n/g, '\r\n');
    configureTrust({ osCertificates: false });
    const nodeOnly = trustedRoots();
    let reads = 0;
    configureTrust({ osCertificates: true }, { systemRoots: () => (reads++, { certificates: [A, rewrapped, A], source: '/etc/test-bundle.pem' }) });
    expect(reads).toBe(0); // lazy: nothing read until a list is needed
    const roots = trustedRoots();
    expect(reads).toBe(1);
    expect(roots).toEqual([...nodeOnly, A]); // the re-wrapped bundled root and the second A add nothing
    expect(trustedRoots()).toBe(roots);
    expect(reads).toBe(1);
    expect(describeTrust()).toMatchObject({ osCertificates: true, osSource: '/etc/test-bundle.pem', osCount: 3, total: roots.length });
    expect(trustSummary()).toBe(`OS certificate store on: 3 roots from /etc/test-bundle.pem; ${roots.length} trusted in all`);
  });

  it('off: the OS store is never read; the setting changes the list and the shared secure context', () => {
    let reads = 0;
    const os = (): { certificates: string[]; source: string } => (reads++, { certificates: [B], source: 'test' });
    configureTrust({ osCertificates: true }, { systemRoots: os });
    const withOs = trustContext();
    expect(trustedRoots()).toContain(B);
    configureTrust({ osCertificates: false }, { systemRoots: os });
    expect(osCertificatesTrusted()).toBe(false);
    expect(trustedRoots()).not.toContain(B);
    const without = trustContext();
    expect(without).not.toBe(withOs);
    expect(trustContext()).toBe(without);
    expect(reads).toBe(1);
    expect(describeTrust()).toMatchObject({ osCertificates: false, osCount: 0 });
    expect(trustSummary()).toMatch(/^OS certificate store off/);
  });

  it('an OS store that could not be read says why', () => {
    configureTrust({ osCertificates: true }, { systemRoots: () => ({ certificates: [], source: 'none', note: 'This Node cannot read the Windows certificate store.' }) });
    expect(trustSummary()).toContain('no roots read (This Node cannot read the Windows certificate store.)');
  });
});
