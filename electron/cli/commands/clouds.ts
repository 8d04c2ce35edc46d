// `pgentra clouds`: the owner's consent for custom cloud files. A profile that names a custom
// cloud file connects only after its owner ran `pgentra clouds trust FILE` on this machine (or
// ticked "Trust this custom cloud file" in the app): the file decides which servers get the
// Entra token and which CA vouches for them. Consent is pinned to the file's SHA-256 (and its
// CA's) and kept in <data folder>/trusted-clouds.json, never in a profile or an export.
import path from 'node:path';
import { PgEntraError } from '../../../shared/errors.js';
import { CLOUD_TRUST_WARNING, cloudTrustStatus, describeCloudFacts, inspectCloudFile, listTrustedClouds, trustCloudFile, untrustCloudFile } from '../../connect/cloudTrust.js';
import { bool, type CommandDefinition } from '../command.js';
import { EXIT } from '../exitCodes.js';

const HELP = `Usage:
  pgentra clouds trust FILE [--yes]   show what a custom cloud file says and trust it on this machine
  pgentra clouds show FILE            show what it says and whether it is trusted
  pgentra clouds list [--json]        the trusted files (path and SHA-256)
  pgentra clouds forget FILE          withdraw the trust

A custom cloud file (authorityHost, resource, postgresDomains, caFile, clientId, tenantId)
decides where your Entra token goes and which CA may vouch for the server. Profiles that name one
— including profiles imported from someone else — connect only after you trusted that exact file
here. Editing the file or its CA file asks again. Files on a network share (\\\\host\\share,
//host/share) or that another user can change (or in a folder another user can change) are
refused.

  --yes    trust without printing the explanation (scripts); the facts are still printed`;

export const command: CommandDefinition = {
  name: 'clouds',
  summary: 'Trust (or list, forget) custom cloud files after checking what they say',
  help: HELP,
  allowPositionals: true,
  options: { json: { type: 'boolean' }, yes: { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const [sub, file, extra] = positionals;
    if (extra !== undefined) throw new PgEntraError('invalid_input', `Unexpected argument "${extra}".`, { hint: 'See pgentra clouds --help.' });
    const abs = file === undefined ? undefined : path.resolve(ctx.cwd, file);
    const need = (): string => {
      if (abs === undefined) throw new PgEntraError('invalid_input', `Give the cloud file: pgentra clouds ${sub ?? 'trust'} FILE`);
      return file && /^[\\/]{2}/.test(file) ? file : abs; // a network path is refused as typed
    };
    switch (sub) {
      case 'trust': {
        const target = need();
        const facts = inspectCloudFile(target);
        for (const line of describeCloudFacts(facts)) ctx.stdout.write(`${line}\n`);
        if (!bool(values.yes)) ctx.stdout.write(`\n${CLOUD_TRUST_WARNING}\n`);
        await trustCloudFile(ctx.dataDir, target);
        ctx.stdout.write(`Trusted ${facts.file} (SHA-256 ${facts.sha256.slice(0, 16)}…). Profiles that name it can connect from this machine.\n`);
        return EXIT.ok;
      }
      case 'show': {
        const status = cloudTrustStatus(ctx.dataDir, need());
        for (const line of describeCloudFacts(status.facts)) ctx.stdout.write(`${line}\n`);
        ctx.stdout.write(
          `Status:            ${status.state === 'trusted' ? 'trusted on this machine' : status.state === 'changed' ? 'CHANGED since you trusted it — check it, then: pgentra clouds trust FILE' : 'not trusted — pgentra clouds trust FILE'}\n`,
        );
        if (status.storeProblem) ctx.stderr.write(`pgentra clouds: ${status.storeProblem}\n`);
        return EXIT.ok;
      }
      case 'list':
      case 'ls': {
        const all = listTrustedClouds(ctx.dataDir);
        if (bool(values.json)) ctx.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
        else if (all.length === 0) ctx.stdout.write('No custom cloud file is trusted on this machine.\n');
        else for (const e of all) ctx.stdout.write(`${e.file}\t${e.sha256}\t${e.trustedAt}\n`);
        return EXIT.ok;
      }
      case 'forget':
      case 'untrust': {
        if (abs === undefined) throw new PgEntraError('invalid_input', 'Give the cloud file: pgentra clouds forget FILE');
        const removed = await untrustCloudFile(ctx.dataDir, abs);
        ctx.stdout.write(removed ? `No longer trusted: ${abs}\n` : `${abs} was not trusted.\n`);
        return EXIT.ok;
      }
      case undefined:
        throw new PgEntraError('invalid_input', 'Say what to do: trust, show, list or forget.', { hint: 'See pgentra clouds --help.' });
      default:
        throw new PgEntraError('invalid_input', `Unknown clouds command "${sub}": use trust, show, list or forget.`);
    }
  },
};
