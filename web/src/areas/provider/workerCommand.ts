// workerCommand.ts — the command a provider pastes on the machine to start the
// worker bound to a server: cpc-worker --node ORIGIN run --key KEYFILE
// (docs/worker.md). Every value is quoted for a POSIX shell, so a pasted
// command runs exactly what it shows.

/** A POSIX-shell word for `s`: bare when it holds only safe characters, else single-quoted. */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_./:@%+=,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A path for the shell: a leading "~/" stays unquoted so the shell expands it to the home folder. */
export function shellPath(p: string): string {
  if (p.startsWith('~/') && p.length > 2) return `~/${shellQuote(p.slice(2))}`;
  return shellQuote(p);
}

/** The key file the worker's keyring keeps key `name` in (HOME/keyring/NAME.json, HOME=~/.cpc);
 * the worker loads a file only when its base name is the key's name. */
export function defaultKeyPath(name = 'worker'): string {
  return `~/.cpc/keyring/${name}.json`;
}

/** The command that starts the worker: `node` is this node's origin as the machine reaches it. */
export function workerRunCommand(node: string, keyPath: string): string {
  return `cpc-worker --node ${shellQuote(node)} run --key ${shellPath(keyPath.trim() || defaultKeyPath())}`;
}

/** The one-time registration (a stake) the worker needs before the scheduler counts it online. */
export function workerRegisterCommand(node: string, keyPath: string, stakeCpc = '10'): string {
  return `cpc-worker --node ${shellQuote(node)} register --stake ${shellQuote(stakeCpc)} --key ${shellPath(keyPath.trim() || defaultKeyPath())}`;
}
