import { describe, expect, it } from 'vitest';
import { normaliseSshKey, sshKeyProblem } from './sshKey';

const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

describe('ssh key validation', () => {
  it('accepts the three kinds, with or without a comment', () => {
    expect(sshKeyProblem(ED)).toBeNull();
    expect(sshKeyProblem(`${ED} alice@laptop`)).toBeNull();
    expect(sshKeyProblem('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== bob')).toBeNull();
    expect(sshKeyProblem('ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAI')).toBeNull();
  });

  it('takes a pasted file with its newline', () => {
    expect(sshKeyProblem(`${ED} me\n`)).toBeNull();
    expect(normaliseSshKey(`  ${ED}\n`)).toBe(ED);
  });

  it('refuses what the API refuses', () => {
    expect(sshKeyProblem('')).toMatch(/paste/);
    expect(sshKeyProblem('ssh-dss AAAAB3NzaC1kc3MAAACBAP8=')).toMatch(/starts with/);
    expect(sshKeyProblem('ssh-ed25519AAAAC3NzaC1lZDI1NTE5AAAA')).toMatch(/starts with/);
    expect(sshKeyProblem('ssh-ed25519 AAAA')).toMatch(/base64/);
    expect(sshKeyProblem('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnk')).toMatch(/base64/);
    expect(sshKeyProblem(`${ED}\n${ED}`)).toMatch(/one line/);
    expect(sshKeyProblem(`${ED} caf\u00e9`)).toMatch(/printable/);
    expect(sshKeyProblem(`${ED} -o ProxyCommand=x;y`)).toBeNull(); // a comment, never an option: the API takes it too
    expect(sshKeyProblem('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMq$qnkVzrm0S')).toMatch(/base64/);
    expect(sshKeyProblem(`ssh-ed25519 ${'A'.repeat(8200)}`)).toMatch(/8192/);
  });

  it('refuses a private key outright', () => {
    expect(sshKeyProblem('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----')).toMatch(/private/);
  });
});
