import { describe, expect, it } from 'vitest';
import { CLI_SWITCH, detectCliMode } from '../../../electron/base/cliMode.js';

const packaged = { defaultApp: false };
const dev = { defaultApp: true };

describe('detectCliMode', () => {
  it('packaged app: `<exe> --pgentra-cli …` is the CLI, with every later argument untouched', () => {
    expect(detectCliMode(['/opt/pgEntra/pgentra-app', CLI_SWITCH, 'token', 'prod eu'], packaged)).toEqual({ cli: true, args: ['token', 'prod eu'] });
    expect(detectCliMode(['C:\\pgEntra\\pgEntra.exe', CLI_SWITCH], packaged)).toEqual({ cli: true, args: [] });
    // The CLI's own options, `--`, and even a second --pgentra-cli belong to the CLI.
    expect(detectCliMode(['exe', CLI_SWITCH, '--verbose', 'token', '--', '--pgentra-cli', '-h'], packaged)).toEqual({ cli: true, args: ['--verbose', 'token', '--', '--pgentra-cli', '-h'] });
  });

  it('development Electron: the app path operand comes first', () => {
    expect(detectCliMode(['/src/node_modules/electron/dist/electron', '/src/pgentra', CLI_SWITCH, 'token', 'x'], dev)).toEqual({ cli: true, args: ['token', 'x'] });
    expect(detectCliMode(['electron', 'dist/electron/main.cjs', CLI_SWITCH, '--help'], dev)).toEqual({ cli: true, args: ['--help'] });
    // Without defaultApp the same operand is a file to open: the desktop app.
    expect(detectCliMode(['electron', 'dist/electron/main.cjs', CLI_SWITCH, '--help'], packaged)).toEqual({ cli: false });
  });

  it('Chromium switches before --pgentra-cli are skipped (the Linux launcher adds some without a display)', () => {
    expect(detectCliMode(['exe', '--ozone-platform=headless', '--disable-gpu', CLI_SWITCH, 'token', 'p'], packaged)).toEqual({ cli: true, args: ['token', 'p'] });
    expect(detectCliMode(['exe', '--no-sandbox', CLI_SWITCH, 'accounts'], packaged)).toEqual({ cli: true, args: ['accounts'] });
    expect(detectCliMode(['electron', '--enable-logging', '/src/pgentra', '--disable-gpu', CLI_SWITCH, 'env'], dev)).toEqual({ cli: true, args: ['env'] });
    // macOS Finder's process serial number switch.
    expect(detectCliMode(['pgEntra', '-psn_0_12345', CLI_SWITCH, 'x'], packaged)).toEqual({ cli: true, args: ['x'] });
  });

  it('otherwise the desktop app', () => {
    expect(detectCliMode(['exe'], packaged)).toEqual({ cli: false });
    expect(detectCliMode([], packaged)).toEqual({ cli: false });
    expect(detectCliMode(['exe', '--no-sandbox'], packaged)).toEqual({ cli: false });
    expect(detectCliMode(['electron', '/src/pgentra'], dev)).toEqual({ cli: false });
    expect(detectCliMode(['electron', '/src/pgentra', '--real'], dev)).toEqual({ cli: false });
    // An operand (a file to open) or `--` before the switch: not CLI mode.
    expect(detectCliMode(['exe', 'servers.json', CLI_SWITCH, 'token'], packaged)).toEqual({ cli: false });
    expect(detectCliMode(['exe', '--', CLI_SWITCH, 'token'], packaged)).toEqual({ cli: false });
    expect(detectCliMode(['electron', '/src/pgentra', 'other', CLI_SWITCH], dev)).toEqual({ cli: false });
    // Only the exact switch.
    expect(detectCliMode(['exe', '--pgentra-cli=token'], packaged)).toEqual({ cli: false });
    expect(detectCliMode(['exe', '--PGENTRA-CLI', 'token'], packaged)).toEqual({ cli: false });
    // argv[0] is never the switch.
    expect(detectCliMode([CLI_SWITCH, 'token'], packaged)).toEqual({ cli: false });
  });
});
