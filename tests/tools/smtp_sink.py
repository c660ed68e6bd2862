# smtp_sink.py OUTDIR PORT — a real SMTP server on 127.0.0.1 (aiosmtpd) that
# writes each message to OUTDIR/N.eml (with an X-Rcpt: line first) and
# touches OUTDIR/ready once it listens. Used by the integration tests and the
# dashboard's browser tests (web/e2e/harness.ts).
import itertools, os, sys, time
from aiosmtpd.controller import Controller

out, port = sys.argv[1], int(sys.argv[2])
seq = itertools.count(1)


class Sink:
    async def handle_DATA(self, server, session, envelope):
        n = next(seq)
        tmp = os.path.join(out, "%d.tmp" % n)
        with open(tmp, "wb") as f:
            f.write(b"X-Rcpt: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(out, "%d.eml" % n))
        return "250 OK"


c = Controller(Sink(), hostname="127.0.0.1", port=port)
c.start()
open(os.path.join(out, "ready"), "w").close()
try:
    while True:
        time.sleep(3600)
finally:
    c.stop()
