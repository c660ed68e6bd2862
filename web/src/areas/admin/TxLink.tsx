// TxLink.tsx — a transaction hash shown short, linked to its explorer page.
import { Link } from '@mui/material';
import { Link as RouterLink } from 'react-router-dom';
import { shortHash } from '../../lib/format';

export function TxLink({ hash }: { hash: string }) {
  return (
    <Link component={RouterLink} to={`/explorer/tx/${hash}`} title={hash} aria-label={`Transaction ${hash}`} sx={{ fontFamily: 'monospace' }}>
      {shortHash(hash)}
    </Link>
  );
}
