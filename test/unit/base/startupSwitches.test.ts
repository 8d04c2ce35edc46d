import { describe, expect, it } from 'vitest';
import { refusedStartupSwitches, startupRefusalMessage } from '../../../electron/base/startupSwitches.js';

const EXE = '/opt/pgEntra/pgentra-app';
const packaged = { packaged: true, platform: 'linux' as const };
const names = (args: string[], facts: { packaged: boolean; platform: NodeJS.Platform } = packaged): string[] => refusedStartupSwitches([EXE, ...args], facts).map((r) => r.name);

describe('refusedStartupSwitches (packaged)', () => {
  it.each([
    [['--remote-debugging-port=9222'], '--remote-debugging-port'],
    [['--remote-debugging-port', '9222'], '--remote-debugging-port'],
    [['--remote-debugging-port=0'], '--remote-debugging-port'],
    [['--remote-debugging-pipe'], '--remote-debugging-pipe'],
    [['--remote-debugging-address=0.0.0.0'], '--remote-debugging-address'],
    [['--remote-allow-origins=*'], '--remote-allow-origins'],
    [['--inspect'], '--inspect'],
    [['--inspect=9229'], '--inspect'],
    [['--inspect=0.0.0.0:9229'], '--inspect'],
    [['--inspect-brk=0'], '--inspect-brk'],
    [['--inspect-brk-node'], '--inspect-brk-node'],
    [['--inspect-port=9229'], '--inspect-port'],
    [['--inspect-port', '9229'], '--inspect-port'],
    [['--inspect-wait'], '--inspect-wait'],
    [['--inspect-publish-uid=http'], '--inspect-publish-uid'],
    [['--debug-port=5858'], '--debug-port'],
    [['--debug'], '--debug'],
    [['--debug-brk=5858'], '--debug-brk'],
    [['--js-flags=--expose-gc'], '--js-flags'],
    [['--js-flags="--allow-natives-syntax --expose-gc"'], '--js-flags'],
    [['--renderer-cmd-prefix=gdb --args'], '--renderer-cmd-prefix'],
    [['--utility-cmd-prefix=strace'], '--utility-cmd-prefix'],
    [['--gpu-launcher=gdb'], '--gpu-launcher'],
  ])('refuses %j', (args, name) => {
    expect(names(args)).toEqual([name]);
  });

  it('refuses every spelling Chromium or Node accepts: one dash, upper case (Windows), underscores (Node), surrounding spaces', () => {
    expect(names(['-remote-debugging-port=9222'])).toEqual(['--remote-debugging-port']);
    expect(names(['--REMOTE-DEBUGGING-PORT=9222'])).toEqual(['--remote-debugging-port']);
    expect(names(['--Remote-Debugging-Pipe'])).toEqual(['--remote-debugging-pipe']);
    expect(names(['--INSPECT-BRK=0'])).toEqual(['--inspect-brk']);
    expect(names(['--inspect_brk=0'])).toEqual(['--inspect-brk']);
    expect(names(['--JS-FLAGS=--expose-gc'])).toEqual(['--js-flags']);
    expect(names(['--js_flags=--expose-gc'])).toEqual(['--js-flags']);
    expect(names([' --remote-debugging-port=9222 '])).toEqual(['--remote-debugging-port']);
  });

  it('refuses /switch on Windows only, where Chromium reads / as a switch prefix', () => {
    expect(names(['/remote-debugging-port=9222'], { packaged: true, platform: 'win32' })).toEqual(['--remote-debugging-port']);
    expect(names(['/REMOTE-DEBUGGING-PORT=9222'], { packaged: true, platform: 'win32' })).toEqual(['--remote-debugging-port']);
    // On Linux and macOS that is a path operand.
    expect(names(['/remote-debugging-port=9222'], { packaged: true, platform: 'linux' })).toEqual([]);
  });

  it('finds refused switches anywhere before `--`, also among CLI-mode arguments (Chromium reads them all)', () => {
    expect(names(['--pgentra-cli', 'token', 'prod', '--inspect'])).toEqual(['--inspect']);
    expect(names(['--no-sandbox', '--js-flags=--expose-gc', '--pgentra-cli', '--version', '--remote-debugging-port=1'])).toEqual(['--js-flags', '--remote-debugging-port']);
    // After `--` Chromium and Node read operands, not switches.
    expect(names(['--', '--remote-debugging-port=9222'])).toEqual([]);
    // argv[0] is the executable, whatever it is called.
    expect(refusedStartupSwitches(['--inspect'], packaged)).toEqual([]);
  });

  it('lets ordinary arguments pass', () => {
    expect(
      names([
        '--pgentra-cli',
        'token',
        'prod-admins',
        '--account',
        'alice@contoso.com',
        '--ozone-platform=headless',
        '--no-sandbox',
        '-psn_0_12345',
        '--lang=de',
        '--enable-logging',
        '--format=json',
        '--reason',
        'incident 42: inspect the debugging log',
        '-',
        '--inspector-notes',
        '--remote-debuggingport',
        '--js-flagsx',
        'C:\\Users\\alice\\inspect',
        '/home/alice/--inspect',
      ]),
    ).toEqual([]);
  });

  it('refuses nothing when not packaged: development runs may debug', () => {
    expect(names(['--remote-debugging-port=9222', '--inspect-brk', '--js-flags=--expose-gc'], { packaged: false, platform: 'linux' })).toEqual([]);
  });

  it('keeps each refused argument as given', () => {
    expect(refusedStartupSwitches([EXE, '--INSPECT=9229'], packaged)).toEqual([{ arg: '--INSPECT=9229', name: '--inspect' }]);
  });
});

describe('startupRefusalMessage', () => {
  it('names each refused switch once and says how to start', () => {
    const message = startupRefusalMessage(refusedStartupSwitches([EXE, '--inspect', '--remote-debugging-port=1', '--inspect=2'], packaged));
    expect(message).toContain('--inspect, --remote-debugging-port:');
    expect(message).toMatch(/Start pgEntra without them/);
  });
});
