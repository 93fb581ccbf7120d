"""Files at rest (SPEC 5): what shopd leaves on disk is the owner's alone,
`shopd check` speaks up about a config or folder anyone can write, and a
database shopd cannot write stops it with one clear line instead of failing
order by order.

Tests run as root in CI, and root ignores permission bits: a read-only file
or folder is made with `chattr +i`, or a read-only bind mount where the file
system has no such flag, both of which bind root too."""

import contextlib
import grp
import json
import os
import stat
import subprocess

import pytest

from shop import SHOPD, SLOW, one_completed_and_one_declined

pytestmark = pytest.mark.sqlite_only(
    reason="about the files shopd creates for a SQLite shop (the database, its lock, its backups); "
           "a PostgreSQL shop's data are the database server's files")


def wrong_modes(folder, file_mode, folder_mode):
    """{path: mode} of every file and folder below `folder` whose mode is not the expected one."""
    wrong = {}
    for root, dirs, files in os.walk(folder):
        for name, expected in [(d, folder_mode) for d in dirs] + [(f, file_mode) for f in files]:
            path = os.path.join(root, name)
            mode = stat.S_IMODE(os.lstat(path).st_mode)
            if mode != expected:
                wrong[os.path.relpath(path, folder)] = oct(mode)
    return wrong


def use_the_shop(shop):
    """Orders that complete and fail (invoices, mail), a backup next to the database, a restart."""
    one_completed_and_one_declined(shop)
    backup = shop.cli("backup", str(shop.dir / "var" / "backup.db"))
    assert backup.returncode == 0, backup
    shop.restart()


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_every_file_shopd_creates_is_owner_only_whatever_the_umask(shop_factory, umask):
    shop = shop_factory(start=False)
    shop.umask = umask
    shop.start()
    use_the_shop(shop)
    var = shop.dir / "var"
    names = {p.name for p in var.rglob("*")}
    # What the test is about is there: database with its WAL files, lock, backup, invoices, mail.
    assert {"shop.db", "shop.db-wal", "shop.db-shm", "shop.db.lock", "backup.db", "invoices", "mail"} <= names
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".eml") for n in names)
    assert wrong_modes(var, 0o600, 0o700) == {}
    shop.stop()
    assert wrong_modes(var, 0o600, 0o700) == {}


def test_a_setgid_data_folder_lets_its_group_read_every_file(shop_factory):
    group = grp.getgrnam("nogroup" if "nogroup" in {g.gr_name for g in grp.getgrall()} else "users").gr_gid
    shop = shop_factory(start=False)
    var = shop.dir / "var"
    var.mkdir()
    os.chown(var, -1, group)
    var.chmod(0o2770)  # the owner's choice: this group may read the shop's files
    shop.umask = 0o077
    shop.start()
    use_the_shop(shop)
    assert wrong_modes(var, 0o640, 0o2750) == {}
    assert {p.stat().st_gid for p in var.rglob("*")} == {group}
    shop.stop()


def test_check_reports_a_config_file_or_data_folder_that_every_user_can_write(shop_factory):
    shop = shop_factory()
    shop.stop()
    assert shop.cli("check").returncode == 0

    shop.config_path.chmod(0o666)
    p = shop.cli("check")
    assert p.returncode == 1, p
    assert f"PROBLEM: {shop.config_path} is writable by every user on this machine (mode 0666)" in p.stdout

    shop.config_path.chmod(0o644)
    (shop.dir / "var" / "mail").chmod(0o777)
    p = shop.cli("check")
    assert p.returncode == 1, p
    assert f"PROBLEM: {shop.dir / 'var' / 'mail'} is writable by every user on this machine" in p.stdout
    assert "1 problem(s)" in p.stdout

    # A database others can read (copied in, or made by an older shopd) is worth a note, not a failure.
    (shop.dir / "var" / "mail").chmod(0o700)
    (shop.dir / "var" / "shop.db").chmod(0o644)
    p = shop.cli("check")
    assert p.returncode == 0, p
    assert f"note: {shop.dir / 'var' / 'shop.db'} is readable by every user on this machine (mode 0644)" in p.stdout


# --- a database shopd cannot write ------------------------------------------


@contextlib.contextmanager
def read_only(path):
    """Makes `path` (a file or a folder) unwritable, even for root, for the length of the block."""
    if os.geteuid() != 0:
        mode = stat.S_IMODE(path.stat().st_mode)
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if chattr.returncode == 0:
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    bind = subprocess.run(["mount", "--bind", str(path), str(path)], capture_output=True, text=True)
    if bind.returncode != 0:
        pytest.skip(f"cannot make {path} read-only as root: chattr +i failed ({chattr.stderr.strip()}) "
                    f"and so did a bind mount ({bind.stderr.strip()})")
    try:
        remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(path)], capture_output=True, text=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount {path} read-only: {remount.stderr.strip()}")
        yield
    finally:
        subprocess.run(["umount", str(path)], check=True)


def serve_until_it_exits(shop):
    p = subprocess.run([str(SHOPD), "serve", "--config", str(shop.config_path)], capture_output=True, text=True,
                       timeout=20 * SLOW, cwd=shop.dir)
    errors = [json.loads(line) for line in p.stderr.splitlines() if line.startswith("{")]
    return p, [e for e in errors if e["level"] == "error"]


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_database_shopd_cannot_write_stops_serve_and_check_with_one_clear_line(shop_factory, what):
    shop = shop_factory()
    order_id, _ = one_completed_and_one_declined(shop)
    shop.stop()
    db = shop.dir / "var" / "shop.db"
    target = db if what == "file" else db.parent

    with read_only(target):
        p, errors = serve_until_it_exits(shop)
        assert p.returncode == 1, p  # a clean refusal, not a crash (a signal gives a negative code)
        assert len(errors) == 1, p.stderr
        line = errors[0]["msg"]
        assert f"cannot write the database {what} {target} (" in line, line
        assert "make it writable for the user shopd runs as" in line, line
        assert "shopd started" not in p.stderr

        check = shop.cli("check")
        assert check.returncode == 1, check
        assert f"PROBLEM: {line}" in check.stdout, check.stdout

    # Once the owner fixes it, the shop starts with everything it had.
    shop.start()
    assert shop.order_status(order_id)["status"] == "completed"
