-- shopd database schema.
--
-- This file is the only place with DDL. It is an append-only list of
-- migrations: each "-- migration: N" section runs once, in order, inside one
-- transaction, and then PRAGMA user_version is set to N. A new database runs
-- every section; an older one runs only the sections it has not seen. Never
-- edit a section that has shipped: add a new one below.
--
-- Conventions: ids are UUIDv7 text (they sort by creation time), times are
-- ISO-8601 UTC text with milliseconds ("2026-11-28T04:30:21.123Z"), money is
-- integer cents, and every foreign-key column has an index.

-- migration: 1

-- The catalog. `stock` is what can still be sold: reservations are already
-- subtracted, so `stock` never goes negative.
CREATE TABLE products (
  sku         TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  stock       INTEGER NOT NULL CHECK (stock >= 0),
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

-- One row per accepted order. `status` is derived from the order's jobs by
-- the worker (see src/outbox/job_state.cpp):
--   received -> paid -> completed, or payment_failed / needs_attention.
-- `stock_state` tracks the order's reservation:
--   reserved -> sold (inventory.commit) | released (inventory.release),
--   released -> reserved again when an owner retries a dead payment.
CREATE TABLE orders (
  id               TEXT PRIMARY KEY,
  status           TEXT NOT NULL DEFAULT 'received'
                   CHECK (status IN ('received', 'paid', 'completed', 'payment_failed', 'needs_attention')),
  stock_state      TEXT NOT NULL DEFAULT 'reserved' CHECK (stock_state IN ('reserved', 'sold', 'released')),
  total_cents      INTEGER NOT NULL CHECK (total_cents >= 0),
  currency         TEXT NOT NULL,
  customer_email   TEXT NOT NULL,
  customer_name    TEXT NOT NULL,
  ship_line1       TEXT NOT NULL,
  ship_line2       TEXT NOT NULL DEFAULT '',
  ship_city        TEXT NOT NULL,
  ship_postal_code TEXT NOT NULL DEFAULT '',
  ship_country     TEXT NOT NULL,
  payment_method   TEXT NOT NULL,           -- Stripe PaymentMethod id (pm_...), never a card number
  payment_ref      TEXT,                    -- the provider's PaymentIntent id once charged
  request_id       TEXT,                    -- X-Request-Id of the POST that created it
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX orders_status ON orders (status);

CREATE TABLE order_items (
  order_id    TEXT NOT NULL REFERENCES orders (id),
  line_no     INTEGER NOT NULL,
  sku         TEXT NOT NULL REFERENCES products (sku),
  name        TEXT NOT NULL,                 -- the product's name when ordered
  qty         INTEGER NOT NULL CHECK (qty BETWEEN 1 AND 1000),
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),  -- the catalog price when ordered
  PRIMARY KEY (order_id, line_no)
) STRICT, WITHOUT ROWID;
CREATE INDEX order_items_sku ON order_items (sku);

-- Every change to products.stock, so stock can be explained:
--   reserve (-qty, at intake), sale (0: the reservation became a sale),
--   release (+qty, payment failed), adjust (owner set the stock).
CREATE TABLE stock_ledger (
  id          TEXT PRIMARY KEY,
  sku         TEXT NOT NULL REFERENCES products (sku),
  order_id    TEXT REFERENCES orders (id),
  reason      TEXT NOT NULL CHECK (reason IN ('reserve', 'sale', 'release', 'adjust')),
  qty_delta   INTEGER NOT NULL,
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX stock_ledger_sku ON stock_ledger (sku);
CREATE INDEX stock_ledger_order_id ON stock_ledger (order_id);

-- The outbox: work to do after an order was accepted. A job leaves
--   pending   when a worker claims it (-> running);
--   running   when its attempt ends (-> done | retrying | dead), or when its
--             lease expires or the process stops (-> retrying, run again);
--   retrying  when run_at comes and a worker claims it (-> running);
--   done      never (pruned after retention.done_job_days);
--   dead      only by an owner: `shopd jobs retry` or POST /admin/jobs/{id}/retry.
-- "waiting" is not stored: a step whose job does not exist yet is waiting
-- for its prerequisite.
CREATE TABLE outbox (
  id            TEXT PRIMARY KEY,
  order_id      TEXT NOT NULL REFERENCES orders (id),
  kind          TEXT NOT NULL CHECK (kind IN ('payment.charge', 'inventory.commit', 'invoice.generate',
                  'email.confirmation', 'inventory.release', 'email.payment_failed', 'alert.team')),
  state         TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'running', 'retrying', 'done', 'dead')),
  priority      INTEGER NOT NULL DEFAULT 0,   -- lower runs first; later pipeline steps come first
  attempts      INTEGER NOT NULL DEFAULT 0,   -- attempts started (a claim counts one)
  max_attempts  INTEGER NOT NULL,
  run_at        TEXT NOT NULL,                -- not claimed before this time
  payload       TEXT NOT NULL DEFAULT '{}',   -- JSON; alert.team names the dead job here
  lease_owner   TEXT,                         -- the process that holds the job while running
  lease_token   TEXT,                         -- changes with every claim; later writes must match it
  locked_until  TEXT,                         -- the lease: after this a running job is run again
  last_error    TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX outbox_order_id ON outbox (order_id);
-- The claim query walks this index: waiting jobs by priority, then oldest
-- first. Partial, so it only holds the jobs that still have to run.
CREATE INDEX outbox_due ON outbox (priority, run_at) WHERE state IN ('pending', 'retrying');
-- When is the next job due (the worker sleeps until then).
CREATE INDEX outbox_next_due ON outbox (run_at) WHERE state IN ('pending', 'retrying');
-- Jobs by state, newest first (admin lists, counts, rescue of running jobs).
CREATE INDEX outbox_state ON outbox (state, id);
-- One job of each kind per order (alerts: one per dead job, so they are exempt).
CREATE UNIQUE INDEX outbox_one_kind_per_order ON outbox (order_id, kind) WHERE kind <> 'alert.team';

-- One row per attempt of a job: the failure record is read from here.
CREATE TABLE job_attempts (
  id              TEXT PRIMARY KEY,
  job_id          TEXT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  attempt         INTEGER NOT NULL,
  started_at      TEXT NOT NULL,
  finished_at     TEXT,
  duration_ms     INTEGER,
  outcome         TEXT NOT NULL DEFAULT 'running'
                  CHECK (outcome IN ('running', 'ok', 'transient', 'permanent', 'interrupted')),
  error_code      TEXT,
  error_message   TEXT,
  provider_status INTEGER,                    -- HTTP status or SMTP reply code
  body_excerpt    TEXT,                       -- start of the provider's answer
  error_where     TEXT                        -- source location that raised the error
) STRICT;
CREATE INDEX job_attempts_job_id ON job_attempts (job_id);

-- Invoice numbers are gapless: `seq` is MAX(seq) + 1, assigned once per order
-- by the single writer.
CREATE TABLE invoices (
  order_id    TEXT PRIMARY KEY REFERENCES orders (id),
  seq         INTEGER NOT NULL UNIQUE,
  number      TEXT NOT NULL UNIQUE,
  total_cents INTEGER NOT NULL,
  tax_cents   INTEGER NOT NULL DEFAULT 0,
  currency    TEXT NOT NULL,
  file        TEXT,                           -- the PDF's file name under [invoice] dir
  issued_at   TEXT NOT NULL
) STRICT;

-- POST /orders Idempotency-Key: the first answer, replayed for 24 hours.
CREATE TABLE idempotency_keys (
  key           TEXT PRIMARY KEY,
  request_hash  TEXT NOT NULL,                -- SHA-256 of the canonical JSON body
  order_id      TEXT REFERENCES orders (id),
  status_code   INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  created_at    TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_order_id ON idempotency_keys (order_id);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- A quick look for owners: `sqlite3 var/shop.db 'select * from order_overview'`.
CREATE VIEW order_overview AS
SELECT o.id,
       o.created_at,
       o.status,
       printf('%d.%02d %s', o.total_cents / 100, o.total_cents % 100, o.currency) AS total,
       (SELECT group_concat(i.qty || ' x ' || i.sku, ', ') FROM order_items i WHERE i.order_id = o.id) AS items,
       (SELECT number FROM invoices v WHERE v.order_id = o.id) AS invoice,
       (SELECT group_concat(j.kind || '=' || j.state, ' ') FROM outbox j WHERE j.order_id = o.id) AS jobs
  FROM orders o
 ORDER BY o.id DESC;

-- Jobs that need a human, with the last error. Retry one with
-- `shopd jobs retry <id>`.
CREATE VIEW dead_jobs AS
SELECT j.id, j.order_id, j.kind, j.attempts, j.last_error, j.updated_at AS died_at
  FROM outbox j
 WHERE j.state = 'dead'
 ORDER BY j.updated_at DESC;

-- migration: 2

-- Dashboard sign-ins (GET /admin/, src/http/dashboard/session.h). The browser
-- holds a random session id in a cookie; only its SHA-256 is stored here, so
-- a copy of the database (a backup) holds no working sign-in. A session ends
-- at sign-out, after an idle hour, or 12 hours after sign-in; expired rows are
-- deleted at the next sign-in. In the database, not in memory, so that several
-- shopd nodes behind one load balancer share them.
CREATE TABLE admin_sessions (
  id_hash      TEXT PRIMARY KEY,   -- lower-case hex SHA-256 of the cookie's session id
  created_at   TEXT NOT NULL,
  last_seen_at TEXT NOT NULL       -- advanced at most once a minute while pages are used
) STRICT, WITHOUT ROWID;

-- The dashboard's "recent failures": failed attempts only, by time.
CREATE INDEX job_attempts_failed ON job_attempts (started_at) WHERE outcome IN ('transient', 'permanent');
