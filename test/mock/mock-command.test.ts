import { describe, expect, it } from 'vitest';
import { MOCK_USAGE, parseMockArgs, runMockCommand } from '../../src/cli/mock-command.js';
import { DEFAULT_MOCK_KEY } from '../../src/mock/index.js';
import { KEY } from './helpers.js';

describe('parseMockArgs', () => {
  it('parses every flag, in both spellings', () => {
    expect(
      parseMockArgs([
        '--port',
        '8080',
        '--host=::1',
        '--provider',
        '2captcha',
        `--keys=${KEY}:5:2.5,${'b'.repeat(32)}`,
        '--time-scale',
        '0.01',
        '--latency=0',
        '--unsolvable-rate',
        '0.2',
        '--seed',
        '9',
      ]),
    ).toEqual({
      help: false,
      options: {
        port: 8080,
        host: '::1',
        provider: '2captcha',
        keys: { [KEY]: { threads: 5, balance: 2.5 }, ['b'.repeat(32)]: {} },
        timeScale: 0.01,
        latency: 0,
        unsolvableRate: 0.2,
        seed: 9,
      },
    });
    expect(parseMockArgs(['--help']).help).toBe(true);
  });

  it('rejects bad flags, naming them and never echoing a key', () => {
    expect(() => parseMockArgs(['--port', 'x'])).toThrow(TypeError);
    expect(() => parseMockArgs(['--port', 'x'])).toThrow(/`--port` to be an integer, got "x"/);
    expect(() => parseMockArgs(['--port'])).toThrow(/`--port` to be a value/);
    expect(() => parseMockArgs(['--verbose'])).toThrow(RangeError);
    expect(() => parseMockArgs([`--keys=${KEY}:1:2:3`])).toThrow(/--keys\[0\]/);
    expect(() => parseMockArgs([`--keys=${KEY}:1:2:3`])).not.toThrow(new RegExp(KEY));
    expect(() => parseMockArgs([`--keyz=${KEY}`])).not.toThrow(new RegExp(KEY));
  });
});

describe('runMockCommand', () => {
  it('prints the URL, serves requests, and stops on the signal leaving no handle', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    let listening!: (url: string) => void;
    const listened = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const running = runMockCommand(['--time-scale', '0.001', '--latency', '0'], {
      out: (line) => lines.push(line),
      signal: controller.signal,
      onListening: listening,
    });
    const url = await listened;
    expect(lines[0]).toBe(`Mock solver (captchaai) listening on ${url}`);
    expect(lines.join('\n')).toContain(DEFAULT_MOCK_KEY);
    const res = await fetch(`${url}/res.php`, {
      method: 'POST',
      body: new URLSearchParams({ key: DEFAULT_MOCK_KEY, action: 'getbalance', json: '0' }),
      headers: { connection: 'close' },
    });
    expect(await res.text()).toBe('10.00000');
    controller.abort();
    await running;
    expect(lines.at(-1)).toBe('Mock solver stopped.');
    expect(process.listenerCount('SIGINT')).toBe(0);
    // Stopped means closed: nothing listens on its port any more.
    await expect(fetch(`${url}/in.php`)).rejects.toThrow();
  });

  it('stops on SIGTERM', async () => {
    let listening!: (url: string) => void;
    const listened = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const running = runMockCommand([`--keys=${KEY}:2`], { out: () => {}, onListening: listening });
    const url = await listened;
    process.emit('SIGTERM');
    await running;
    await expect(fetch(`${url}/in.php`)).rejects.toThrow();
  });

  it('prints help, and warns before listening beyond loopback', async () => {
    const lines: string[] = [];
    await runMockCommand(['--help'], { out: (l) => lines.push(l) });
    expect(lines).toEqual([MOCK_USAGE]);
    const warnings: string[] = [];
    // An invalid port makes the mock refuse to start, so nothing listens beyond loopback here.
    await expect(
      runMockCommand(['--host', '0.0.0.0', '--port', '-1'], { err: (l) => warnings.push(l) }),
    ).rejects.toThrow(RangeError);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Warning: listening on 0\.0\.0\.0, not loopback/);
    await expect(
      runMockCommand(['--port', '-1'], { err: (l) => warnings.push(l) }),
    ).rejects.toThrow(/`port`/);
    expect(warnings).toHaveLength(1);
  });
});
