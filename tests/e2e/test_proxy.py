"""The production setup (README "Run on a VPS"): Debian's nginx with the shipped
contrib/nginx/shopd.conf in front of shopd. The config is used as shipped;
only its ports, the upstream's address and the certificate paths are
substituted, and it is included from a minimal main config that sets what the
shipped file's header tells the owner to set in /etc/nginx/nginx.conf.

What nginx is there for: a header flood, clients trickling their headers and
1,000 idle connections leave another client's order unaffected.
"""

from __future__ import annotations

import http.client
import os
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest

from shop import REPO, SLOW, order, wait_for

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
PROMPT = 5.0 * SLOW

pytestmark = pytest.mark.skipif(not (os.path.exists(NGINX) and os.path.exists(OPENSSL)),
                                reason="needs Debian's nginx-light and openssl")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificates(d: Path) -> tuple[Path, Path, Path]:
    """A test CA and a certificate it signed for orders.example.com and 127.0.0.1."""
    def run(*args):
        subprocess.run([OPENSSL, *args], check=True, capture_output=True, cwd=d, timeout=60)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=shopd test CA", "-days", "2")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=orders.example.com")
    (d / "san.ext").write_text("subjectAltName=DNS:orders.example.com,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "2", "-extfile", "san.ext")
    return d / "ca.crt", d / "server.crt", d / "server.key"


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def shipped_config(shop_port: int, https_port: int, http_port: int, cert: Path, key: Path) -> str:
    text = (REPO / "contrib" / "nginx" / "shopd.conf").read_text()
    subs = {
        "server 127.0.0.1:8080": f"server 127.0.0.1:{shop_port}",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "/etc/letsencrypt/live/orders.example.com/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/orders.example.com/privkey.pem": str(key),
        "root /var/www/html;": "root html;",
    }
    for old, new in subs.items():
        assert old in text, f"the shipped config no longer has {old!r}"
        text = text.replace(old, new)
    v6 = {"listen [::]:443 ssl http2;": f"listen [::1]:{https_port} ssl http2;",
          "listen [::]:80;": f"listen [::1]:{http_port};"}
    for old, new in v6.items():
        assert old in text
        text = text.replace(old, new if ipv6_loopback() else "")
    return text


def main_config(d: Path, site: Path) -> str:
    """What /etc/nginx/nginx.conf holds, with the settings the shipped file asks for and paths in `d`."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes 2;
worker_rlimit_nofile 16384;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {site};
}}
"""


class Nginx:
    def __init__(self, d: Path, shop_port: int):
        self.dir = d
        self.port = free_port()
        self.ca, cert, key = make_certificates(d)
        site = d / "shopd.conf"
        site.write_text(shipped_config(shop_port, self.port, free_port(), cert, key))
        (d / "nginx.conf").write_text(main_config(d, site))
        (d / "html").mkdir(exist_ok=True)
        test = subprocess.run([NGINX, "-t", "-p", str(d), "-c", str(d / "nginx.conf")], capture_output=True,
                              text=True, timeout=30)
        assert test.returncode == 0, test.stderr
        self.log = open(d / "nginx.out", "wb")
        self.proc = subprocess.Popen([NGINX, "-p", str(d), "-c", str(d / "nginx.conf")], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.context = ssl.create_default_context(cafile=str(self.ca))
        wait_for(lambda: self.get("/healthz")[0] == 200, timeout=15, message="nginx to proxy /healthz")

    def request(self, method, path, body=None, headers=None, timeout=30.0):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=timeout * SLOW)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def timed_order(self):
        import json
        start = time.monotonic()
        status, headers, body = self.request("POST", "/orders", json.dumps(order(qty=1)),
                                             {"Content-Type": "application/json"})
        return status, headers, time.monotonic() - start

    def tls_socket(self) -> ssl.SSLSocket:
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        return self.context.wrap_socket(raw, server_hostname="127.0.0.1")

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)  # graceful: finish requests, then exit
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()


@pytest.fixture
def nginx(shop, tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    d = tmp_path / "nginx"
    d.mkdir()
    proxy = Nginx(d, shop.port)
    yield proxy
    proxy.stop()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_an_order_through_nginx_is_accepted_and_nginx_request_id_reaches_shopd(shop, nginx):
    status, headers, elapsed = nginx.timed_order()
    assert status == 202
    # nginx's $request_id (32 hex digits) is what shopd logged and answered with.
    request_id = headers["x-request-id"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    wait_for(lambda: any(e.get("request_id") == request_id for e in shop.log_entries()),
             message="shopd's access line with nginx's request id")


def test_a_header_flood_is_refused_by_nginx_and_never_reaches_shopd(shop, nginx):
    s = nginx.tls_socket()
    flood = b"".join(b"X-Flood-%d: %s\r\n" % (i, b"y" * 50) for i in range(2000))
    try:
        s.sendall(b"POST /orders HTTP/1.1\r\nHost: orders.example.com\r\nContent-Length: 2\r\n" + flood + b"\r\n{}")
        answer = s.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        pass  # refused and closed while the flood was still going out
    finally:
        s.close()
    assert not [e for e in shop.log_entries() if e.get("msg") == "request" and e.get("method") == "POST"]
    status, _, elapsed = nginx.timed_order()
    assert status == 202 and elapsed < PROMPT


def test_slow_header_clients_and_a_thousand_idle_connections_leave_another_clients_order_unaffected(shop, nginx):
    idle = [socket.create_connection(("127.0.0.1", nginx.port), timeout=30) for _ in range(1000)]
    slow = []
    for _ in range(8):
        s = nginx.tls_socket()
        s.sendall(b"POST /orders HTTP/1.1\r\nHost: orders.example.com\r\n")
        slow.append(s)
    stop = threading.Event()

    def trickle():
        while not stop.wait(0.5):
            for s in slow:
                try:
                    s.sendall(b"X")
                except (OSError, ssl.SSLError):
                    pass

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    try:
        for _ in range(5):
            status, _, elapsed = nginx.timed_order()
            assert status == 202
            assert elapsed < PROMPT, f"an order through nginx took {elapsed:.1f} s"
    finally:
        stop.set()
        t.join(5)
        for s in idle + slow:
            s.close()
