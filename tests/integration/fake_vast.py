#!/usr/bin/env python3
"""fake_vast.py — a fake Vast.ai host API on 127.0.0.1 for
test_marketplace_vast.sh. This machine cannot reach Vast.ai, so the fake
answers as vast-ai/vast-python vast.py (commit b25bd952, 2024-12-13) and
docs.vast.ai show the host commands:
  GET    /api/v0/machines?owner=me            -> {"machines": [...]}
  PUT    /api/v0/machines/create_asks/         -> {"success": true}
  DELETE /api/v0/machines/{id}/asks/           -> {"success": true}
  GET    /api/v0/users/me/machine-earnings     -> {"summary", "per_machine", "per_day"}
Requests without "Authorization: Bearer KEY" get 401. The test writes the
control file (JSON: hostname, rentals, per_day) and reads the record file
(one JSON line per create_asks / unlist). Usage:
  fake_vast.py KEY CONTROL RECORD PORTFILE
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

KEY, CONTROL, RECORD, PORTFILE = sys.argv[1:5]
MACHINE = 4242
listed = {"on": False, "price": 0.0, "min_bid": 0.0}


def control():
    try:
        with open(CONTROL) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def record(entry):
    with open(RECORD, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        if self.headers.get("Authorization") != "Bearer " + KEY:
            self.answer(401, {"error": "unauthorized"})
            return False
        return True

    def do_GET(self):
        if not self.authorized():
            return
        c = control()
        path = urlparse(self.path).path
        if path == "/api/v0/machines":
            m = {"id": MACHINE, "hostname": c.get("hostname", ""), "num_gpus": 1,
                 "listed": listed["on"], "listed_gpu_cost": listed["price"] if listed["on"] else 0,
                 "min_bid_price": listed["min_bid"],
                 "current_rentals_running": c.get("rentals", 0),
                 "current_rentals_running_on_demand": 0}
            return self.answer(200, {"machines": [m]})
        if path == "/api/v0/users/me/machine-earnings":
            return self.answer(200, {"summary": {}, "per_machine": [],
                                     "per_day": c.get("per_day", [])})
        self.answer(404, {"error": "not found"})

    def do_PUT(self):
        if not self.authorized():
            return
        n = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(n) or b"{}")
        if urlparse(self.path).path != "/api/v0/machines/create_asks/" or body.get("machine") != MACHINE:
            return self.answer(200, {"success": False, "msg": "no such machine"})
        listed.update(on=True, price=body["price_gpu"], min_bid=body["price_min_bid"])
        record({"ask": body})
        self.answer(200, {"success": True})

    def do_DELETE(self):
        if not self.authorized():
            return
        if urlparse(self.path).path != "/api/v0/machines/%d/asks/" % MACHINE:
            return self.answer(404, {"error": "not found"})
        listed["on"] = False
        record({"unlist": MACHINE})
        self.answer(200, {"success": True})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os  # noqa: E402
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
