import { describe, expect, it } from 'vitest';
import { defaultKeyPath, shellPath, shellQuote, workerRegisterCommand, workerRunCommand } from './workerCommand';

describe('shellQuote', () => {
  it('leaves safe words bare', () => {
    expect(shellQuote('http://127.0.0.1:8000')).toBe('http://127.0.0.1:8000');
    expect(shellQuote('/home/a/.cpc/keyring/worker.json')).toBe('/home/a/.cpc/keyring/worker.json');
  });
  it('quotes spaces, quotes and shell syntax', () => {
    expect(shellQuote('my key.json')).toBe(`'my key.json'`);
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('$(rm -rf /)')).toBe(`'$(rm -rf /)'`);
    expect(shellQuote('a;b|c&d`e`')).toBe(`'a;b|c&d\`e\`'`);
    expect(shellQuote('~root')).toBe(`'~root'`);
    expect(shellQuote('')).toBe(`''`);
  });
});

describe('shellPath', () => {
  it('keeps ~/ expandable and quotes the rest', () => {
    expect(shellPath('~/.cpc/keyring/worker.json')).toBe('~/.cpc/keyring/worker.json');
    expect(shellPath('~/keys/my worker.json')).toBe(`~/'keys/my worker.json'`);
    expect(shellPath('~')).toBe(`'~'`);
  });
});

describe('workerRunCommand', () => {
  it('builds the exact command', () => {
    expect(workerRunCommand('https://node.example:8443', defaultKeyPath('gpu-box-1'))).toBe(
      'cpc-worker --node https://node.example:8443 run --key ~/.cpc/keyring/gpu-box-1.json',
    );
  });
  it('quotes a hostile path and falls back to the default key', () => {
    expect(workerRunCommand('http://h:1', `/tmp/x'; reboot #.json`)).toBe(
      `cpc-worker --node http://h:1 run --key '/tmp/x'\\''; reboot #.json'`,
    );
    expect(workerRunCommand('http://h:1', '  ')).toBe('cpc-worker --node http://h:1 run --key ~/.cpc/keyring/worker.json');
  });
  it('registers with a stake', () => {
    expect(workerRegisterCommand('http://h:1', '/k/w.json', '12.5')).toBe('cpc-worker --node http://h:1 register --stake 12.5 --key /k/w.json');
  });
});
