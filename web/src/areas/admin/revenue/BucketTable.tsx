// BucketTable.tsx — the revenue charts' numbers as a table (exact amounts),
// folded away by default; screen readers and copy-paste get the same data.
import {
  Accordion, AccordionDetails, AccordionSummary, Table, TableBody, TableCell, TableContainer, TableHead, TableRow,
} from '@mui/material';
import type { FinancePoint } from './finance';
import { cpcText } from '../money';

export function BucketTable({ series }: { series: FinancePoint[] }) {
  return (
    <Accordion variant="outlined" disableGutters>
      <AccordionSummary aria-controls="revenue-table" id="revenue-table-header">The numbers, per period</AccordionSummary>
      <AccordionDetails id="revenue-table">
        <TableContainer sx={{ overflowX: 'auto' }}>
          <Table size="small" aria-label="Revenue per period">
            <TableHead>
              <TableRow>
                <TableCell>Period</TableCell>
                <TableCell align="right">Minutes</TableCell>
                <TableCell align="right">Customers paid</TableCell>
                <TableCell align="right">Provider income</TableCell>
                <TableCell align="right">Commission</TableCell>
                <TableCell align="right">Payouts</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {series.map((s) => (
                <TableRow key={s.from_ms}>
                  <TableCell>{s.period}</TableCell>
                  <TableCell align="right">{s.minutes}</TableCell>
                  <TableCell align="right">{cpcText(s.units.gross)}</TableCell>
                  <TableCell align="right">{cpcText(s.units.provider_income)}</TableCell>
                  <TableCell align="right">{cpcText(s.units.commission)}</TableCell>
                  <TableCell align="right">{cpcText(s.units.payouts)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      </AccordionDetails>
    </Accordion>
  );
}
