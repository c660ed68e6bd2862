// links.tsx — every hash, address and height the explorer shows links to its page.
import { Link as RouterLink } from 'react-router-dom';
import { Link } from '@mui/material';
import { shortHash } from '../../lib/format';

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace', wordBreak: 'break-all' } as const;
/** a shortened hash stays on one line: tables scroll sideways instead */
const short = { fontFamily: mono.fontFamily, whiteSpace: 'nowrap' } as const;

export function BlockLink({ height }: { height: number }) {
  return (
    <Link component={RouterLink} to={`/explorer/block/${height}`} aria-label={`Block ${height}`}>
      {height.toLocaleString('en-US')}
    </Link>
  );
}

export function TxLink({ hash, full }: { hash: string; full?: boolean }) {
  return (
    <Link component={RouterLink} to={`/explorer/tx/${hash}`} title={hash} aria-label={`Transaction ${hash}`} sx={full ? mono : short}>
      {full ? hash : shortHash(hash)}
    </Link>
  );
}

export function AddressLink({ address, full }: { address: string; full?: boolean }) {
  return (
    <Link component={RouterLink} to={`/explorer/account/${address}`} title={address} aria-label={`Account ${address}`} sx={full ? mono : short}>
      {full ? address : shortHash(address)}
    </Link>
  );
}

export function JobLink({ id, full }: { id: string; full?: boolean }) {
  return (
    <Link component={RouterLink} to={`/explorer/job/${id}`} title={id} aria-label={`Job ${id}`} sx={full ? mono : short}>
      {full ? id : shortHash(id)}
    </Link>
  );
}

/** A hash that has no page of its own, shown in full and selectable. */
export function Mono({ children }: { children: string }) {
  return <span style={mono}>{children}</span>;
}
