-- shopd database schema for PostgreSQL.
--
-- The same tables, columns, views and migration numbers as schema.sql (the
-- SQLite schema): version N means the same shop on both engines, which is
-- what lets `shopd copy-db` move a SQLite shop here row by row. Each
-- "-- migration: N" section runs once, in order, inside one transaction,
-- and is then recorded in schema_migrations. Never edit a section that has
-- shipped: add a new one below (and its twin in schema.sql).
--
-- Conventions as in schema.sql: ids are UUIDv7 text, times are ISO-8601 UTC
-- text with milliseconds, money is integer cents (bigint), every
-- foreign-key column has an index. SQLite's INTEGER is 64-bit, hence bigint;
-- its BLOB is bytea. SKUs compare byte by byte (COLLATE "C") as in SQLite,
-- whatever the database's locale.
--
-- Only on PostgreSQL: invoice_numbering and credit_note_numbering, the
-- counter rows that keep invoice and credit note numbers gapless when several
-- shopd processes assign them (see src/store/invoice_store.h).

-- migration: 1

-- The catalog. `stock` is what can still be sold: reservations are already
-- subtracted, so `stock` never goes negative.
CREATE TABLE products (
  sku         text COLLATE "C" PRIMARY KEY,
  name        text NOT NULL,
  price_cents bigint NOT NULL CHECK (price_cents >= 0),
  stock       bigint NOT NULL CHECK (stock >= 0),
  created_at  text NOT NULL,
  updated_at  text NOT NULL
);

-- One row per accepted order; see schema.sql for the states.
CREATE TABLE orders (
  id               text PRIMARY KEY,
  status           text NOT NULL DEFAULT 'received'
                   CHECK (status IN ('received', 'paid', 'completed', 'payment_failed', 'needs_attention')),
  stock_state      text NOT NULL DEFAULT 'reserved' CHECK (stock_state IN ('reserved', 'sold', 'released')),
  total_cents      bigint NOT NULL CHECK (total_cents >= 0),
  currency         text NOT NULL,
  customer_email   text NOT NULL,
  customer_name    text NOT NULL,
  ship_line1       text NOT NULL,
  ship_line2       text NOT NULL DEFAULT '',
  ship_city        text NOT NULL,
  ship_postal_code text NOT NULL DEFAULT '',
  ship_country     text NOT NULL,
  payment_method   text NOT NULL,
  payment_ref      text,
  request_id       text,
  created_at       text NOT NULL,
  updated_at       text NOT NULL
);
CREATE INDEX orders_status ON orders (status);

CREATE TABLE order_items (
  order_id    text NOT NULL REFERENCES orders (id),
  line_no     bigint NOT NULL,
  sku         text COLLATE "C" NOT NULL REFERENCES products (sku),
  name        text NOT NULL,
  qty         bigint NOT NULL CHECK (qty BETWEEN 1 AND 1000),
  price_cents bigint NOT NULL CHECK (price_cents >= 0),
  PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_items_sku ON order_items (sku);

CREATE TABLE stock_ledger (
  id          text PRIMARY KEY,
  sku         text COLLATE "C" NOT NULL REFERENCES products (sku),
  order_id    text REFERENCES orders (id),
  reason      text NOT NULL CHECK (reason IN ('reserve', 'sale', 'release', 'adjust')),
  qty_delta   bigint NOT NULL,
  created_at  text NOT NULL
);
CREATE INDEX stock_ledger_sku ON stock_ledger (sku);
CREATE INDEX stock_ledger_order_id ON stock_ledger (order_id);

-- The outbox; see schema.sql for how a job leaves each state.
CREATE TABLE outbox (
  id            text PRIMARY KEY,
  order_id      text NOT NULL REFERENCES orders (id),
  kind          text NOT NULL CONSTRAINT outbox_kind_check CHECK (kind IN ('payment.charge', 'inventory.commit',
                  'invoice.generate', 'email.confirmation', 'inventory.release', 'email.payment_failed', 'alert.team')),
  state         text NOT NULL DEFAULT 'pending'
                CONSTRAINT outbox_state_check CHECK (state IN ('pending', 'running', 'retrying', 'done', 'dead')),
  priority      bigint NOT NULL DEFAULT 0,
  attempts      bigint NOT NULL DEFAULT 0,
  max_attempts  bigint NOT NULL,
  run_at        text NOT NULL,
  payload       text NOT NULL DEFAULT '{}',
  lease_owner   text,
  lease_token   text,
  locked_until  text,
  last_error    text,
  created_at    text NOT NULL,
  updated_at    text NOT NULL
);
CREATE INDEX outbox_order_id ON outbox (order_id);
CREATE INDEX outbox_due ON outbox (priority, run_at) WHERE state IN ('pending', 'retrying');
CREATE INDEX outbox_next_due ON outbox (run_at) WHERE state IN ('pending', 'retrying');
CREATE INDEX outbox_state ON outbox (state, id);
CREATE UNIQUE INDEX outbox_one_kind_per_order ON outbox (order_id, kind) WHERE kind <> 'alert.team';

CREATE TABLE job_attempts (
  id              text PRIMARY KEY,
  job_id          text NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  attempt         bigint NOT NULL,
  started_at      text NOT NULL,
  finished_at     text,
  duration_ms     bigint,
  outcome         text NOT NULL DEFAULT 'running'
                  CONSTRAINT job_attempts_outcome_check
                  CHECK (outcome IN ('running', 'ok', 'transient', 'permanent', 'interrupted')),
  error_code      text,
  error_message   text,
  provider_status bigint,
  body_excerpt    text,
  error_where     text
);
CREATE INDEX job_attempts_job_id ON job_attempts (job_id);

CREATE TABLE invoices (
  order_id    text PRIMARY KEY REFERENCES orders (id),
  seq         bigint NOT NULL UNIQUE,
  number      text NOT NULL UNIQUE,
  total_cents bigint NOT NULL,
  tax_cents   bigint NOT NULL DEFAULT 0,
  currency    text NOT NULL,
  file        text,
  issued_at   text NOT NULL
);

-- The last invoice number given out. The transaction that numbers an
-- invoice increments it and holds its row lock until it commits, so numbers
-- are handed out one at a time across every shopd process; a transaction
-- that rolls back takes its increment with it, so none is skipped.
CREATE TABLE invoice_numbering (
  id       bigint PRIMARY KEY CHECK (id = 1),
  last_seq bigint NOT NULL CHECK (last_seq >= 0)
);
INSERT INTO invoice_numbering (id, last_seq) VALUES (1, 0);

CREATE TABLE idempotency_keys (
  key           text PRIMARY KEY,
  request_hash  text NOT NULL,
  order_id      text REFERENCES orders (id),
  status_code   bigint NOT NULL,
  response_body text NOT NULL,
  created_at    text NOT NULL
);
CREATE INDEX idempotency_keys_order_id ON idempotency_keys (order_id);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

CREATE VIEW order_overview AS
SELECT o.id,
       o.created_at,
       o.status,
       format('%s.%s %s', o.total_cents / 100, lpad((o.total_cents % 100)::text, 2, '0'), o.currency) AS total,
       (SELECT string_agg(i.qty || ' x ' || i.sku, ', ') FROM order_items i WHERE i.order_id = o.id) AS items,
       (SELECT number FROM invoices v WHERE v.order_id = o.id) AS invoice,
       (SELECT string_agg(j.kind || '=' || j.state, ' ') FROM outbox j WHERE j.order_id = o.id) AS jobs
  FROM orders o
 ORDER BY o.id DESC;

CREATE VIEW dead_jobs AS
SELECT j.id, j.order_id, j.kind, j.attempts, j.last_error, j.updated_at AS died_at
  FROM outbox j
 WHERE j.state = 'dead'
 ORDER BY j.updated_at DESC;

-- migration: 2

-- Going live and the owner's window; see schema.sql migration 2 for each
-- change. PostgreSQL changes a CHECK constraint in place, so nothing is rebuilt.

DROP VIEW order_overview;
DROP VIEW dead_jobs;

ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
  CHECK (state IN ('pending', 'running', 'retrying', 'done', 'dead', 'discarded'));
ALTER TABLE outbox ADD COLUMN unreachable_attempts bigint NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN unreachable_since text;

ALTER TABLE job_attempts DROP CONSTRAINT job_attempts_outcome_check;
ALTER TABLE job_attempts ADD CONSTRAINT job_attempts_outcome_check
  CHECK (outcome IN ('running', 'ok', 'transient', 'unreachable', 'permanent', 'interrupted'));

ALTER TABLE orders ADD COLUMN paid_at text;
UPDATE orders SET paid_at = coalesce(
  (SELECT j.updated_at FROM outbox j WHERE j.order_id = orders.id AND j.kind = 'payment.charge' AND j.state = 'done'),
  CASE WHEN status IN ('paid', 'completed') THEN updated_at END);

ALTER TABLE invoices ADD COLUMN pdf bytea;

CREATE TABLE alerts (
  job_id       text PRIMARY KEY REFERENCES outbox (id),
  dead_job_id  text NOT NULL REFERENCES outbox (id),
  order_id     text NOT NULL REFERENCES orders (id),
  kind         text NOT NULL,
  summary      text NOT NULL,
  webhook      text NOT NULL CHECK (webhook IN ('none', 'pending', 'sent', 'failed')),
  email        text NOT NULL CHECK (email IN ('none', 'pending', 'sent', 'failed')),
  mode         text CHECK (mode IN ('alone', 'digest')),
  batch_id     text REFERENCES outbox (id),
  sent_at      text,
  created_at   text NOT NULL,
  updated_at   text NOT NULL
);
CREATE INDEX alerts_dead_job_id ON alerts (dead_job_id);
CREATE INDEX alerts_order_id ON alerts (order_id);
CREATE INDEX alerts_batch_id ON alerts (batch_id);
CREATE INDEX alerts_sent_at ON alerts (sent_at);
CREATE INDEX alerts_waiting ON alerts (mode) WHERE batch_id IS NULL;

-- Owners' views, for `psql` as for `sqlite3`.

CREATE VIEW order_overview AS
SELECT o.id,
       o.created_at,
       o.status,
       o.customer_name,
       o.customer_email,
       format('%s.%s %s', o.total_cents / 100, lpad((o.total_cents % 100)::text, 2, '0'), o.currency) AS total,
       (SELECT string_agg(i.qty || ' x ' || i.sku, ', ') FROM order_items i WHERE i.order_id = o.id) AS items,
       (SELECT number FROM invoices v WHERE v.order_id = o.id) AS invoice,
       (SELECT string_agg(j.kind || '=' || j.state, ' ') FROM outbox j WHERE j.order_id = o.id) AS jobs
  FROM orders o
 ORDER BY o.id DESC;

CREATE VIEW dead_jobs AS
SELECT j.id, j.order_id, j.kind, j.attempts, j.last_error, j.updated_at AS died_at
  FROM outbox j
 WHERE j.state = 'dead'
 ORDER BY j.updated_at DESC;

CREATE VIEW revenue_daily AS
SELECT substr(o.created_at, 1, 10) AS day,
       o.currency,
       count(*) AS orders,
       sum(o.total_cents)::bigint AS revenue_cents
  FROM orders o
 WHERE o.paid_at IS NOT NULL
 GROUP BY day, o.currency
 ORDER BY day DESC, o.currency;

CREATE VIEW stock_overview AS
SELECT p.sku,
       p.name,
       p.stock AS on_sale,
       coalesce((SELECT sum(i.qty)::bigint FROM order_items i JOIN orders o ON o.id = i.order_id
                  WHERE i.sku = p.sku AND o.stock_state = 'reserved'), 0) AS reserved,
       coalesce((SELECT sum(i.qty)::bigint FROM order_items i JOIN orders o ON o.id = i.order_id
                  WHERE i.sku = p.sku AND o.stock_state = 'sold'), 0) AS sold
  FROM products p
 ORDER BY p.sku;

CREATE VIEW undelivered_alerts AS
SELECT a.job_id, a.order_id, a.kind, a.summary, a.webhook, a.email, a.created_at
  FROM alerts a
  JOIN outbox j ON j.id = coalesce(a.batch_id, a.job_id)
 WHERE a.webhook NOT IN ('sent', 'pending') AND a.email NOT IN ('sent', 'pending')
   AND j.state <> 'discarded'
 ORDER BY a.created_at DESC;

-- migration: 3

-- Dashboard sign-ins; see schema.sql. Shared by every node, so a sign-in
-- holds behind a load balancer.
CREATE TABLE admin_sessions (
  id_hash      text PRIMARY KEY,
  created_at   text NOT NULL,
  last_seen_at text NOT NULL
);

-- The dashboard's "recent failures".
CREATE INDEX job_attempts_failed ON job_attempts (started_at)
  WHERE outcome IN ('transient', 'unreachable', 'permanent');

-- migration: 4

-- After the sale and a job graph that is one table in the code; see
-- schema.sql migration 4 for each change. PostgreSQL changes constraints in
-- place, so nothing is rebuilt.

DROP VIEW order_overview;
DROP VIEW dead_jobs;
DROP VIEW revenue_daily;
DROP VIEW stock_overview;
DROP VIEW undelivered_alerts;

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD COLUMN job_key text NOT NULL DEFAULT '';
UPDATE outbox SET job_key = id WHERE kind = 'alert.team';
DROP INDEX outbox_one_kind_per_order;
CREATE UNIQUE INDEX outbox_one_job_per_key ON outbox (order_id, kind, job_key);

ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
  CHECK (status IN ('received', 'action_required', 'paid', 'completed', 'payment_failed', 'needs_attention',
                    'cancelled', 'refunded'));
ALTER TABLE orders ADD COLUMN cancelled_at text;
ALTER TABLE orders ADD COLUMN cancel_reason text NOT NULL DEFAULT '';

ALTER TABLE stock_ledger DROP CONSTRAINT stock_ledger_reason_check;
ALTER TABLE stock_ledger ADD CONSTRAINT stock_ledger_reason_check
  CHECK (reason IN ('reserve', 'sale', 'release', 'restock', 'adjust'));

CREATE TABLE refunds (
  id            text PRIMARY KEY,
  order_id      text NOT NULL REFERENCES orders (id),
  state         text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
  origin        text NOT NULL CHECK (origin IN ('owner', 'cancel', 'provider')),
  amount_cents  bigint NOT NULL CHECK (amount_cents > 0),
  currency      text NOT NULL,
  reason        text NOT NULL DEFAULT '',
  restock       bigint NOT NULL DEFAULT 0 CHECK (restock IN (0, 1)),
  provider_ref  text UNIQUE,
  created_at    text NOT NULL,
  updated_at    text NOT NULL,
  succeeded_at  text
);
CREATE INDEX refunds_order_id ON refunds (order_id);
CREATE INDEX refunds_succeeded_at ON refunds (succeeded_at) WHERE state = 'succeeded';

CREATE TABLE refund_items (
  refund_id     text NOT NULL REFERENCES refunds (id),
  line_no       bigint NOT NULL,
  sku           text COLLATE "C" NOT NULL,
  qty           bigint NOT NULL CHECK (qty >= 1),
  amount_cents  bigint NOT NULL CHECK (amount_cents >= 0),
  PRIMARY KEY (refund_id, line_no)
);

CREATE TABLE credit_notes (
  refund_id      text PRIMARY KEY REFERENCES refunds (id),
  order_id       text NOT NULL REFERENCES orders (id),
  seq            bigint NOT NULL UNIQUE,
  number         text NOT NULL UNIQUE,
  invoice_number text NOT NULL,
  amount_cents   bigint NOT NULL,
  tax_cents      bigint NOT NULL DEFAULT 0,
  currency       text NOT NULL,
  issued_at      text NOT NULL,
  pdf            bytea
);
CREATE INDEX credit_notes_order_id ON credit_notes (order_id);

-- The last credit note number given out: invoice_numbering's twin (only on
-- PostgreSQL, where several nodes number credit notes at once).
CREATE TABLE credit_note_numbering (
  id       bigint PRIMARY KEY CHECK (id = 1),
  last_seq bigint NOT NULL CHECK (last_seq >= 0)
);
INSERT INTO credit_note_numbering (id, last_seq) VALUES (1, 0);

CREATE TABLE shipments (
  order_id        text PRIMARY KEY REFERENCES orders (id),
  carrier         text NOT NULL,
  tracking_number text NOT NULL,
  tracking_url    text NOT NULL DEFAULT '',
  shipped_at      text NOT NULL
);

CREATE VIEW order_overview AS
SELECT o.id,
       o.created_at,
       o.status,
       o.customer_name,
       o.customer_email,
       format('%s.%s %s', o.total_cents / 100, lpad((o.total_cents % 100)::text, 2, '0'), o.currency) AS total,
       (SELECT CASE WHEN count(*) = 0 THEN ''
                    ELSE format('%s.%s %s', sum(r.amount_cents)::bigint / 100,
                                lpad((sum(r.amount_cents)::bigint % 100)::text, 2, '0'), o.currency) END
          FROM refunds r WHERE r.order_id = o.id AND r.state = 'succeeded') AS refunded,
       (SELECT string_agg(i.qty || ' x ' || i.sku, ', ') FROM order_items i WHERE i.order_id = o.id) AS items,
       (SELECT number FROM invoices v WHERE v.order_id = o.id) AS invoice,
       (SELECT s.shipped_at FROM shipments s WHERE s.order_id = o.id) AS shipped_at,
       (SELECT string_agg(j.kind || '=' || j.state, ' ') FROM outbox j WHERE j.order_id = o.id) AS jobs
  FROM orders o
 ORDER BY o.id DESC;

CREATE VIEW dead_jobs AS
SELECT j.id, j.order_id, j.kind, j.attempts, j.last_error, j.updated_at AS died_at
  FROM outbox j
 WHERE j.state = 'dead'
 ORDER BY j.updated_at DESC;

CREATE VIEW revenue_daily AS
SELECT day,
       currency,
       sum(orders)::bigint AS orders,
       sum(revenue_cents)::bigint AS revenue_cents,
       sum(refunded_cents)::bigint AS refunded_cents,
       (sum(revenue_cents) - sum(refunded_cents))::bigint AS net_cents
  FROM (SELECT substr(o.created_at, 1, 10) AS day, o.currency AS currency, 1 AS orders,
               o.total_cents AS revenue_cents, 0::bigint AS refunded_cents
          FROM orders o
         WHERE o.paid_at IS NOT NULL
        UNION ALL
        SELECT substr(r.succeeded_at, 1, 10), r.currency, 0, 0, r.amount_cents
          FROM refunds r
         WHERE r.state = 'succeeded') AS money
 GROUP BY day, currency
 ORDER BY day DESC, currency;

CREATE VIEW stock_overview AS
SELECT p.sku,
       p.name,
       p.stock AS on_sale,
       (coalesce((SELECT sum(i.qty) FROM order_items i JOIN orders o ON o.id = i.order_id
                   WHERE i.sku = p.sku AND o.stock_state = 'reserved'), 0)
         - coalesce((SELECT sum(l.qty_delta) FROM stock_ledger l JOIN orders o ON o.id = l.order_id
                      WHERE l.sku = p.sku AND l.reason = 'restock' AND o.stock_state = 'reserved'), 0))::bigint
         AS reserved,
       (coalesce((SELECT sum(i.qty) FROM order_items i JOIN orders o ON o.id = i.order_id
                   WHERE i.sku = p.sku AND o.stock_state = 'sold'), 0)
         - coalesce((SELECT sum(l.qty_delta) FROM stock_ledger l JOIN orders o ON o.id = l.order_id
                      WHERE l.sku = p.sku AND l.reason = 'restock' AND o.stock_state = 'sold'), 0))::bigint AS sold
  FROM products p
 ORDER BY p.sku;

CREATE VIEW undelivered_alerts AS
SELECT a.job_id, a.order_id, a.kind, a.summary, a.webhook, a.email, a.created_at
  FROM alerts a
  JOIN outbox j ON j.id = coalesce(a.batch_id, a.job_id)
 WHERE a.webhook NOT IN ('sent', 'pending') AND a.email NOT IN ('sent', 'pending')
   AND j.state <> 'discarded'
 ORDER BY a.created_at DESC;

-- migration: 5

-- Tax, shipping and language; see schema.sql.
ALTER TABLE products ADD COLUMN vat_category text NOT NULL DEFAULT 'standard'
  CHECK (vat_category IN ('standard', 'reduced', 'super_reduced', 'zero'));
ALTER TABLE orders ADD COLUMN locale text NOT NULL DEFAULT 'en';
ALTER TABLE orders ADD COLUMN customer_vat_id text NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN tax_regime text
  CHECK (tax_regime IN ('single_rate', 'domestic', 'distance_sale', 'oss', 'reverse_charge', 'export'));
ALTER TABLE orders ADD COLUMN tax_country text NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN amounts_include_vat bigint NOT NULL DEFAULT 1 CHECK (amounts_include_vat IN (0, 1));
ALTER TABLE orders ADD COLUMN shipping_cents bigint NOT NULL DEFAULT 0 CHECK (shipping_cents >= 0);
ALTER TABLE orders ADD COLUMN shipping_vat_category text NOT NULL DEFAULT 'standard'
  CHECK (shipping_vat_category IN ('standard', 'reduced', 'super_reduced', 'zero'));
ALTER TABLE orders ADD COLUMN shipping_vat_rate_bp bigint NOT NULL DEFAULT 0 CHECK (shipping_vat_rate_bp >= 0);
ALTER TABLE order_items ADD COLUMN vat_category text NOT NULL DEFAULT 'standard'
  CHECK (vat_category IN ('standard', 'reduced', 'super_reduced', 'zero'));
ALTER TABLE order_items ADD COLUMN vat_rate_bp bigint NOT NULL DEFAULT 0 CHECK (vat_rate_bp >= 0);
