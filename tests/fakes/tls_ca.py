"""A private certificate authority for the TLS tests, made with the `openssl`
command at test time (nothing secret is checked in).

    ca = TestCa.create(tmp_path)      # ca.pem, server.pem, server.key in tmp_path
    stripe = FakeStripe(tls=ca.server_context())
    ... [tls] ca_file = ca.ca_file ...

The server certificate is for 127.0.0.1 and localhost, signed by the CA, so a
client trusts it only when it trusts that CA: shopd with `[tls] ca_file`, not
shopd with the system store alone. EC keys: quick to make and to handshake.
"""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

SERVER_EXTENSIONS = """\
subjectAltName = IP:127.0.0.1, DNS:localhost
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
"""


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{done.stderr}")


@dataclass(frozen=True)
class TestCa:
    dir: Path

    __test__ = False  # not a pytest test class

    @property
    def ca_file(self) -> Path:
        """The CA's certificate (PEM): what an owner puts in [tls] ca_file."""
        return self.dir / "ca.pem"

    @property
    def cert_file(self) -> Path:
        return self.dir / "server.pem"

    @property
    def key_file(self) -> Path:
        return self.dir / "server.key"

    @classmethod
    def create(cls, folder: Path) -> "TestCa":
        folder.mkdir(parents=True, exist_ok=True)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                 "-subj", "/CN=shopd test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
        _openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=folder)
        (folder / "server.ext").write_text(SERVER_EXTENSIONS)
        _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", "server.pem", "-days", "2", "-extfile", "server.ext", cwd=folder)
        return cls(folder)

    def server_context(self) -> ssl.SSLContext:
        """For a fake's listening socket: presents the server certificate."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """For the fakes' self-tests: trusts this CA only."""
        return ssl.create_default_context(cafile=str(self.ca_file))
