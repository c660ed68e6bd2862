// WorkerCommand.tsx — the command to paste on a server's machine to start its
// bound worker, with a copy button; the key file's path on that machine is editable.
import { useId, useState } from 'react';
import { Box, Stack, TextField, Typography } from '@mui/material';
import { CopyButton } from '../../components/common';
import { defaultKeyPath, workerRegisterCommand, workerRunCommand } from './workerCommand';

function CommandLine({ label, command }: { label: string; command: string }) {
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
      <Box
        component="pre"
        aria-label={label}
        sx={{
          m: 0, p: 1, flex: 1, minWidth: 0, overflowX: 'auto', fontSize: 13, borderRadius: 1,
          bgcolor: 'action.hover', color: 'text.primary', fontFamily: 'monospace', whiteSpace: 'pre',
        }}
      >
        {command}
      </Box>
      <CopyButton text={command} label={`Copy ${label.toLowerCase()}`} />
    </Stack>
  );
}

export function WorkerCommand({ keyName, node = window.location.origin }: { keyName?: string; node?: string }) {
  const [keyPath, setKeyPath] = useState(defaultKeyPath(keyName));
  const id = useId();
  return (
    <Stack spacing={1.5}>
      <TextField
        id={`${id}-key`}
        label="Key file on the machine"
        size="small"
        value={keyPath}
        onChange={(e) => setKeyPath(e.target.value)}
        helperText="Where the worker's keyring file lies on that machine (its file name is the key's name)."
        sx={{ maxWidth: 520 }}
      />
      <Typography variant="body2">Start the worker on the machine (it keeps the server online while it runs):</Typography>
      <CommandLine label="Start command" command={workerRunCommand(node, keyPath)} />
      <Typography variant="body2" color="text.secondary">
        A worker counts as online once it is registered with a stake; if it is not yet, run this once first:
      </Typography>
      <CommandLine label="Register command" command={workerRegisterCommand(node, keyPath)} />
    </Stack>
  );
}
