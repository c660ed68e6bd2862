// Pager.tsx — previous / next over an offset-paged admin list.
import { Button, Stack, Typography } from '@mui/material';

export function Pager({ offset, limit, shown, onOffset, label }: {
  offset: number;
  limit: number;
  /** rows on this page */
  shown: number;
  onOffset: (offset: number) => void;
  /** what is paged, for the buttons' names ("users") */
  label: string;
}) {
  return (
    <Stack component="nav" aria-label={`Pages of ${label}`} direction="row" spacing={1} sx={{ mt: 1, alignItems: 'center', justifyContent: 'flex-end' }}>
      <Typography variant="body2" sx={{ color: 'text.secondary' }}>
        {shown ? `${offset + 1}–${offset + shown}` : ''}
      </Typography>
      <Button size="small" disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))} aria-label={`Previous ${label}`}>
        Previous
      </Button>
      <Button size="small" disabled={shown < limit} onClick={() => onOffset(offset + limit)} aria-label={`Next ${label}`}>
        Next
      </Button>
    </Stack>
  );
}
