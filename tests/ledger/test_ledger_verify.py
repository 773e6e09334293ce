"""``creatorpay ledger verify``: every statement's digest recomputed from its row and lines, and
SQLite's integrity check. A changed byte in the ledger file is caught (or SQLite refuses the file);
it never exports changed totals at exit 0. An existing ledger is migrated: its statements get their
digests."""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from creatorpay.core.batch.ledger import Ledger
from creatorpay.core.cli import cli as creatorpay
from creatorpay.core.sqlite_schema import MIGRATIONS, version
from creatorpay.core.sqlite_store import SQLiteStore
from tests.ledger.ledger_support import creators, programs, query, settle, tips, write_jsonl

#: What verify and export say of a file whose header is no ledger's (exit 2, an input error).
NOT_A_LEDGER = re.compile(r"not a creatorpay ledger|schema version -?\d+ is (newer|not one)")


def ledger(tmp: Path) -> Path:
    """A small ledger: a few units of two platforms, one with an adjustment (WC-TIP-03's cliff)."""
    people = creators(tmp / "creators.jsonl")
    settle(
        tmp,
        write_jsonl(
            tmp / "a.jsonl",
            [
                tips("e1", yuan="3000.00"),
                tips("e2", "c2", yuan="700.00", date="2026-10-07"),
                programs("p1", plays="800.00"),
                programs("p2", plays="150.00", date="2026-10-09"),
            ],
        ),
        people,
    )
    settle(tmp, write_jsonl(tmp / "b.jsonl", [tips("e3", yuan="2500.00", date="2026-10-20")]), people)
    return tmp / "ledger.sqlite"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(creatorpay, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return 1, f"{type(result.exception).__name__}: {result.exception}"  # main() exits 1 on these
    return result.exit_code, result.output


def totals(db: Path) -> list[dict[str, object]]:
    """The ledger's totals read as export reads them (read only)."""
    with SQLiteStore(db, readonly=True) as store:
        return list(Ledger(store).totals())


def test_a_clean_ledger_verifies_in_one_line(tmp_path: Path) -> None:
    db = ledger(tmp_path)
    code, out = run("ledger", "verify", "--db", str(db))
    assert code == 0 and out.strip() == f"{db}: ok, 4 statements verified (digests and SQLite integrity check)"


def test_an_edited_line_is_reported_by_statement_and_unit_and_export_refuses(tmp_path: Path) -> None:
    """A line's amount changed behind the ledger's back (its trigger dropped): verify names the
    statement and its unit and exits 1; export exits 1, writes nothing and says to run verify."""
    db = ledger(tmp_path)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DROP TRIGGER lines_never_edited")
        statement = conn.execute("SELECT id FROM statements WHERE creator = 'n1'").fetchone()[0]
        conn.execute("UPDATE lines SET amount = amount + 100 WHERE statement = ? AND seq = 1", (statement,))
    conn.close()
    code, out = run("ledger", "verify", "--db", str(db))
    assert code == 1
    assert f"statement {statement} (netease/n1/2026-10): its digest does not match" in out
    code, out = run("ledger", "export", "--db", str(db), "--period", "2026-10")
    assert code == 1 and "creatorpay ledger verify --db" in out and "platform,creator" not in out


def test_an_edited_settled_event_or_a_lost_settlement_record_is_reported(tmp_path: Path) -> None:
    """A late event re-settles its month from the events the ledger holds, so they are under the
    digest too; and an event whose settlement record is gone would be settled again."""
    db = ledger(tmp_path)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DROP TRIGGER settled_events_never_edited")
        conn.execute("DROP TRIGGER settled_never_deleted")
        conn.execute("""UPDATE events SET body = '{"plays":"8000.00"}' WHERE id = 'p1'""")
        conn.execute("DELETE FROM settled WHERE event = 'e2'")
    conn.close()
    code, out = run("ledger", "verify", "--db", str(db))
    assert code == 1
    assert "(netease/n1/2026-10): its digest does not match" in out
    assert "(wechat_channels/c2/2026-10): no settlement record names it for event(s) e2" in out


def test_random_byte_flips_never_export_changed_totals_at_exit_0(tmp_path: Path) -> None:
    """Each trial flips one random bit of a non-zero byte of the ledger file (a fresh file's free space is
    zeros: these are the bytes that hold something). Either verify fails (exit 1), or SQLite refuses
    the file, or the totals are exactly the clean ledger's: never exit 0 with changed totals."""
    clean = ledger(tmp_path)
    expected = totals(clean)
    data = clean.read_bytes()
    assert not Path(f"{clean}-wal").exists() or Path(f"{clean}-wal").stat().st_size == 0
    offsets = [i for i, byte in enumerate(data) if byte]
    pick = random.Random(20261201)
    caught = changed = 0
    for trial in range(150):
        offset = pick.choice(offsets)
        flipped = bytearray(data)
        flipped[offset] ^= 1 << pick.randrange(8)
        db = tmp_path / f"flip{trial}.sqlite"
        db.write_bytes(bytes(flipped))
        try:
            found = totals(db)
        except Exception:  # SQLite refuses the file, or a value is no longer of its type (a kind, a sum)
            found = None
        code, out = run("ledger", "verify", "--db", str(db))
        if code == 0:
            assert found == expected, f"byte {offset}: verify passed but the totals changed"
            exported, _ = run("ledger", "export", "--db", str(db))
            assert exported == 0
        else:
            caught += 1
            changed += found != expected
            exported, message = run("ledger", "export", "--db", str(db))
            if code == 2:  # the header no longer names a SQLite file or a schema version it could be: bad input
                assert NOT_A_LEDGER.search(out) and exported == 2 and NOT_A_LEDGER.search(message), (out, message)
            else:
                assert code == 1, out
                assert exported == 1 and "creatorpay ledger verify --db" in message, message
        for path in tmp_path.glob(f"flip{trial}.sqlite*"):
            path.unlink()
    assert changed >= 3 and caught >= changed, (caught, changed)  # the flips reached the money


def test_an_existing_ledger_is_migrated_with_its_digests(tmp_path: Path) -> None:
    """A ledger written before digests (schema version 1) gets each statement's digest when it is
    opened, the same digest settling writes; then it verifies."""
    db = ledger(tmp_path)
    written = query(db, "SELECT id, digest FROM statements ORDER BY id")
    old = tmp_path / "old.sqlite"
    shutil.copy(db, old)
    conn = sqlite3.connect(old)
    conn.execute("DROP TABLE unit_slots")
    conn.execute("ALTER TABLE statements DROP COLUMN digest")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with SQLiteStore(old) as store:
        assert version(store.connection) == len(MIGRATIONS)
    assert query(old, "SELECT id, digest FROM statements ORDER BY id") == written
    assert run("ledger", "verify", "--db", str(old))[0] == 0
    conn = sqlite3.connect(old)
    try:
        conn.execute("UPDATE statements SET net = 0")
        raise AssertionError("statements must stay never edited after the migration")
    except sqlite3.IntegrityError as exc:
        assert "never edited" in str(exc)
    finally:
        conn.close()


def test_a_changed_schema_fails_verification(tmp_path: Path) -> None:
    """A table's definition changed in the file (a flipped byte in sqlite_master that a read-only
    integrity check does not see, found by the byte-flip test): verify names it and exits 1."""
    db = ledger(tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, 'state', 'stata') WHERE name = 'quota_slots'")
    conn.commit()
    conn.close()
    code, out = run("ledger", "verify", "--db", str(db))
    assert code == 1 and "the schema's table quota_slots is changed" in out, out


def _damaged(tmp_path: Path, trigger: str, edit: str) -> Path:
    """A ledger edited past its ``trigger`` by the SQL ``edit``, as a flipped byte can change it."""
    db = ledger(tmp_path)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute(edit)
    conn.close()
    return db


def _blob_damaged(tmp_path: Path) -> Path:
    """A ledger whose statement 1 has its scenario text turned into a blob, as a flipped byte can."""
    return _damaged(
        tmp_path, "statements_never_edited", "UPDATE statements SET scenario = CAST(scenario AS BLOB) WHERE id = 1"
    )


def test_a_value_whose_type_a_changed_byte_altered_is_a_digest_mismatch(tmp_path: Path) -> None:
    """A flipped byte can turn a text into a blob (its serial type): the digest cannot be computed
    from it, which is a problem reported, not a crash (the byte-flip test above met one)."""
    db = _blob_damaged(tmp_path)
    code, out = run("ledger", "verify", "--db", str(db))
    assert code == 1 and "statement 1 (" in out and "its digest does not match" in out, out


def test_export_of_a_ledger_failing_verification_writes_nothing(tmp_path: Path) -> None:
    """``ledger export`` verifies first: a damaged statement gives exit 1, the first problem, the
    command that shows them all, and no output file."""
    db = _blob_damaged(tmp_path)
    out = tmp_path / "totals.csv"
    code, text = run("ledger", "export", "--db", str(db), "-o", str(out))
    assert code == 1, text
    assert f"error: {db} fails verification (2 problems, first: the schema's trigger" in text, text
    assert f"nothing exported. Run: creatorpay ledger verify --db {db}" in text, text
    assert not out.exists()


def test_a_statement_id_a_changed_byte_made_text_fails_verification(tmp_path: Path) -> None:
    """A flipped byte can turn a line's statement id into a text (or NULL, when it hits the schema's
    text): reading the statements in id order cannot go on, which verify reports and export refuses,
    never a TypeError crash (the byte-flip test above met one in CI)."""
    db = _damaged(
        tmp_path, "lines_never_edited", "UPDATE lines SET statement = 'x' || statement WHERE statement = 1 AND seq = 1"
    )
    code, out = run("ledger", "verify", "--db", str(db))
    assert code == 1 and "a line's statement 'x1' is not an integer: the file is damaged" in out, out
    code, text = run("ledger", "export", "--db", str(db))
    assert code == 1 and f"creatorpay ledger verify --db {db}" in text, text
