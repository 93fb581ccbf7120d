"""Files at rest (SPEC 5): what shopd leaves on disk is the owner's alone,
and `shopd check` speaks up about a config or folder anyone can write."""

import grp
import os
import stat

import pytest

from shop import one_completed_and_one_declined


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
