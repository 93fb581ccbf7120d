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

-- Going live and the owner's window:
--   * an owner can discard a dead job (state `discarded`);
--   * attempts that reached no provider (connection refused, DNS, TLS
--     handshake, no answer before the timeout) do not use up max_attempts:
--     they are counted apart, and the job dies only once the provider has been
--     unreachable for retry.unreachable_seconds (job_attempts outcome `unreachable`);
--   * orders record when their payment succeeded (`paid_at`);
--   * invoices hold their PDF;
--   * every team alert is a row in `alerts`, with what each channel did;
--   * views that answer an owner's questions.
-- SQLite cannot change a CHECK constraint in place, so `outbox` and
-- `job_attempts` are rebuilt the way SQLite's ALTER TABLE documentation
-- prescribes (shopd runs migrations with foreign keys off, then checks them).

DROP VIEW order_overview;
DROP VIEW dead_jobs;

-- A job leaves
--   pending    when a worker claims it (-> running);
--   running    when its attempt ends (-> done | retrying | dead), or when its
--              lease expires or the process stops (-> retrying, run again; the
--              interrupted attempt does not count);
--   retrying   when run_at comes and a worker claims it (-> running);
--   done       never (pruned after retention.done_job_days);
--   dead       only by an owner: retry (-> pending, attempts reset) or
--              discard (-> discarded);
--   discarded  never: an owner decided it will not run again.
-- "waiting" and "skipped" are not stored: a step whose job does not exist yet
-- waits for its prerequisite, or is skipped when it never will run.
CREATE TABLE outbox_v2 (
  id                   TEXT PRIMARY KEY,
  order_id             TEXT NOT NULL REFERENCES orders (id),
  kind                 TEXT NOT NULL CHECK (kind IN ('payment.charge', 'inventory.commit', 'invoice.generate',
                         'email.confirmation', 'inventory.release', 'email.payment_failed', 'alert.team')),
  state                TEXT NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'running', 'retrying', 'done', 'dead', 'discarded')),
  priority             INTEGER NOT NULL DEFAULT 0,   -- lower runs first; later pipeline steps come first
  attempts             INTEGER NOT NULL DEFAULT 0,   -- attempts the provider answered, and the running one
  max_attempts         INTEGER NOT NULL,
  unreachable_attempts INTEGER NOT NULL DEFAULT 0,   -- attempts that reached no provider (they do not count)
  unreachable_since    TEXT,                         -- first of the unreachable attempts since the last answer
  run_at               TEXT NOT NULL,                -- not claimed before this time
  payload              TEXT NOT NULL DEFAULT '{}',   -- JSON; alert.team names the dead job here
  lease_owner          TEXT,                         -- the process that holds the job while running
  lease_token          TEXT,                         -- changes with every claim; later writes must match it
  locked_until         TEXT,                         -- the lease: after this a running job is run again
  last_error           TEXT,
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL
) STRICT;
INSERT INTO outbox_v2 (id, order_id, kind, state, priority, attempts, max_attempts, run_at, payload, lease_owner,
                       lease_token, locked_until, last_error, created_at, updated_at)
SELECT id, order_id, kind, state, priority, attempts, max_attempts, run_at, payload, lease_owner,
       lease_token, locked_until, last_error, created_at, updated_at
  FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v2 RENAME TO outbox;
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
-- outcome: running | ok | transient (answered, retry) | unreachable (no
-- answer, does not count) | permanent | interrupted (the process stopped).
CREATE TABLE job_attempts_v2 (
  id              TEXT PRIMARY KEY,
  job_id          TEXT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  attempt         INTEGER NOT NULL,
  started_at      TEXT NOT NULL,
  finished_at     TEXT,
  duration_ms     INTEGER,
  outcome         TEXT NOT NULL DEFAULT 'running'
                  CHECK (outcome IN ('running', 'ok', 'transient', 'unreachable', 'permanent', 'interrupted')),
  error_code      TEXT,
  error_message   TEXT,
  provider_status INTEGER,                    -- HTTP status or SMTP reply code
  body_excerpt    TEXT,                       -- start of the provider's answer (secrets scrubbed)
  error_where     TEXT                        -- source location that raised the error
) STRICT;
INSERT INTO job_attempts_v2 SELECT * FROM job_attempts;
DROP TABLE job_attempts;
ALTER TABLE job_attempts_v2 RENAME TO job_attempts;
CREATE INDEX job_attempts_job_id ON job_attempts (job_id);

-- When the order's payment succeeded (NULL: not paid). Revenue counts these.
ALTER TABLE orders ADD COLUMN paid_at TEXT;
UPDATE orders SET paid_at = coalesce(
  (SELECT j.updated_at FROM outbox j WHERE j.order_id = orders.id AND j.kind = 'payment.charge' AND j.state = 'done'),
  CASE WHEN status IN ('paid', 'completed') THEN updated_at END);

-- The invoice document itself, written in the transaction that assigns its
-- number. `file` is its name in the optional export folder ([invoice] dir).
ALTER TABLE invoices ADD COLUMN pdf BLOB;

-- One row per team alert (an alert.team job, one per dead job). What each
-- channel did with it (`webhook`, `email`):
--   none     the channel is not configured
--   pending  not delivered yet
--   sent     delivered, alone or in a digest
--   failed   the alert job died before this channel delivered it
-- In an alert storm the first alert goes out at once (mode `alone`) and the
-- ones that follow within alerts.digest_seconds wait and go out together in
-- one digest (mode `digest`, batch_id: the alert job that sends the digest).
CREATE TABLE alerts (
  job_id       TEXT PRIMARY KEY REFERENCES outbox (id),
  dead_job_id  TEXT NOT NULL REFERENCES outbox (id),
  order_id     TEXT NOT NULL REFERENCES orders (id),
  kind         TEXT NOT NULL,                      -- the dead job's kind
  summary      TEXT NOT NULL,                      -- "payment.charge: card_declined: Your card was declined."
  webhook      TEXT NOT NULL CHECK (webhook IN ('none', 'pending', 'sent', 'failed')),
  email        TEXT NOT NULL CHECK (email IN ('none', 'pending', 'sent', 'failed')),
  mode         TEXT CHECK (mode IN ('alone', 'digest')),  -- NULL until its job first runs
  batch_id     TEXT REFERENCES outbox (id),
  sent_at      TEXT,                               -- when it went out (alone or in its digest)
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
) STRICT;
CREATE INDEX alerts_dead_job_id ON alerts (dead_job_id);
CREATE INDEX alerts_order_id ON alerts (order_id);
CREATE INDEX alerts_batch_id ON alerts (batch_id);
CREATE INDEX alerts_sent_at ON alerts (sent_at);
CREATE INDEX alerts_waiting ON alerts (mode) WHERE batch_id IS NULL;

-- Owners' views, for `sqlite3 -box var/shop.db 'select * from <view>'`.

-- Every order, newest first, with its customer, items, invoice and jobs.
CREATE VIEW order_overview AS
SELECT o.id,
       o.created_at,
       o.status,
       o.customer_name,
       o.customer_email,
       printf('%d.%02d %s', o.total_cents / 100, o.total_cents % 100, o.currency) AS total,
       (SELECT group_concat(i.qty || ' x ' || i.sku, ', ') FROM order_items i WHERE i.order_id = o.id) AS items,
       (SELECT number FROM invoices v WHERE v.order_id = o.id) AS invoice,
       (SELECT group_concat(j.kind || '=' || j.state, ' ') FROM outbox j WHERE j.order_id = o.id) AS jobs
  FROM orders o
 ORDER BY o.id DESC;

-- Jobs that need a human, with the last error. `shopd jobs retry <id>` runs
-- one again; `shopd jobs discard <id>` lets it go.
CREATE VIEW dead_jobs AS
SELECT j.id, j.order_id, j.kind, j.attempts, j.last_error, j.updated_at AS died_at
  FROM outbox j
 WHERE j.state = 'dead'
 ORDER BY j.updated_at DESC;

-- Orders whose payment succeeded, per day (UTC, the day the order was placed) and currency.
CREATE VIEW revenue_daily AS
SELECT substr(o.created_at, 1, 10) AS day,
       o.currency,
       count(*) AS orders,
       sum(o.total_cents) AS revenue_cents
  FROM orders o
 WHERE o.paid_at IS NOT NULL
 GROUP BY day, o.currency
 ORDER BY day DESC, o.currency;

-- Per product: what can still be sold, what orders hold while their payment
-- is not settled, and what was sold. Stock adds up: what the shop put on
-- sale = on_sale + reserved + sold.
CREATE VIEW stock_overview AS
SELECT p.sku,
       p.name,
       p.stock AS on_sale,
       coalesce((SELECT sum(i.qty) FROM order_items i JOIN orders o ON o.id = i.order_id
                  WHERE i.sku = p.sku AND o.stock_state = 'reserved'), 0) AS reserved,
       coalesce((SELECT sum(i.qty) FROM order_items i JOIN orders o ON o.id = i.order_id
                  WHERE i.sku = p.sku AND o.stock_state = 'sold'), 0) AS sold
  FROM products p
 ORDER BY p.sku;

-- Team alerts that reached nobody: every configured channel failed (or none
-- is configured). `shopd check` reports them until their job is discarded.
CREATE VIEW undelivered_alerts AS
SELECT a.job_id, a.order_id, a.kind, a.summary, a.webhook, a.email, a.created_at
  FROM alerts a
  JOIN outbox j ON j.id = coalesce(a.batch_id, a.job_id)
 WHERE a.webhook NOT IN ('sent', 'pending') AND a.email NOT IN ('sent', 'pending')
   AND j.state <> 'discarded'
 ORDER BY a.created_at DESC;

-- migration: 3

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

-- The dashboard's "recent failures": attempts the provider answered with an
-- error, or that reached no provider, by time.
CREATE INDEX job_attempts_failed ON job_attempts (started_at)
  WHERE outcome IN ('transient', 'unreachable', 'permanent');

-- migration: 4

-- After the sale (cancel, refund, ship) and a job graph that is one table
-- in the code (src/outbox/job_kinds.cpp):
--   * outbox: no CHECK on `kind` any more: the kinds are the code's table, and
--     a new kind should not need a table rebuild. An unknown kind on a row
--     dies with `unknown_kind` in the worker. `job_key` lets an order have
--     several jobs of one kind, one per subject (a refund, an alert, a webhook
--     delivery): unique per (order, kind, key), '' for the order's own jobs;
--   * orders: the statuses action_required, cancelled and refunded; when and
--     why an owner cancelled it;
--   * refunds (with the lines they give back), credit notes (their own
--     gapless series), shipments;
--   * stock_ledger: `restock` (+qty, a refund put the goods back on sale);
--   * the owner's views count refunds and shipments.
-- SQLite cannot change a CHECK constraint in place: `outbox`, `orders` and
-- `stock_ledger` are rebuilt as migration 2 did (foreign keys off meanwhile,
-- checked before commit). Every view reads one of them, so all are made anew.

DROP VIEW order_overview;
DROP VIEW dead_jobs;
DROP VIEW revenue_daily;
DROP VIEW stock_overview;
DROP VIEW undelivered_alerts;

-- A job leaves
--   pending    when a worker claims it (-> running);
--   running    when its attempt ends (-> done | retrying | dead), or when its
--              lease expires or the process stops (-> retrying, run again; the
--              interrupted attempt does not count);
--   retrying   when run_at comes and a worker claims it (-> running);
--   done       never (pruned after retention.done_job_days);
--   dead       only by an owner: retry (-> pending, attempts reset) or
--              discard (-> discarded);
--   discarded  never: an owner decided it will not run again (an owner's
--              cancel also discards a payment that has not started).
CREATE TABLE outbox_v4 (
  id                   TEXT PRIMARY KEY,
  order_id             TEXT NOT NULL REFERENCES orders (id),
  kind                 TEXT NOT NULL,                -- src/outbox/job_kinds.cpp lists them
  job_key              TEXT NOT NULL DEFAULT '',     -- the subject among jobs of one kind: a refund id, an alert id
  state                TEXT NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'running', 'retrying', 'done', 'dead', 'discarded')),
  priority             INTEGER NOT NULL DEFAULT 0,   -- lower runs first; later pipeline steps come first
  attempts             INTEGER NOT NULL DEFAULT 0,   -- attempts the provider answered, and the running one
  max_attempts         INTEGER NOT NULL,
  unreachable_attempts INTEGER NOT NULL DEFAULT 0,   -- attempts that reached no provider (they do not count)
  unreachable_since    TEXT,                         -- first of the unreachable attempts since the last answer
  run_at               TEXT NOT NULL,                -- not claimed before this time
  payload              TEXT NOT NULL DEFAULT '{}',   -- JSON: the subject (refund_id, dead_job_id, ...)
  lease_owner          TEXT,                         -- the process that holds the job while running
  lease_token          TEXT,                         -- changes with every claim; later writes must match it
  locked_until         TEXT,                         -- the lease: after this a running job is run again
  last_error           TEXT,
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL
) STRICT;
-- Alerts had no key (one per dead job, exempt from one-kind-per-order): their own id is theirs.
INSERT INTO outbox_v4 (id, order_id, kind, job_key, state, priority, attempts, max_attempts, unreachable_attempts,
                       unreachable_since, run_at, payload, lease_owner, lease_token, locked_until, last_error,
                       created_at, updated_at)
SELECT id, order_id, kind, CASE WHEN kind = 'alert.team' THEN id ELSE '' END, state, priority, attempts,
       max_attempts, unreachable_attempts, unreachable_since, run_at, payload, lease_owner, lease_token,
       locked_until, last_error, created_at, updated_at
  FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v4 RENAME TO outbox;
CREATE INDEX outbox_order_id ON outbox (order_id);
CREATE INDEX outbox_due ON outbox (priority, run_at) WHERE state IN ('pending', 'retrying');
CREATE INDEX outbox_next_due ON outbox (run_at) WHERE state IN ('pending', 'retrying');
CREATE INDEX outbox_state ON outbox (state, id);
-- One job per order, kind and subject: enqueueing a successor twice (a
-- transition that runs twice) is a no-op.
CREATE UNIQUE INDEX outbox_one_job_per_key ON outbox (order_id, kind, job_key);

-- Statuses (derived in src/outbox/job_state.cpp, derive_order_status):
--   received -> [action_required ->] paid -> completed,
--   or payment_failed / needs_attention; cancelled and refunded by the owner.
-- cancelled_at: when an owner cancelled it (NULL: not cancelled).
CREATE TABLE orders_v4 (
  id               TEXT PRIMARY KEY,
  status           TEXT NOT NULL DEFAULT 'received'
                   CHECK (status IN ('received', 'action_required', 'paid', 'completed', 'payment_failed',
                                     'needs_attention', 'cancelled', 'refunded')),
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
  updated_at       TEXT NOT NULL,
  paid_at          TEXT,                    -- when the payment succeeded (NULL: not paid)
  cancelled_at     TEXT,                    -- when an owner cancelled it (NULL: not cancelled)
  cancel_reason    TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO orders_v4 (id, status, stock_state, total_cents, currency, customer_email, customer_name, ship_line1,
                       ship_line2, ship_city, ship_postal_code, ship_country, payment_method, payment_ref,
                       request_id, created_at, updated_at, paid_at)
SELECT id, status, stock_state, total_cents, currency, customer_email, customer_name, ship_line1, ship_line2,
       ship_city, ship_postal_code, ship_country, payment_method, payment_ref, request_id, created_at, updated_at,
       paid_at
  FROM orders;
DROP TABLE orders;
ALTER TABLE orders_v4 RENAME TO orders;
CREATE INDEX orders_status ON orders (status);

-- Every change to products.stock, so stock can be explained:
--   reserve (-qty, at intake), sale (0: the reservation became a sale),
--   release (+qty, payment failed or order cancelled before payment),
--   restock (+qty, a refund put the goods back on sale), adjust (owner set the stock).
CREATE TABLE stock_ledger_v4 (
  id          TEXT PRIMARY KEY,
  sku         TEXT NOT NULL REFERENCES products (sku),
  order_id    TEXT REFERENCES orders (id),
  reason      TEXT NOT NULL CHECK (reason IN ('reserve', 'sale', 'release', 'restock', 'adjust')),
  qty_delta   INTEGER NOT NULL,
  created_at  TEXT NOT NULL
) STRICT;
INSERT INTO stock_ledger_v4 SELECT id, sku, order_id, reason, qty_delta, created_at FROM stock_ledger;
DROP TABLE stock_ledger;
ALTER TABLE stock_ledger_v4 RENAME TO stock_ledger;
CREATE INDEX stock_ledger_sku ON stock_ledger (sku);
CREATE INDEX stock_ledger_order_id ON stock_ledger (order_id);

-- Money given back to a customer. A refund leaves
--   pending    when its payment.refund job is done (-> succeeded) or dies (-> failed);
--   failed     when an owner retries its dead job (-> pending);
--   succeeded  never.
-- origin: owner (POST /admin/orders/{id}/refunds), cancel (an owner cancelled
-- a paid order), provider (made in Stripe's dashboard, learnt from its webhook).
-- provider_ref is Stripe's refund id (re_...): a refund Stripe reports is
-- recorded once.
CREATE TABLE refunds (
  id            TEXT PRIMARY KEY,            -- UUIDv7; metadata[refund_id] at Stripe
  order_id      TEXT NOT NULL REFERENCES orders (id),
  state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
  origin        TEXT NOT NULL CHECK (origin IN ('owner', 'cancel', 'provider')),
  amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
  currency      TEXT NOT NULL,
  reason        TEXT NOT NULL DEFAULT '',
  restock       INTEGER NOT NULL DEFAULT 0 CHECK (restock IN (0, 1)),
  provider_ref  TEXT UNIQUE,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  succeeded_at  TEXT                         -- when the money went back (revenue_daily counts it that day)
) STRICT;
CREATE INDEX refunds_order_id ON refunds (order_id);
CREATE INDEX refunds_succeeded_at ON refunds (succeeded_at) WHERE state = 'succeeded';

-- The order lines a refund gives back (none for a refund of an amount).
CREATE TABLE refund_items (
  refund_id     TEXT NOT NULL REFERENCES refunds (id),
  line_no       INTEGER NOT NULL,            -- order_items.line_no of the order
  sku           TEXT NOT NULL,
  qty           INTEGER NOT NULL CHECK (qty >= 1),
  amount_cents  INTEGER NOT NULL CHECK (amount_cents >= 0),
  PRIMARY KEY (refund_id, line_no)
) STRICT, WITHOUT ROWID;

-- One credit note per succeeded refund, numbered like invoices (gapless, in
-- the order refunds succeeded, `[invoice] credit_note_prefix`), naming the
-- invoice it corrects. The PDF is stored here like an invoice's.
CREATE TABLE credit_notes (
  refund_id      TEXT PRIMARY KEY REFERENCES refunds (id),
  order_id       TEXT NOT NULL REFERENCES orders (id),
  seq            INTEGER NOT NULL UNIQUE,
  number         TEXT NOT NULL UNIQUE,
  invoice_number TEXT NOT NULL,
  amount_cents   INTEGER NOT NULL,           -- what was refunded (the document prints it negative)
  tax_cents      INTEGER NOT NULL DEFAULT 0,
  currency       TEXT NOT NULL,
  issued_at      TEXT NOT NULL,
  pdf            BLOB
) STRICT;
CREATE INDEX credit_notes_order_id ON credit_notes (order_id);

-- The parcel left: one shipment per order.
CREATE TABLE shipments (
  order_id        TEXT PRIMARY KEY REFERENCES orders (id),
  carrier         TEXT NOT NULL,
  tracking_number TEXT NOT NULL,
  tracking_url    TEXT NOT NULL DEFAULT '',
  shipped_at      TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Owners' views, for `sqlite3 -box var/shop.db 'select * from <view>'`.

-- Every order, newest first, with its customer, items, what was refunded
-- (empty when nothing), invoice, shipment and jobs.
CREATE VIEW order_overview AS
SELECT o.id,
       o.created_at,
       o.status,
       o.customer_name,
       o.customer_email,
       printf('%d.%02d %s', o.total_cents / 100, o.total_cents % 100, o.currency) AS total,
       (SELECT CASE WHEN count(*) = 0 THEN ''
                    ELSE printf('%d.%02d %s', sum(r.amount_cents) / 100, sum(r.amount_cents) % 100, o.currency) END
          FROM refunds r WHERE r.order_id = o.id AND r.state = 'succeeded') AS refunded,
       (SELECT group_concat(i.qty || ' x ' || i.sku, ', ') FROM order_items i WHERE i.order_id = o.id) AS items,
       (SELECT number FROM invoices v WHERE v.order_id = o.id) AS invoice,
       (SELECT s.shipped_at FROM shipments s WHERE s.order_id = o.id) AS shipped_at,
       (SELECT group_concat(j.kind || '=' || j.state, ' ') FROM outbox j WHERE j.order_id = o.id) AS jobs
  FROM orders o
 ORDER BY o.id DESC;

-- Jobs that need a human, with the last error. `shopd jobs retry <id>` runs
-- one again; `shopd jobs discard <id>` lets it go.
CREATE VIEW dead_jobs AS
SELECT j.id, j.order_id, j.kind, j.attempts, j.last_error, j.updated_at AS died_at
  FROM outbox j
 WHERE j.state = 'dead'
 ORDER BY j.updated_at DESC;

-- Money per day (UTC) and currency: orders whose payment succeeded, by the
-- day they were placed; refunds that succeeded, by the day the money went
-- back; net = revenue - refunded.
CREATE VIEW revenue_daily AS
SELECT day,
       currency,
       sum(orders) AS orders,
       sum(revenue_cents) AS revenue_cents,
       sum(refunded_cents) AS refunded_cents,
       sum(revenue_cents) - sum(refunded_cents) AS net_cents
  FROM (SELECT substr(o.created_at, 1, 10) AS day, o.currency AS currency, 1 AS orders,
               o.total_cents AS revenue_cents, 0 AS refunded_cents
          FROM orders o
         WHERE o.paid_at IS NOT NULL
        UNION ALL
        SELECT substr(r.succeeded_at, 1, 10), r.currency, 0, 0, r.amount_cents
          FROM refunds r
         WHERE r.state = 'succeeded')
 GROUP BY day, currency
 ORDER BY day DESC, currency;

-- Per product: what can still be sold, what orders hold while their payment
-- is not settled, and what was sold (less what refunds put back on sale).
-- Stock adds up: what the shop put on sale = on_sale + reserved + sold.
CREATE VIEW stock_overview AS
SELECT p.sku,
       p.name,
       p.stock AS on_sale,
       coalesce((SELECT sum(i.qty) FROM order_items i JOIN orders o ON o.id = i.order_id
                  WHERE i.sku = p.sku AND o.stock_state = 'reserved'), 0)
         - coalesce((SELECT sum(l.qty_delta) FROM stock_ledger l JOIN orders o ON o.id = l.order_id
                      WHERE l.sku = p.sku AND l.reason = 'restock' AND o.stock_state = 'reserved'), 0) AS reserved,
       coalesce((SELECT sum(i.qty) FROM order_items i JOIN orders o ON o.id = i.order_id
                  WHERE i.sku = p.sku AND o.stock_state = 'sold'), 0)
         - coalesce((SELECT sum(l.qty_delta) FROM stock_ledger l JOIN orders o ON o.id = l.order_id
                      WHERE l.sku = p.sku AND l.reason = 'restock' AND o.stock_state = 'sold'), 0) AS sold
  FROM products p
 ORDER BY p.sku;

-- Team alerts that reached nobody: every configured channel failed (or none
-- is configured). `shopd check` reports them until their job is discarded.
CREATE VIEW undelivered_alerts AS
SELECT a.job_id, a.order_id, a.kind, a.summary, a.webhook, a.email, a.created_at
  FROM alerts a
  JOIN outbox j ON j.id = coalesce(a.batch_id, a.job_id)
 WHERE a.webhook NOT IN ('sent', 'pending') AND a.email NOT IN ('sent', 'pending')
   AND j.state <> 'discarded'
 ORDER BY a.created_at DESC;

-- migration: 5

-- Tax, shipping and language (SPEC section 12; docs/invoices.md). What an
-- order's invoice needs is fixed when the order is taken, in the intake
-- transaction, so that a later change of rates or of the config never alters
-- an order already taken:
--   orders.locale              the customer's language: en | de | fr
--   orders.customer_vat_id     a business buyer's EU VAT id, normalized ('': none)
--   orders.tax_regime          single_rate | domestic | distance_sale | oss |
--                              reverse_charge | export (src/tax/regime.h);
--                              NULL: taken before this migration, its invoice
--                              uses invoice.tax_rate_percent as it always did
--   orders.tax_country         whose rates applied ('': single_rate)
--   orders.amounts_include_vat 1: item and shipping prices are gross, 0: net
--   orders.shipping_*          the shipping line: its price on the order's
--                              footing (0: no line), category and rate
--   order_items.vat_*          each line's category and rate
-- Rates are integers in basis points of a percent: 19 % = 1900, 5.5 % = 550.
ALTER TABLE products ADD COLUMN vat_category TEXT NOT NULL DEFAULT 'standard'
  CHECK (vat_category IN ('standard', 'reduced', 'super_reduced', 'zero'));
ALTER TABLE orders ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
ALTER TABLE orders ADD COLUMN customer_vat_id TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN tax_regime TEXT
  CHECK (tax_regime IN ('single_rate', 'domestic', 'distance_sale', 'oss', 'reverse_charge', 'export'));
ALTER TABLE orders ADD COLUMN tax_country TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN amounts_include_vat INTEGER NOT NULL DEFAULT 1 CHECK (amounts_include_vat IN (0, 1));
ALTER TABLE orders ADD COLUMN shipping_cents INTEGER NOT NULL DEFAULT 0 CHECK (shipping_cents >= 0);
ALTER TABLE orders ADD COLUMN shipping_vat_category TEXT NOT NULL DEFAULT 'standard'
  CHECK (shipping_vat_category IN ('standard', 'reduced', 'super_reduced', 'zero'));
ALTER TABLE orders ADD COLUMN shipping_vat_rate_bp INTEGER NOT NULL DEFAULT 0 CHECK (shipping_vat_rate_bp >= 0);
ALTER TABLE order_items ADD COLUMN vat_category TEXT NOT NULL DEFAULT 'standard'
  CHECK (vat_category IN ('standard', 'reduced', 'super_reduced', 'zero'));
ALTER TABLE order_items ADD COLUMN vat_rate_bp INTEGER NOT NULL DEFAULT 0 CHECK (vat_rate_bp >= 0);
